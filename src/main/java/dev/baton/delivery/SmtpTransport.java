package dev.baton.delivery;

import dev.baton.config.DeliverySettings;
import dev.baton.config.RouteSettings.TlsPolicy;
import dev.baton.queue.DeliveryOutcome;
import dev.baton.queue.Envelope;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import dev.baton.routing.NextHop;
import dev.baton.smtp.SmtpChannel;
import dev.baton.smtp.Xtext;
import dev.baton.smtp.client.SmtpClient;
import dev.baton.smtp.client.SmtpClientException;
import dev.baton.smtp.client.SmtpReply;
import dev.baton.tls.TlsContexts;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers a queued message to other servers over SMTP (RFC 5321) or LMTP (RFC 2033): tries
 * the next hops in order, negotiates STARTTLS per policy, pipelines MAIL and RCPT, sends the
 * content with BDAT or DATA, passes DSN parameters on, and turns every reply, error and
 * silence into one {@link DeliveryOutcome} per recipient. {@link #deliver} never throws.
 * <p>
 * Decisions:
 * <ul>
 * <li>8-bit content (BODY=8BITMIME, or any octet above 127 in a 7BIT message) to a peer
 *     without 8BITMIME fails (554 5.6.3); there is no RFC 6152 downgrade in this version.
 *     BODY=BINARYMIME needs BINARYMIME and CHUNKING, an SMTPUTF8 envelope needs SMTPUTF8
 *     (553 5.6.7); SIZE above the peer's limit fails 552 5.3.4.</li>
 * <li>TLS OPPORTUNISTIC accepts any certificate; a refused STARTTLS continues in plaintext, a
 *     failed handshake makes that hop fail (next hop, else deferral) since the connection is
 *     gone. REQUIRED accepts any certificate but defers when STARTTLS is not offered. VERIFY
 *     needs a chain to a JDK trust anchor or to DeliverySettings.trustedCertificates and a
 *     certificate naming the hop's host.</li>
 * <li>When the peer offers no DSN, a DELIVERED outcome for a recipient with NOTIFY=SUCCESS
 *     carries {@link DeliveryOutcome#relayedToNonDsnHop()}: the caller owes a "relayed" DSN.</li>
 * <li>A hop that fails before the recipients got their final answer hands the rest to the
 *     next hop; once the end of data has been sent, silence or a dropped connection defers
 *     (the peer may have delivered: a duplicate later is what RFC 5321 6.1 accepts).</li>
 * </ul>
 * Idle sessions are kept a few seconds per (host, port, TLS policy, LMTP) and reused after RSET.
 */
public final class SmtpTransport implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SmtpTransport.class);
    private static final int CHUNK = 256 * 1024;
    /** Room before a chunk for its "BDAT <size> LAST" line and its CRLF. */
    private static final int BDAT_ROOM = 32;
    private static final int MAX_TEXT = 300;

    /** Opens a queued message's content: canonical CRLF, not dot-stuffed ({@code spool::openContent}). */
    @FunctionalInterface
    public interface ContentOpener {
        InputStream open(QueuedMessage m) throws IOException;
    }

    /** A host name to the addresses to try, in order. */
    @FunctionalInterface
    public interface AddressResolver {
        List<InetAddress> resolve(String host) throws IOException;
    }

    /** The system resolver; "[192.0.2.1]" address literals are taken as they are. */
    public static final AddressResolver SYSTEM_RESOLVER = host -> Arrays.asList(InetAddress.getAllByName(bare(host)));

    private final DeliverySettings settings;
    private final ContentOpener content;
    private final AddressResolver resolver;
    private final Duration idleTime;
    private final int maxIdle;
    private final SSLSocketFactory anyCertificate;
    private final SSLSocketFactory verifying;

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Key, Deque<Conn>> idle = new HashMap<>();
    private int idleCount;
    private boolean reaperRunning;
    private boolean closed;

    public SmtpTransport(DeliverySettings settings, ContentOpener content) throws IOException {
        this(settings, content, SYSTEM_RESOLVER, Duration.ofSeconds(5), 32);
    }

    /**
     * @param idleTime how long an idle session is kept for reuse
     * @param maxIdle  how many idle sessions are kept at most, over all destinations
     * @throws IOException when DeliverySettings.trustedCertificates cannot be read
     */
    public SmtpTransport(DeliverySettings settings, ContentOpener content, AddressResolver resolver, Duration idleTime, int maxIdle)
            throws IOException {
        this.settings = settings;
        this.content = content;
        this.resolver = resolver;
        this.idleTime = idleTime;
        this.maxIdle = maxIdle;
        this.anyCertificate = TlsContexts.clientFactory(false);
        this.verifying = TlsContexts.verifyingClientFactory(
                settings.trustedCertificates() == null ? null : Path.of(settings.trustedCertificates()));
    }

    private record Key(String host, int port, TlsPolicy tls, boolean lmtp) {
    }

    /** A connected, greeted session, owned by one delivery at a time or lying idle. */
    private static final class Conn {
        final SmtpClient client;
        final String peer;
        long idleSince;

        Conn(SmtpClient client, String peer) {
            this.client = client;
            this.peer = peer;
        }
    }

    /** This hop cannot take the message now; the text names the hop and says why. */
    private static final class HopFailure extends Exception {
        private static final long serialVersionUID = 1L;

        HopFailure(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Delivers message m to the recipients at the given envelope indexes through the first hop
     * that takes it. Returns one outcome per given index, in the same order. Never throws.
     */
    public List<DeliveryOutcome> deliver(QueuedMessage m, List<Integer> recipients, List<NextHop> hops, TlsPolicy tls, boolean lmtp) {
        DeliveryOutcome[] out = new DeliveryOutcome[recipients.size()];
        String lastError = "451 4.4.4 no next hop to try";
        try {
            Boolean eightBit = null;
            for (NextHop hop : hops) {
                if (Arrays.stream(out).allMatch(o -> o != null)) {
                    break;
                }
                if (eightBit == null) {
                    eightBit = hasEightBit(m);
                }
                String error = attempt(m, recipients, out, hop, tls, lmtp, eightBit);
                if (error == null) {
                    break;
                }
                lastError = error;
                log.warn("{}: hop failed: {}", m.id(), error);
            }
        } catch (IOException e) {
            lastError = "451 4.3.0 cannot read the content of " + m.id() + ": " + e.getMessage();
            log.warn("{}: {}", m.id(), lastError);
        } catch (RuntimeException e) {
            lastError = "451 4.3.0 internal error during delivery: " + e;
            log.error("{}: delivery failed unexpectedly", m.id(), e);
        }
        List<DeliveryOutcome> result = new ArrayList<>(out.length);
        for (int i = 0; i < out.length; i++) {
            result.add(out[i] != null ? out[i] : DeliveryOutcome.deferred(recipients.get(i), lastError));
        }
        return result;
    }

    private boolean hasEightBit(QueuedMessage m) throws IOException {
        String body = body(m.envelope());
        if (!body.equals("7BIT")) {
            return true;
        }
        if (m.eightBit() != null) {
            return m.eightBit(); // seen while the message was received
        }
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = content.open(m)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] < 0) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static String body(Envelope e) {
        return e.body() == null ? "7BIT" : e.body().toUpperCase(Locale.ROOT);
    }

    /**
     * One hop. Returns null when every recipient still open got its outcome here, or the
     * reason this hop failed; recipients without an outcome then go to the next hop.
     */
    private String attempt(QueuedMessage m, List<Integer> recipients, DeliveryOutcome[] out, NextHop hop, TlsPolicy tls,
            boolean lmtp, boolean eightBit) {
        Key key = new Key(hop.host().toLowerCase(Locale.ROOT), hop.port(), tls, lmtp);
        Conn conn = null;
        String stage = "connect";
        List<Integer> accepted = new ArrayList<>(); // positions in recipients/out
        boolean dataSent = false;
        try {
            Envelope env = m.envelope();
            List<Integer> open = new ArrayList<>();
            for (int i = 0; i < out.length; i++) {
                if (out[i] == null) {
                    open.add(i);
                }
            }
            SmtpClient c;
            String peer;
            boolean dsn;
            List<String> cmds;
            boolean pipelining;
            while (true) {
                conn = reuse(key);
                boolean reused = conn != null;
                if (!reused) {
                    conn = connect(hop, tls, lmtp);
                }
                c = conn.client;
                peer = conn.peer;
                String refusal = refusal(m, c, peer, eightBit);
                if (refusal != null) {
                    for (int i : open) {
                        out[i] = DeliveryOutcome.failed(recipients.get(i), refusal);
                    }
                    release(key, conn);
                    return null;
                }
                dsn = c.offers("DSN");
                cmds = new ArrayList<>();
                cmds.add(mailCommand(m, c, dsn, eightBit));
                for (int i : open) {
                    cmds.add(rcptCommand(env.recipients().get(recipients.get(i)), dsn));
                }
                pipelining = c.offers("PIPELINING");
                c.readTimeout(settings.commandTimeout());
                c.writeTimeout(settings.commandTimeout());
                if (reused) {
                    // an idle session may have been closed by the peer meanwhile: RSET tells, and with
                    // PIPELINING it goes in one group with MAIL and RCPT (RFC 2920), saving a round trip
                    if (stillUsable(conn, pipelining ? cmds : List.of())) {
                        break;
                    }
                    discard(conn);
                    conn = null;
                    continue;
                }
                if (pipelining) {
                    for (String cmd : cmds) {
                        c.write(cmd);
                    }
                    c.flush();
                }
                break;
            }
            stage = "MAIL FROM";
            if (!pipelining) {
                c.write(cmds.get(0));
                c.flush();
            }
            SmtpReply mail = c.readReply();
            if (!mail.positive()) {
                if (pipelining) {
                    stage = "RCPT TO";
                    for (int k = 1; k < cmds.size(); k++) {
                        c.readReply();
                    }
                }
                if (mail.code() >= 500) {
                    for (int i : open) {
                        out[i] = DeliveryOutcome.failed(recipients.get(i), said(mail, peer, "MAIL FROM"));
                    }
                    resetAndRelease(key, conn);
                    return null;
                }
                throw new HopFailure(peer + ": " + said(mail, peer, "MAIL FROM"));
            }
            stage = "RCPT TO";
            for (int k = 0; k < open.size(); k++) {
                int i = open.get(k);
                if (!pipelining) {
                    c.write(cmds.get(k + 1));
                    c.flush();
                }
                SmtpReply r = c.readReply();
                int index = recipients.get(i);
                if (r.code() >= 200 && r.code() < 300) {
                    accepted.add(i);
                } else if (r.code() >= 500 && r.code() < 600) {
                    out[i] = DeliveryOutcome.failed(index, said(r, peer, "RCPT TO"));
                } else {
                    out[i] = DeliveryOutcome.deferred(index, tempSaid(r, peer, "RCPT TO"));
                }
            }
            if (accepted.isEmpty()) {
                resetAndRelease(key, conn);
                return null;
            }

            List<SmtpReply> finals = new ArrayList<>();
            SmtpReply dataRefused = null;
            try (InputStream in = content.open(m)) {
                if (c.offers("CHUNKING")) {
                    stage = "BDAT";
                    dataRefused = sendChunks(c, in, m.contentSize());
                } else {
                    stage = "DATA";
                    c.readTimeout(settings.dataInitiationTimeout());
                    SmtpReply go = c.command("DATA");
                    if (go.code() != 354) {
                        dataRefused = go;
                    } else {
                        stage = "message content";
                        c.writeTimeout(settings.dataBlockTimeout());
                        c.writeDotStuffed(in, m.contentSize());
                    }
                }
            }
            if (dataRefused != null) {
                String text = dataRefused.code() >= 500 ? said(dataRefused, peer, stage) : tempSaid(dataRefused, peer, stage);
                for (int i : accepted) {
                    int index = recipients.get(i);
                    out[i] = dataRefused.code() >= 500 ? DeliveryOutcome.failed(index, text) : DeliveryOutcome.deferred(index, text);
                }
                resetAndRelease(key, conn);
                return null;
            }
            // From here the peer may have the message: whatever happens defers, never another hop.
            dataSent = true;
            stage = "end of data";
            c.readTimeout(settings.dataTerminationTimeout());
            int replies = lmtp ? accepted.size() : 1;
            for (int k = 0; k < replies; k++) {
                finals.add(c.readReply());
            }
            for (int k = 0; k < accepted.size(); k++) {
                int i = accepted.get(k);
                SmtpReply r = finals.get(lmtp ? k : 0);
                Recipient rcpt = env.recipients().get(recipients.get(i));
                out[i] = finalOutcome(recipients.get(i), r, peer, !dsn && rcpt.notifyOn().contains("SUCCESS"));
            }
            release(key, conn);
            return null;
        } catch (HopFailure f) {
            discard(conn);
            return f.getMessage();
        } catch (IOException | RuntimeException e) {
            String where = conn != null ? conn.peer : hop.toString();
            String reason = where + ": " + describe(e, stage);
            discard(conn);
            if (!dataSent) {
                return reason;
            }
            // RFC 5321 6.1: the peer may have delivered; deferring risks a duplicate, never a loss
            String text = "451 4.4.2 no reply to the end of data: " + reason;
            log.warn("{}: {}", m.id(), text);
            for (int i : accepted) {
                if (out[i] == null) {
                    out[i] = DeliveryOutcome.deferred(recipients.get(i), text);
                }
            }
            return null;
        }
    }

    /**
     * Sends the content as BDAT chunks, the last with LAST; returns a refusing reply, or null when
     * all went. Each chunk is read in behind room for its command line, so both go in one write.
     */
    private SmtpReply sendChunks(SmtpClient c, InputStream in, long sizeHint) throws IOException {
        int size = (int) Math.max(1, Math.min(CHUNK, sizeHint + 1));
        byte[] a = new byte[BDAT_ROOM + size];
        byte[] b = new byte[BDAT_ROOM + size];
        int n = in.readNBytes(a, BDAT_ROOM, size);
        c.writeTimeout(settings.dataBlockTimeout());
        c.readTimeout(settings.dataBlockTimeout());
        while (true) {
            int next = n == size ? in.readNBytes(b, BDAT_ROOM, size) : 0;
            boolean last = next == 0;
            String line = "BDAT " + n + (last ? " LAST" : "");
            byte[] cmd = (line + "\r\n").getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(cmd, 0, a, BDAT_ROOM - cmd.length, cmd.length);
            c.writeRaw(line, a, BDAT_ROOM - cmd.length, cmd.length + n);
            c.flush();
            if (last) {
                return null;
            }
            SmtpReply r = c.readReply();
            if (!r.positive()) {
                return r;
            }
            byte[] t = a;
            a = b;
            b = t;
            n = next;
        }
    }

    /** Why this peer cannot take this message at all (a permanent failure), or null. */
    private static String refusal(QueuedMessage m, SmtpClient c, String peer, boolean eightBit) {
        Envelope env = m.envelope();
        if (env.smtputf8() && !c.offers("SMTPUTF8")) {
            return "553 5.6.7 the message needs SMTPUTF8 (internationalized addresses), which " + peer + " does not offer";
        }
        if (body(env).equals("BINARYMIME") && !(c.offers("BINARYMIME") && c.offers("CHUNKING"))) {
            return "554 5.6.3 the message is BINARYMIME, which needs BINARYMIME and CHUNKING, and " + peer + " does not offer both";
        }
        if (eightBit && !c.offers("8BITMIME")) {
            return "554 5.6.3 the message has 8-bit content and " + peer + " does not offer 8BITMIME (no downgrade to 7 bit is done)";
        }
        String size = c.extensionParameters("SIZE");
        if (size != null && !size.isEmpty()) {
            try {
                long limit = Long.parseLong(size.split(" ")[0]);
                if (limit > 0 && m.contentSize() > limit) {
                    return "552 5.3.4 message size " + m.contentSize() + " exceeds the limit of " + peer + " (" + limit + ")";
                }
            } catch (NumberFormatException e) {
                // an unreadable SIZE announces no limit we could honour
            }
        }
        return null;
    }

    private static String mailCommand(QueuedMessage m, SmtpClient c, boolean dsn, boolean eightBit) {
        Envelope env = m.envelope();
        StringBuilder b = new StringBuilder("MAIL FROM:<").append(env.sender()).append('>');
        if (c.offers("SIZE")) {
            b.append(" SIZE=").append(m.contentSize());
        }
        if (body(env).equals("BINARYMIME")) {
            b.append(" BODY=BINARYMIME");
        } else if (eightBit) {
            b.append(" BODY=8BITMIME");
        }
        if (env.smtputf8()) {
            b.append(" SMTPUTF8");
        }
        if (dsn) {
            if (env.ret() != null) {
                b.append(" RET=").append(env.ret());
            }
            if (env.envid() != null) {
                b.append(" ENVID=").append(Xtext.encode(env.envid()));
            }
        }
        return b.toString();
    }

    private static String rcptCommand(Recipient r, boolean dsn) {
        StringBuilder b = new StringBuilder("RCPT TO:<").append(r.address()).append('>');
        if (dsn) {
            if (!r.notifyOn().isEmpty()) {
                b.append(" NOTIFY=").append(String.join(",", new TreeSet<>(r.notifyOn())));
            }
            if (r.orcpt() != null) {
                int semi = r.orcpt().indexOf(';');
                String type = semi < 0 ? "rfc822" : r.orcpt().substring(0, semi);
                String addr = semi < 0 ? r.orcpt() : r.orcpt().substring(semi + 1);
                b.append(" ORCPT=").append(type).append(';').append(Xtext.encode(addr));
            }
        }
        return b.toString();
    }

    private static DeliveryOutcome finalOutcome(int index, SmtpReply r, String peer, boolean relayed) {
        if (r.code() >= 200 && r.code() < 300) {
            return DeliveryOutcome.delivered(index, said(r, peer, "end of data"), relayed);
        }
        if (r.code() >= 500 && r.code() < 600) {
            return DeliveryOutcome.failed(index, said(r, peer, "end of data"));
        }
        return DeliveryOutcome.deferred(index, tempSaid(r, peer, "end of data"));
    }

    /** "550 5.1.1 text (mx[192.0.2.1]:25, in reply to RCPT TO)". */
    private static String said(SmtpReply r, String peer, String command) {
        String text = r.text();
        return SmtpClient.quote(r.code() + (text.isEmpty() ? "" : " " + text)) + " (" + peer + ", in reply to " + command + ")";
    }

    /** As {@link #said}, but a reply that is neither 2xx nor 4xx/5xx is marked unexpected. */
    private static String tempSaid(SmtpReply r, String peer, String command) {
        return r.code() >= 400 && r.code() < 500 ? said(r, peer, command) : "451 4.5.0 unexpected reply " + said(r, peer, command);
    }

    private static String describe(Exception e, String stage) {
        String what;
        if (e instanceof ConnectException) {
            String msg = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            what = msg.contains("refused") ? "connection refused" : msg;
        } else if (e instanceof SocketTimeoutException) {
            what = stage.equals("connect") ? "connect timed out" : "timed out waiting for the reply";
        } else if (e instanceof EOFException) {
            what = "connection closed by the peer";
        } else if (e instanceof SmtpChannel.LineTooLongException t) {
            what = "reply line longer than " + t.limit() + " octets";
        } else if (e instanceof SmtpClientException s) {
            what = said(s.reply(), "peer", s.command());
        } else if (e instanceof SSLException) {
            what = (hasCause(e, CertificateException.class) ? "TLS handshake failed, certificate not accepted: " : "TLS failed: ")
                    + SmtpClient.quote(String.valueOf(e.getMessage()));
        } else if (e instanceof UnknownHostException) {
            what = "cannot resolve the host name";
        } else if (e instanceof IOException) {
            what = SmtpClient.quote(String.valueOf(e.getMessage()));
        } else {
            what = "internal error: " + SmtpClient.quote(e.toString());
        }
        return stage.equals("connect") ? what : what + " (" + stage + ")";
    }

    private static boolean hasCause(Throwable t, Class<?> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- connecting

    private Conn connect(NextHop hop, TlsPolicy tls, boolean lmtp) throws HopFailure {
        String host = bare(hop.host());
        List<InetAddress> addresses;
        try {
            // an MX lookup has resolved the host already; a configured host is resolved here
            addresses = hop.addresses().isEmpty() ? resolver.resolve(hop.host()) : hop.addresses();
        } catch (IOException e) {
            throw new HopFailure(hop + ": cannot resolve " + hop.host() + ": " + SmtpClient.quote(String.valueOf(e.getMessage())));
        }
        if (addresses.isEmpty()) {
            throw new HopFailure(hop + ": " + hop.host() + " has no address");
        }
        String failure = null;
        for (InetAddress a : addresses) {
            String peer = hop.host() + "[" + a.getHostAddress() + "]:" + hop.port();
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(a, hop.port()), millis(settings.connectTimeout()));
                s.setTcpNoDelay(true);
            } catch (IOException e) {
                closeQuietly(s);
                failure = peer + ": " + describe(e, "connect");
                continue;
            }
            return session(s, host, hop.port(), peer, tls, lmtp);
        }
        throw new HopFailure(failure);
    }

    /** Greeting, EHLO/LHLO, STARTTLS per policy; a failure closes the socket. */
    private Conn session(Socket s, String host, int port, String peer, TlsPolicy tls, boolean lmtp) throws HopFailure {
        String stage = "greeting";
        SmtpClient c = null;
        try {
            c = SmtpClient.open(s, host, port, line -> log.debug("{} {}", peer, line));
            c.writeTimeout(settings.commandTimeout());
            c.readTimeout(settings.greetingTimeout());
            SmtpReply greeting = c.readReply();
            if (greeting.code() != 220) {
                // RFC 5321 3.1: 554 means no service here; another MX may still take it, so it defers
                quitQuietly(c);
                throw new HopFailure(peer + ": " + said(greeting, peer, "the greeting"));
            }
            c.readTimeout(settings.commandTimeout());
            stage = lmtp ? "LHLO" : "EHLO";
            hello(c, peer, lmtp);
            boolean offered = c.offers("STARTTLS");
            if (tls == TlsPolicy.REQUIRED || tls == TlsPolicy.VERIFY) {
                if (!offered) {
                    quitQuietly(c);
                    throw new HopFailure(peer + ": TLS required but not offered by " + peer);
                }
                stage = "STARTTLS";
                c.startTls(tls == TlsPolicy.VERIFY ? verifying : anyCertificate);
                stage = lmtp ? "LHLO" : "EHLO";
                hello(c, peer, lmtp);
            } else if (tls == TlsPolicy.OPPORTUNISTIC && offered) {
                stage = "STARTTLS";
                try {
                    c.startTls(anyCertificate);
                    stage = lmtp ? "LHLO" : "EHLO";
                    hello(c, peer, lmtp);
                } catch (SmtpClientException refused) {
                    // STARTTLS refused before any handshake: RFC 7435 opportunistic, carry on in plaintext
                    log.info("{}: STARTTLS refused ({}), continuing without TLS", peer, refused.reply());
                }
            }
            return new Conn(c, peer);
        } catch (HopFailure f) {
            closeQuietly(s);
            throw f;
        } catch (IOException | RuntimeException e) {
            closeQuietly(s);
            if (c != null) {
                c.close();
            }
            throw new HopFailure(peer + ": " + describe(e, stage));
        }
    }

    private void hello(SmtpClient c, String peer, boolean lmtp) throws IOException, HopFailure {
        if (lmtp) {
            SmtpReply r = c.extendedHello("LHLO", settings.heloName());
            if (r.code() != 250) {
                quitQuietly(c);
                throw new HopFailure(peer + ": " + said(r, peer, "LHLO"));
            }
            return;
        }
        SmtpReply r = c.extendedHello("EHLO", settings.heloName());
        if (r.code() == 250) {
            return;
        }
        if (r.code() >= 500) {
            r = c.command("HELO " + settings.heloName());
            if (r.code() == 250) {
                return;
            }
        }
        quitQuietly(c);
        throw new HopFailure(peer + ": " + said(r, peer, r.code() >= 500 ? "HELO" : "EHLO"));
    }

    // ---------------------------------------------------------------- idle sessions

    /** An idle session to this key, not yet past its idle time, or null; the caller checks it with RSET. */
    private Conn reuse(Key key) {
        Conn conn = null;
        List<Conn> expired = new ArrayList<>();
        lock.lock();
        try {
            Deque<Conn> q = idle.get(key);
            while (q != null && !q.isEmpty() && conn == null) {
                Conn c = q.pollLast();
                idleCount--;
                if (System.nanoTime() - c.idleSince < idleTime.toNanos()) {
                    conn = c;
                } else {
                    expired.add(c);
                }
            }
            if (q != null && q.isEmpty()) {
                idle.remove(key);
            }
        } finally {
            lock.unlock();
        }
        expired.forEach(c -> quitQuietly(c.client));
        return conn;
    }

    /**
     * Sends RSET on an idle session, followed in the same write by the pipelined commands, and
     * says whether the session answered it with 250. When it did not, the session is to be
     * discarded: nothing sent behind the RSET can start a delivery without its end of data.
     */
    private boolean stillUsable(Conn conn, List<String> pipelined) {
        try {
            conn.client.write("RSET");
            for (String cmd : pipelined) {
                conn.client.write(cmd);
            }
            conn.client.flush();
            SmtpReply r = conn.client.readReply();
            if (r.code() == 250) {
                return true;
            }
            log.debug("{}: idle session answered RSET with {}, connecting anew", conn.peer, r);
        } catch (IOException e) {
            log.debug("{}: idle session failed RSET ({}), connecting anew", conn.peer, e.toString());
        }
        return false;
    }

    private void resetAndRelease(Key key, Conn conn) {
        try {
            conn.client.readTimeout(settings.commandTimeout());
            if (conn.client.command("RSET").code() == 250) {
                release(key, conn);
                return;
            }
        } catch (IOException e) {
            log.debug("{}: RSET failed: {}", conn.peer, e.toString());
        }
        discard(conn);
    }

    /** Keeps a session that is between transactions for reuse, or says goodbye when the pool is full. */
    private void release(Key key, Conn conn) {
        boolean keep;
        boolean startReaper = false;
        lock.lock();
        try {
            keep = !closed && idleCount < maxIdle;
            if (keep) {
                conn.idleSince = System.nanoTime();
                idle.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(conn);
                idleCount++;
                if (!reaperRunning) {
                    reaperRunning = true;
                    startReaper = true;
                }
            }
        } finally {
            lock.unlock();
        }
        if (!keep) {
            quitQuietly(conn.client);
        }
        if (startReaper) {
            Thread.ofVirtual().name("smtp-idle-reaper").start(this::reap);
        }
    }

    /** Says goodbye to idle sessions past their time; ends when none is left. */
    private void reap() {
        while (true) {
            try {
                Thread.sleep(Math.max(50, idleTime.toMillis() / 2));
            } catch (InterruptedException e) {
                return;
            }
            List<Conn> expired = new ArrayList<>();
            boolean done;
            lock.lock();
            try {
                long now = System.nanoTime();
                for (Iterator<Deque<Conn>> qs = idle.values().iterator(); qs.hasNext();) {
                    Deque<Conn> q = qs.next();
                    for (Iterator<Conn> it = q.iterator(); it.hasNext();) {
                        Conn c = it.next();
                        if (now - c.idleSince >= idleTime.toNanos()) {
                            it.remove();
                            idleCount--;
                            expired.add(c);
                        }
                    }
                    if (q.isEmpty()) {
                        qs.remove();
                    }
                }
                done = idleCount == 0;
                if (done) {
                    reaperRunning = false;
                }
            } finally {
                lock.unlock();
            }
            expired.forEach(c -> quitQuietly(c.client));
            if (done) {
                return;
            }
        }
    }

    /** The number of idle sessions kept now. */
    public int idleSessions() {
        lock.lock();
        try {
            return idleCount;
        } finally {
            lock.unlock();
        }
    }

    /** Says goodbye to every idle session; sessions in use are closed when their delivery ends. */
    @Override
    public void close() {
        List<Conn> all = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            idle.values().forEach(all::addAll);
            idle.clear();
            idleCount = 0;
        } finally {
            lock.unlock();
        }
        all.forEach(c -> quitQuietly(c.client));
    }

    private static void discard(Conn conn) {
        if (conn != null) {
            conn.client.close();
        }
    }

    private static void quitQuietly(SmtpClient c) {
        try {
            c.readTimeout(Duration.ofSeconds(2));
            c.writeTimeout(Duration.ofSeconds(2));
            c.command("QUIT");
        } catch (IOException e) {
            // goodbye is a courtesy
        } finally {
            c.close();
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to be done
        }
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    private static String bare(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
