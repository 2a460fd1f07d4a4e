package dev.baton.delivery;

import dev.baton.auth.AuthenticationException;
import dev.baton.auth.ClientMechanism;
import dev.baton.config.DeliverySettings;
import dev.baton.config.RouteSettings.TlsPolicy;
import dev.baton.mail.DialogueStage;
import dev.baton.mail.PeerText;
import dev.baton.queue.DeliveryOutcome;
import dev.baton.queue.DeliveryOutcome.Handoff;
import dev.baton.queue.DeliveryReply;
import dev.baton.queue.DeliveryText;
import dev.baton.queue.Envelope;
import dev.baton.queue.HopSecurity;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import dev.baton.queue.RecipientId;
import dev.baton.routing.NextHop;
import dev.baton.smtp.Extension;
import dev.baton.smtp.MailParameters;
import dev.baton.smtp.RcptParameters;
import dev.baton.smtp.SmtpChannel;
import dev.baton.smtp.client.ClientTimeouts;
import dev.baton.smtp.client.MalformedReplyException;
import dev.baton.smtp.client.SmtpClient;
import dev.baton.smtp.client.SmtpClientException;
import dev.baton.smtp.client.SmtpReply;
import dev.baton.smtp.client.Transaction;
import dev.baton.smtp.client.TransactionException;
import dev.baton.smtp.client.TransactionResult;
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
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers a queued message to other servers over SMTP (RFC 5321) or LMTP (RFC 2033): tries
 * the next hops in order, negotiates STARTTLS per policy, runs one client {@link Transaction}
 * (pipelined MAIL and RCPT, BDAT or DATA, DSN parameters passed on), and turns every reply,
 * error and silence into one {@link DeliveryOutcome} per recipient, each with a typed
 * {@link DeliveryReply}. {@link #deliver} never throws.
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
 * <li>A DELIVERED outcome says who owes its success DSN ({@link DeliveryOutcome.Handoff}): a
 *     peer that offers DSN got NOTIFY with the RCPT and reports itself (RFC 3461 5.2.1); an SMTP
 *     peer without DSN leaves a "relayed" DSN to us; an LMTP peer without DSN delivered finally.</li>
 * <li>A hop that fails before the recipients got their final answer hands the rest to the
 *     next hop; once the end of data has been sent, silence or a dropped connection defers
 *     (the peer may have delivered: a duplicate later is what RFC 5321 6.1 accepts).</li>
 * </ul>
 * Idle sessions are kept a few seconds per (host, port, TLS policy, LMTP) in a {@link SessionPool}
 * and reused after RSET.
 */
public final class SmtpTransport implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SmtpTransport.class);

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
    private final ClientTimeouts timeouts;
    private final ContentOpener content;
    private final AddressResolver resolver;
    private final SessionPool pool;
    private final SSLSocketFactory anyCertificate;
    private final SSLSocketFactory verifying;
    private final java.util.concurrent.atomic.AtomicLong connections = new java.util.concurrent.atomic.AtomicLong();
    private volatile HopEvents events = HopEvents.NONE;
    private volatile Organization organization = Organization.NONE;

    /**
     * How this server recognizes and authenticates to the servers of its organization
     * (SYSTEM.md 2, ADR 0020): a next hop whose greeting or EHLO reply names a server of the
     * directory gets STARTTLS, EHLO again and X-EXPS with the mechanism before the transaction.
     *
     * @param isServer  whether an FQDN (lower case) is a server of the organization
     * @param mechanism the mechanism to authenticate with (GSSAPI as this server's initiator), or
     *                  null when this server has none: then an organization hop is delivered to
     *                  as an external one (nothing to prove, no properties)
     */
    public record Organization(java.util.function.Predicate<String> isServer, ClientMechanism mechanism) {
        public static final Organization NONE = new Organization(fqdn -> false, null);

        public Organization {
            java.util.Objects.requireNonNull(isServer, "isServer");
        }
    }

    /** The organization's servers and the mechanism to prove this one to them (the node sets it, and again on reload). */
    public void organization(Organization o) {
        this.organization = o == null ? Organization.NONE : o;
    }

    public SmtpTransport(DeliverySettings settings, ContentOpener content) throws IOException {
        this(settings, content, SYSTEM_RESOLVER, settings.reuseIdleTime(), settings.reuseMaxIdle());
    }

    /**
     * @param idleTime how long an idle session is kept for reuse
     * @param maxIdle  how many idle sessions are kept at most, over all destinations
     * @throws IOException when DeliverySettings.trustedCertificates cannot be read
     */
    public SmtpTransport(DeliverySettings settings, ContentOpener content, AddressResolver resolver, Duration idleTime, int maxIdle)
            throws IOException {
        this.settings = settings;
        this.timeouts = new ClientTimeouts(settings.connectTimeout(), settings.greetingTimeout(), settings.commandTimeout(),
                settings.dataInitiationTimeout(), settings.dataBlockTimeout(), settings.dataTerminationTimeout());
        this.content = content;
        this.resolver = resolver;
        this.pool = new SessionPool(idleTime, maxIdle);
        this.anyCertificate = TlsContexts.clientFactory(false);
        this.verifying = TlsContexts.verifyingClientFactory(
                settings.trustedCertificates() == null ? null : Path.of(settings.trustedCertificates()));
    }

    /** Where error replies of next hops are reported from now on (the node: event 7004). */
    public void reportTo(HopEvents events) {
        this.events = events == null ? HopEvents.NONE : events;
    }

    /** Reports the error replies of this session's peer as being about message m. */
    private void watch(SmtpClient c, String queueId, String peer, long number) {
        HopEvents to = events;
        if (to == HopEvents.NONE) {
            c.onRefusal(null);
            return;
        }
        c.onRefusal((verb, command, reply) -> to.commandRefused(queueId, number, peer, verb, PeerText.quote(command),
                PeerText.quote(reply.toString())));
    }

    /** This hop cannot take the message now; the reply names the hop and says why. */
    private static final class HopFailure extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient DeliveryReply reply;

        HopFailure(DeliveryReply reply) {
            super(reply.text(), null, false, false);
            this.reply = reply;
        }
    }

    /**
     * Delivers message m to the given recipients through the first hop that takes it. Returns
     * one outcome per given recipient, in the same order. Never throws.
     */
    public List<DeliveryOutcome> deliver(QueuedMessage m, List<RecipientId> recipients, List<NextHop> hops, TlsPolicy tls,
            boolean lmtp) {
        return deliver(m, recipients, hops, tls, lmtp, null);
    }

    /**
     * Delivers to the home server of the recipients' mailboxes (the organization transport, ADR
     * 0020): the peer must announce that server's FQDN and prove it with X-EXPS (or AUTH) GSSAPI
     * inside TLS; a peer that announces another name, or a server without Kerberos to prove it
     * with, defers the recipients with the reason rather than hand them to an unproved peer.
     */
    public List<DeliveryOutcome> deliverToOrganizationServer(QueuedMessage m, List<RecipientId> recipients, NextHop hop,
            String serverFqdn) {
        return deliver(m, recipients, List.of(hop), TlsPolicy.REQUIRED, false, serverFqdn.toLowerCase(Locale.ROOT));
    }

    private List<DeliveryOutcome> deliver(QueuedMessage m, List<RecipientId> recipients, List<NextHop> hops, TlsPolicy tls,
            boolean lmtp, String organizationServer) {
        DeliveryOutcome[] out = new DeliveryOutcome[recipients.size()];
        DeliveryReply lastError = DeliveryText.NO_NEXT_HOP.reply();
        try {
            Boolean eightBit = null;
            for (NextHop hop : hops) {
                if (Arrays.stream(out).allMatch(o -> o != null)) {
                    break;
                }
                if (eightBit == null) {
                    eightBit = hasEightBit(m);
                }
                DeliveryReply error = attempt(m, recipients, out, hop, tls, lmtp, eightBit, organizationServer);
                if (error == null) {
                    break;
                }
                lastError = error;
                log.warn("{}: hop failed: {}", m.id(), error.text());
            }
        } catch (IOException e) {
            lastError = DeliveryText.CONTENT_UNREADABLE.reply(m.id(), e.getMessage());
            log.warn("{}: {}", m.id(), lastError.text());
        } catch (RuntimeException e) {
            lastError = DeliveryText.INTERNAL_ERROR.reply(e);
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
    private DeliveryReply attempt(QueuedMessage m, List<RecipientId> recipients, DeliveryOutcome[] out, NextHop hop, TlsPolicy tls,
            boolean lmtp, boolean eightBit, String organizationServer) {
        SessionPool.Key key = new SessionPool.Key(hop.host().toLowerCase(Locale.ROOT), hop.port(), tls, lmtp);
        SessionPool.Session conn = null;
        List<Integer> open = new ArrayList<>(); // positions in recipients/out
        for (int i = 0; i < out.length; i++) {
            if (out[i] == null) {
                open.add(i);
            }
        }
        try {
            TransactionResult r;
            while (true) {
                conn = pool.take(key);
                if (conn != null && organizationServer != null
                        && !("smtp/" + organizationServer).equalsIgnoreCase(conn.client.authenticatedTo())) {
                    discard(conn); // not proved to be the home server: this hop needs a session that is
                    conn = null;
                }
                boolean reused = conn != null;
                if (!reused) {
                    conn = connect(hop, tls, lmtp, m.id(), organizationServer);
                } else {
                    watch(conn.client, m.id(), conn.peer, conn.number);
                }
                DeliveryReply refusal = refusal(m, conn.client, conn.peer, eightBit);
                if (refusal != null) {
                    for (int i : open) {
                        out[i] = DeliveryOutcome.failed(recipients.get(i), refusal);
                    }
                    pool.put(key, conn);
                    return null;
                }
                try {
                    r = conn.client.send(transaction(m, recipients, open, conn.client, eightBit, lmtp, reused));
                    break;
                } catch (TransactionException e) {
                    if (!e.staleSession()) {
                        throw e;
                    }
                    // an idle session the peer closed meanwhile: nothing sent behind the RSET can start a delivery
                    log.debug("{}: idle session failed RSET ({}), connecting anew", conn.peer, e.getMessage());
                    discard(conn);
                    conn = null;
                }
            }
            String peer = conn.peer;
            if (!r.mailAccepted()) {
                DeliveryReply said = said(r.mail(), peer, DialogueStage.MAIL);
                if (r.mail().code() >= 500) {
                    for (int i : open) {
                        out[i] = DeliveryOutcome.failed(recipients.get(i), said);
                    }
                    resetAndRelease(key, conn);
                    return null;
                }
                throw new HopFailure(DeliveryText.HOP_REFUSED.hop(peer, DialogueStage.MAIL, said.text()).causedBy(said));
            }
            List<Integer> accepted = recipientReplies(r.recipients(), open, recipients, out, peer);
            if (accepted.isEmpty()) {
                resetAndRelease(key, conn);
                return null;
            }
            if (r.dataRefused() != null) {
                SmtpReply refused = r.dataRefused();
                DeliveryReply text = refused.code() >= 500 ? said(refused, peer, r.dataStage()) : tempSaid(refused, peer, r.dataStage());
                for (int i : accepted) {
                    out[i] = refused.code() >= 500 ? DeliveryOutcome.failed(recipients.get(i), text)
                            : DeliveryOutcome.deferred(recipients.get(i), text);
                }
                resetAndRelease(key, conn);
                return null;
            }
            boolean dsn = conn.client.offers(Extension.DSN);
            for (int k = 0; k < accepted.size(); k++) {
                int i = accepted.get(k);
                Recipient rcpt = m.recipient(recipients.get(i));
                SmtpReply fin = r.finals().get(lmtp ? k : 0);
                out[i] = finalOutcome(recipients.get(i), fin, peer, dsn && !rcpt.notifyOn().isEmpty() ? Handoff.NOTIFY_PASSED_ON
                        : !dsn && !lmtp ? Handoff.RELAYED : Handoff.FINAL);
            }
            pool.put(key, conn);
            return null;
        } catch (HopFailure f) {
            discard(conn);
            return f.reply;
        } catch (TransactionException e) {
            String where = conn.peer;
            DeliveryReply reason = describe(e.failure(), where, e.stage());
            discard(conn);
            List<Integer> accepted = recipientReplies(e.recipientReplies(), open, recipients, out, where);
            if (!e.dataSent()) {
                return reason;
            }
            // RFC 5321 6.1: the peer may have delivered; deferring risks a duplicate, never a loss
            DeliveryReply text = DeliveryText.NO_REPLY_TO_END_OF_DATA.reply(reason.text()).causedBy(reason)
                    .about(where, DialogueStage.END_OF_DATA);
            log.warn("{}: {}", m.id(), text.text());
            for (int i : accepted) {
                if (out[i] == null) {
                    out[i] = DeliveryOutcome.deferred(recipients.get(i), text);
                }
            }
            return null;
        } catch (RuntimeException e) {
            String where = conn != null ? conn.peer : hop.toString();
            DeliveryReply reason = describe(e, where, null);
            discard(conn);
            return reason;
        } finally {
            overSession(out, open, conn);
        }
    }

    /** The outcomes this attempt gave, each with how the session that said it was protected (docs/logs.md). */
    private static void overSession(DeliveryOutcome[] out, List<Integer> open, SessionPool.Session conn) {
        if (conn == null) {
            return;
        }
        HopSecurity security = HopSecurity.of(conn.client.tlsDescription(), conn.client.authenticatedTo(),
                conn.client.authenticatedWith());
        for (int i : open) {
            if (out[i] != null) {
                out[i] = out[i].over(security);
            }
        }
    }

    /**
     * Takes the RCPT replies that came (all of them, or those before the session broke): a
     * 5xx fails its recipient, a 4xx (or anything else but 2xx) defers it. Returns the
     * positions accepted; those have no outcome yet.
     */
    private static List<Integer> recipientReplies(List<SmtpReply> replies, List<Integer> open, List<RecipientId> recipients,
            DeliveryOutcome[] out, String peer) {
        List<Integer> accepted = new ArrayList<>(replies.size());
        for (int k = 0; k < replies.size(); k++) {
            int i = open.get(k);
            SmtpReply r = replies.get(k);
            if (r.code() >= 200 && r.code() < 300) {
                accepted.add(i);
            } else if (r.code() >= 500 && r.code() < 600) {
                out[i] = DeliveryOutcome.failed(recipients.get(i), said(r, peer, DialogueStage.RCPT));
            } else {
                out[i] = DeliveryOutcome.deferred(recipients.get(i), tempSaid(r, peer, DialogueStage.RCPT));
            }
        }
        return accepted;
    }

    private Transaction transaction(QueuedMessage m, List<RecipientId> recipients, List<Integer> open, SmtpClient c,
            boolean eightBit, boolean lmtp, boolean reused) {
        Envelope env = m.envelope();
        boolean dsn = c.offers(Extension.DSN);
        String body = body(env).equals("BINARYMIME") ? "BINARYMIME" : eightBit ? "8BITMIME" : "7BIT";
        // RFC 4954 5: to a peer that offers AUTH, the submitter as this server trusts it, <> when none is known
        String auth = !c.offers(Extension.AUTH) ? null : env.submitter() == null ? "" : env.submitter();
        MailParameters mail = new MailParameters(body, env.smtputf8(), dsn ? env.ret() : null, dsn ? env.envid() : null,
                c.offers(Extension.SIZE) ? m.contentSize() : -1, auth);
        List<Transaction.Rcpt> rcpts = new ArrayList<>(open.size());
        for (int i : open) {
            Recipient r = m.recipient(recipients.get(i));
            rcpts.add(new Transaction.Rcpt(r.address(), dsn ? new RcptParameters(r.notifyOn(), r.orcpt()) : RcptParameters.NONE));
        }
        return new Transaction(env.sender(), mail, rcpts, () -> content.open(m), m.contentSize(), true, lmtp, reused);
    }

    /** Why this peer cannot take this message at all (a permanent failure), or null. */
    private static DeliveryReply refusal(QueuedMessage m, SmtpClient c, String peer, boolean eightBit) {
        Envelope env = m.envelope();
        if (env.smtputf8() && !c.offers(Extension.SMTPUTF8)) {
            return DeliveryText.NEEDS_SMTPUTF8.reply(peer).about(peer, null);
        }
        if (body(env).equals("BINARYMIME") && !(c.offers(Extension.BINARYMIME) && c.offers(Extension.CHUNKING))) {
            return DeliveryText.NEEDS_BINARYMIME.reply(peer).about(peer, null);
        }
        if (eightBit && !c.offers(Extension.EIGHT_BIT_MIME)) {
            return DeliveryText.NEEDS_8BITMIME.reply(peer).about(peer, null);
        }
        long limit = sizeLimit(c.extensionParameters(Extension.SIZE));
        if (limit > 0 && m.contentSize() > limit) {
            return DeliveryText.TOO_BIG_FOR_PEER.reply(m.contentSize(), peer, limit).about(peer, null);
        }
        return null;
    }

    /** The limit of an EHLO "SIZE n" line; 0 when none is given or it cannot be read (RFC 1870: no limit we could honour). */
    static long sizeLimit(String parameters) {
        if (parameters == null || parameters.isEmpty()) {
            return 0;
        }
        int sp = parameters.indexOf(' ');
        String n = sp < 0 ? parameters : parameters.substring(0, sp);
        if (n.isEmpty() || n.length() > 18) {
            return 0;
        }
        long v = 0;
        for (int i = 0; i < n.length(); i++) {
            char ch = n.charAt(i);
            if (ch < '0' || ch > '9') {
                return 0;
            }
            v = v * 10 + (ch - '0');
        }
        return v;
    }

    private static DeliveryOutcome finalOutcome(RecipientId id, SmtpReply r, String peer, Handoff handoff) {
        if (r.code() >= 200 && r.code() < 300) {
            return DeliveryOutcome.delivered(id, said(r, peer, DialogueStage.END_OF_DATA), handoff);
        }
        if (r.code() >= 500 && r.code() < 600) {
            return DeliveryOutcome.failed(id, said(r, peer, DialogueStage.END_OF_DATA));
        }
        return DeliveryOutcome.deferred(id, tempSaid(r, peer, DialogueStage.END_OF_DATA));
    }

    /** "550 5.1.1 text (mx[192.0.2.1]:25, in reply to RCPT TO)". */
    private static DeliveryReply said(SmtpReply r, String peer, DialogueStage stage) {
        return DeliveryReply.peer(r.code(), r.text(), peer, stage);
    }

    /** As {@link #said}, but a reply that is neither 2xx nor 4xx/5xx is marked unexpected. */
    private static DeliveryReply tempSaid(SmtpReply r, String peer, DialogueStage stage) {
        DeliveryReply said = said(r, peer, stage);
        if (r.code() >= 400 && r.code() < 500) {
            return said;
        }
        return DeliveryText.UNEXPECTED_REPLY.reply(said.text()).causedBy(said).about(peer, stage);
    }

    /** What went wrong with a hop, as the reply that defers its recipients: "where: what (stage)". */
    private static DeliveryReply describe(Exception e, String where, DialogueStage stage) {
        if (e instanceof ConnectException) {
            String msg = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            return msg.contains("refused") ? DeliveryText.HOP_CONNECTION_REFUSED.hopBroke(where, stage)
                    : DeliveryText.HOP_CONNECT_FAILED.hopBroke(where, stage, msg);
        }
        if (e instanceof SocketTimeoutException) {
            return stage == null || stage == DialogueStage.CONNECT ? DeliveryText.HOP_CONNECT_TIMED_OUT.hopBroke(where, stage)
                    : DeliveryText.HOP_REPLY_TIMED_OUT.hopBroke(where, stage);
        }
        if (e instanceof EOFException) {
            return DeliveryText.HOP_CONNECTION_CLOSED.hopBroke(where, stage);
        }
        if (e instanceof SmtpChannel.LineTooLongException t) {
            return DeliveryText.HOP_REPLY_TOO_LONG.hopBroke(where, stage, t.limit());
        }
        if (e instanceof SmtpClientException s) {
            DeliveryReply said = DeliveryReply.peer(s.reply().code(), s.reply().text(), where, stage);
            String raw = s.reply().code() + (s.reply().text().isEmpty() ? "" : " " + s.reply().text());
            String text = PeerText.quote(raw) + " (peer, in reply to " + s.command() + ")";
            return DeliveryText.HOP_REFUSED.hopBroke(where, stage, text).causedBy(said);
        }
        if (e instanceof SSLException) {
            return hasCause(e, CertificateException.class)
                    ? DeliveryText.HOP_TLS_CERTIFICATE_REFUSED.hopBroke(where, stage, PeerText.quote(String.valueOf(e.getMessage())))
                    : DeliveryText.HOP_TLS_FAILED.hopBroke(where, stage, PeerText.quote(String.valueOf(e.getMessage())));
        }
        if (e instanceof UnknownHostException) {
            return DeliveryText.HOP_HOST_UNKNOWN.hopBroke(where, stage);
        }
        if (e instanceof MalformedReplyException) {
            return DeliveryText.HOP_MALFORMED_REPLY.hopBroke(where, stage, PeerText.quote(String.valueOf(e.getMessage())));
        }
        if (e instanceof IOException) {
            return DeliveryText.HOP_IO_ERROR.hopBroke(where, stage, PeerText.quote(String.valueOf(e.getMessage())));
        }
        return DeliveryText.HOP_INTERNAL_ERROR.hopBroke(where, stage, PeerText.quote(e.toString()));
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

    private SessionPool.Session connect(NextHop hop, TlsPolicy tls, boolean lmtp, String queueId, String organizationServer)
            throws HopFailure {
        String host = bare(hop.host());
        List<InetAddress> addresses;
        try {
            // an MX lookup has resolved the host already; a configured host is resolved here
            addresses = hop.addresses().isEmpty() ? resolver.resolve(hop.host()) : hop.addresses();
        } catch (IOException e) {
            throw new HopFailure(DeliveryText.HOP_UNRESOLVABLE.hop(hop.toString(), DialogueStage.CONNECT, hop.host(),
                    PeerText.quote(String.valueOf(e.getMessage()))));
        }
        if (addresses.isEmpty()) {
            throw new HopFailure(DeliveryText.HOP_NO_ADDRESS.hop(hop.toString(), DialogueStage.CONNECT, hop.host()));
        }
        DeliveryReply failure = null;
        for (InetAddress a : addresses) {
            // Postfix's form: host[addr]:port, and for an address literal just [addr]:port
            String peer = (hop.host().startsWith("[") ? "" : hop.host()) + "[" + a.getHostAddress() + "]:" + hop.port();
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(a, hop.port()), millis(timeouts.connect()));
                s.setTcpNoDelay(true);
            } catch (IOException e) {
                closeQuietly(s);
                failure = describe(e, peer, DialogueStage.CONNECT);
                continue;
            }
            return session(s, host, hop.port(), peer, tls, lmtp, queueId, organizationServer);
        }
        throw new HopFailure(failure);
    }

    /** Greeting, EHLO/LHLO, STARTTLS per policy; a failure closes the socket. */
    private SessionPool.Session session(Socket s, String host, int port, String peer, TlsPolicy tls, boolean lmtp, String queueId,
            String organizationServer) throws HopFailure {
        DialogueStage stage = DialogueStage.GREETING;
        DialogueStage hello = lmtp ? DialogueStage.LHLO : DialogueStage.EHLO;
        SmtpClient c = null;
        long number = connections.incrementAndGet();
        try {
            c = SmtpClient.open(s, host, port, timeouts, line -> log.debug("{} {}", peer, line));
            watch(c, queueId, peer, number);
            SmtpReply greeting = c.greeting();
            if (greeting.code() != 220) {
                // RFC 5321 3.1: 554 means no service here; another MX may still take it, so it defers
                c.quitQuietly();
                DeliveryReply said = said(greeting, peer, DialogueStage.GREETING);
                throw new HopFailure(DeliveryText.HOP_REFUSED.hop(peer, DialogueStage.GREETING, said.text()).causedBy(said));
            }
            stage = hello;
            hello(c, peer, lmtp);
            boolean offered = c.offers(Extension.STARTTLS);
            if (tls == TlsPolicy.REQUIRED || tls == TlsPolicy.VERIFY) {
                if (!offered) {
                    c.quitQuietly();
                    throw new HopFailure(DeliveryText.HOP_TLS_NOT_OFFERED.hop(peer, DialogueStage.STARTTLS, peer));
                }
                stage = DialogueStage.STARTTLS;
                c.startTls(tls == TlsPolicy.VERIFY ? verifying : anyCertificate);
                stage = hello;
                hello(c, peer, lmtp);
            } else if (tls == TlsPolicy.OPPORTUNISTIC && offered) {
                stage = DialogueStage.STARTTLS;
                try {
                    c.startTls(anyCertificate);
                    stage = hello;
                    hello(c, peer, lmtp);
                } catch (SmtpClientException refused) {
                    // STARTTLS refused before any handshake: RFC 7435 opportunistic, carry on in plaintext
                    log.info("{}: STARTTLS refused ({}), continuing without TLS", peer, refused.reply());
                }
            }
            organizationHandshake(c, peer, number, queueId, lmtp, organizationServer);
            return new SessionPool.Session(c, peer, number);
        } catch (HopFailure f) {
            closeQuietly(s);
            throw f;
        } catch (IOException | RuntimeException e) {
            closeQuietly(s);
            if (c != null) {
                c.close();
            }
            throw new HopFailure(describe(e, peer, stage));
        }
    }

    /**
     * When the peer names itself a server of the organization: STARTTLS unless TLS is up
     * already (required for an organization hop whatever the route's policy), EHLO again, then
     * X-EXPS GSSAPI to {@code smtp/<fqdn>} (AUTH GSSAPI when the peer offers only that). Done once
     * per connection: a pooled session stays authenticated. A failure is the hop's failure (the
     * recipients defer with the reason) and is reported as 7006, with 1706 when this side failed.
     */
    private void organizationHandshake(SmtpClient c, String peer, long number, String queueId, boolean lmtp,
            String expected) throws IOException, HopFailure {
        Organization org = organization;
        String fqdn = c.announcedFqdn();
        if (expected != null && org.mechanism() == null) {
            c.quitQuietly();
            throw new HopFailure(DeliveryText.HOP_ORGANIZATION_NO_KERBEROS.hop(peer, null, expected));
        }
        if (expected != null && !expected.equalsIgnoreCase(fqdn)) {
            c.quitQuietly();
            throw new HopFailure(DeliveryText.HOP_ORGANIZATION_WRONG_SERVER.hop(peer, null, fqdn == null ? "no name" : fqdn, expected));
        }
        if (org.mechanism() == null || fqdn == null || !org.isServer().test(fqdn)) {
            return; // an external next hop: no X-EXPS
        }
        if (!c.isTls()) {
            if (!c.offers(Extension.STARTTLS)) {
                c.quitQuietly();
                throw new HopFailure(DeliveryText.HOP_ORGANIZATION_TLS_NOT_OFFERED.hop(peer, DialogueStage.STARTTLS, fqdn));
            }
            c.startTls(anyCertificate); // Kerberos proves the peer (mutual authentication), not its certificate
            hello(c, peer, lmtp);
        }
        String mech = org.mechanism().name();
        String verb = c.mechanismsOffered(X_EXPS).contains(mech) ? X_EXPS
                : c.mechanismsOffered("AUTH").contains(mech) ? "AUTH" : null;
        if (verb == null) {
            c.quitQuietly();
            throw new HopFailure(DeliveryText.HOP_ORGANIZATION_NO_MECHANISM.hop(peer, null, fqdn));
        }
        String command = verb + " " + mech;
        String host = peer.startsWith("[") ? fqdn + peer : peer; // mx2.example.test[192.0.2.2]:25, as the event names it
        HopEvents to = events;
        try {
            String proved = c.authenticate(verb, org.mechanism(), fqdn);
            log.debug("{}: {} as {} ({})", peer, command, proved, queueId);
        } catch (SmtpClientException refused) {
            String reply = PeerText.quote(refused.reply().toString());
            to.authenticationFailed(queueId, number, host, command, reply, null);
            c.quitQuietly();
            throw new HopFailure(DeliveryText.HOP_AUTHENTICATION_REFUSED.hop(peer, null, "smtp/" + fqdn,
                    reply + " (peer, in reply to " + command + ")"));
        } catch (AuthenticationException here) {
            String what = PeerText.quote(String.valueOf(here.getMessage()));
            to.authenticationFailed(queueId, number, host, command, what, here.failure().security());
            c.quitQuietly();
            throw new HopFailure(DeliveryText.HOP_AUTHENTICATION_FAILED_HERE.hop(peer, null, "smtp/" + fqdn, what
                    + (here.failure().security() == null ? "" : " (" + here.failure().security().name() + ")")));
        }
    }

    /** The verb of SYSTEM.md 2 that authenticates one server of the organization to another. */
    static final String X_EXPS = "X-EXPS";

    private void hello(SmtpClient c, String peer, boolean lmtp) throws IOException, HopFailure {
        SmtpClient.Hello h = c.hello(settings.heloName(), lmtp);
        if (!h.accepted()) {
            c.quitQuietly();
            DeliveryReply said = said(h.reply(), peer, h.verb());
            throw new HopFailure(DeliveryText.HOP_REFUSED.hop(peer, h.verb(), said.text()).causedBy(said));
        }
    }

    // ---------------------------------------------------------------- sessions

    private void resetAndRelease(SessionPool.Key key, SessionPool.Session conn) {
        try {
            if (conn.client.command("RSET").code() == 250) {
                pool.put(key, conn);
                return;
            }
        } catch (IOException e) {
            log.debug("{}: RSET failed: {}", conn.peer, e.toString());
        }
        discard(conn);
    }

    /** The number of idle sessions kept now. */
    public int idleSessions() {
        return pool.size();
    }

    /** Says goodbye to every idle session; sessions in use are closed when their delivery ends. */
    @Override
    public void close() {
        pool.close();
    }

    private static void discard(SessionPool.Session conn) {
        if (conn != null) {
            conn.client.close();
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
