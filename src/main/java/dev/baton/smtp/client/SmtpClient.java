package dev.baton.smtp.client;

import dev.baton.auth.AuthFailure;
import dev.baton.auth.AuthenticationException;
import dev.baton.auth.ClientExchange;
import dev.baton.auth.ClientMechanism;
import dev.baton.mail.DialogueStage;
import dev.baton.mail.PeerText;
import dev.baton.smtp.Command;
import dev.baton.smtp.Extension;
import dev.baton.smtp.SmtpChannel;
import dev.baton.tls.TlsContexts;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A client SMTP or LMTP session: greeting, EHLO (HELO when EHLO is refused) or LHLO, STARTTLS,
 * and mail transactions ({@link #send(Transaction)}: MAIL, RCPT, DATA with dot-stuffing or BDAT,
 * pipelined when the server offers PIPELINING). Each step waits for its reply with its own
 * deadline from {@link ClientTimeouts}; callers never set socket timeouts. Every line sent and
 * received can be watched through a transcript consumer. Used by delivery and by
 * {@code baton send} alike.
 */
public final class SmtpClient implements AutoCloseable {

    private static final int MAX_REPLY_LINE = 4096;
    private static final int MAX_REPLY_LINES = 100;
    private static final int CHUNK = 256 * 1024;
    /** Room before a chunk for its "BDAT <size> LAST" line and its CRLF. */
    private static final int BDAT_ROOM = 32;

    private final SmtpChannel ch;
    private final String host;
    private final int port;
    private final ClientTimeouts timeouts;
    private final Consumer<String> transcript;
    private final Map<Extension, String> offered = new EnumMap<>(Extension.class);
    private final Map<String, String> otherExtensions = new HashMap<>();
    private boolean tls;
    private String tlsDescription;
    private Refusals refusals = Refusals.NONE;
    private String greetingDomain;
    private String helloDomain;
    private String authenticatedTo;
    private String authenticatedWith;
    private int authentications;

    /**
     * Told of every reply of 400 or more to a command this client sent (the event log's 7004).
     * The greeting answers no command and is not reported.
     */
    @FunctionalInterface
    public interface Refusals {
        Refusals NONE = (verb, command, reply) -> { };

        /**
         * @param verb    the command's verb in upper case ("RCPT"); DATA or BDAT for the end of data
         * @param command the line as sent (AUTH and X-EXPS without their secrets), or "&lt;end of data&gt;"
         */
        void refused(String verb, String command, SmtpReply reply);
    }

    private SmtpClient(SmtpChannel ch, String host, int port, ClientTimeouts timeouts, Consumer<String> transcript) {
        this.ch = ch;
        this.host = host;
        this.port = port;
        this.timeouts = timeouts;
        this.transcript = transcript;
        ch.writeTimeout(timeouts.command());
    }

    /** Connects, reads the greeting and expects 220; every step waits at most {@code timeout}. */
    public static SmtpClient connect(String host, int port, Duration timeout, Consumer<String> transcript) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            s.setTcpNoDelay(true);
            SmtpClient c = new SmtpClient(new SmtpChannel(s), host, port, ClientTimeouts.all(timeout), transcript);
            SmtpReply greeting = c.greeting();
            if (greeting.code() != 220) {
                throw new SmtpClientException("(connect)", greeting);
            }
            return c;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Wraps a socket that is already connected; the greeting is not read yet (see {@link #greeting()}). */
    public static SmtpClient open(Socket connected, String host, int port, ClientTimeouts timeouts, Consumer<String> transcript)
            throws IOException {
        return new SmtpClient(new SmtpChannel(connected), host, port, timeouts, transcript);
    }

    /** Who is told of error replies from now on (replaces the one before); null for nobody. */
    public void onRefusal(Refusals r) {
        refusals = r == null ? Refusals.NONE : r;
    }

    private SmtpReply checked(String line, SmtpReply r) {
        if (r.code() >= 400) {
            Command c = Command.parse(line);
            refusals.refused(c.verb(), c.loggable(), r);
        }
        return r;
    }

    private SmtpReply checkedEndOfData(String verb, SmtpReply r) {
        if (r.code() >= 400) {
            refusals.refused(verb, END_OF_DATA, r);
        }
        return r;
    }

    /** What the refusals report as the command for the end of a message's data. */
    public static final String END_OF_DATA = "<end of data>";

    public boolean offers(Extension extension) {
        return offered.containsKey(extension);
    }

    /** Whether the server offered an extension, by keyword (any case), known to Baton or not. */
    public boolean offers(String keyword) {
        Extension e = Extension.of(keyword);
        return e != null ? offered.containsKey(e) : otherExtensions.containsKey(keyword.toUpperCase(Locale.ROOT));
    }

    /** The parameters the server gave with an extension in its EHLO reply ("" for none), or null when not offered. */
    public String extensionParameters(Extension extension) {
        return offered.get(extension);
    }

    public boolean isTls() {
        return tls;
    }

    /** "TLSv1.3 with cipher ..." (as the receiving side writes it), or null without TLS. */
    public String tlsDescription() {
        return tlsDescription;
    }

    /** Reads the greeting (wait: {@link ClientTimeouts#greeting()}). */
    public SmtpReply greeting() throws IOException {
        SmtpReply r = readReply(timeouts.greeting());
        greetingDomain = r.code() == 220 ? firstWord(r) : null;
        return r;
    }

    /** The name the server gave first in its 220 greeting, or null before it or when there was none. */
    public String greetingDomain() {
        return greetingDomain;
    }

    /** The name the server gave first in its last 250 reply to EHLO or LHLO, or null. */
    public String helloDomain() {
        return helloDomain;
    }

    /**
     * The FQDN the server announced: the name in its EHLO reply, else the one in its greeting
     * (RFC 5321 4.1.1.1 and 4.3.1 make both the server's domain); null when it gave none.
     */
    public String announcedFqdn() {
        return helloDomain != null ? helloDomain : greetingDomain;
    }

    private static String firstWord(SmtpReply r) {
        String t = r.lines().isEmpty() ? "" : r.lines().get(0).strip();
        int sp = t.indexOf(' ');
        String w = sp < 0 ? t : t.substring(0, sp);
        return w.isEmpty() ? null : w.toLowerCase(Locale.ROOT);
    }

    /** The reply to a hello and the verb it answers. */
    public record Hello(DialogueStage verb, SmtpReply reply) {
        public boolean accepted() {
            return reply.code() == 250;
        }
    }

    /**
     * Says hello: LHLO for LMTP (RFC 2033), else EHLO, and HELO when EHLO is refused with a
     * permanent error (RFC 5321 3.2: a server that does not know EHLO). On 250 the extensions
     * offered are taken from the EHLO/LHLO reply (none after HELO). The reply is returned
     * whatever it is; {@link Hello#verb()} says which command it answers.
     */
    public Hello hello(String name, boolean lmtp) throws IOException {
        SmtpReply r = extendedHello(lmtp ? "LHLO" : "EHLO", name);
        if (lmtp || r.code() == 250 || r.code() < 500) {
            return new Hello(lmtp ? DialogueStage.LHLO : DialogueStage.EHLO, r);
        }
        return new Hello(DialogueStage.HELO, command("HELO " + name));
    }

    private SmtpReply extendedHello(String verb, String name) throws IOException {
        SmtpReply r = command(verb + " " + name);
        offered.clear();
        otherExtensions.clear();
        if (r.code() == 250) {
            helloDomain = firstWord(r);
            for (int i = 1; i < r.lines().size(); i++) {
                String l = r.lines().get(i).strip();
                int sp = l.indexOf(' ');
                String keyword = sp < 0 ? l : l.substring(0, sp);
                String params = sp < 0 ? "" : l.substring(sp + 1).strip();
                Extension e = Extension.of(keyword);
                if (e != null) {
                    offered.put(e, params);
                } else {
                    otherExtensions.put(keyword.toUpperCase(Locale.ROOT), params);
                }
            }
        }
        return r;
    }

    /**
     * The SASL mechanisms the server offered with an EHLO keyword that takes them as its
     * parameters ("AUTH" or "X-EXPS"), upper case in the server's order; empty when not offered.
     */
    public List<String> mechanismsOffered(String keyword) {
        Extension e = Extension.of(keyword);
        String params = e != null ? offered.get(e) : otherExtensions.get(keyword.toUpperCase(Locale.ROOT));
        if (params == null || params.isBlank()) {
            return List.of();
        }
        return Arrays.stream(params.strip().split("\\s+")).map(m -> m.toUpperCase(Locale.ROOT)).toList();
    }

    /** The identity the server proved in the last successful {@link #authenticate}, or null when none. */
    public String authenticatedTo() {
        return authenticatedTo;
    }

    /** The verb and mechanism of the last successful {@link #authenticate} ("X-EXPS GSSAPI"), or null when none. */
    public String authenticatedWith() {
        return authenticatedWith;
    }

    /** How many times this session authenticated successfully (one handshake per connection). */
    public int authentications() {
        return authentications;
    }

    /** At most this many 334 challenges in one exchange: a server that goes on is not running a mechanism. */
    private static final int MAX_CHALLENGES = 16;
    /** RFC 5321 4.5.3.1.4: a command line is at most 512 octets with its CRLF. */
    private static final int MAX_COMMAND_LINE = 512;

    /**
     * Runs the SASL dialogue of RFC 4954 4 with the verb "AUTH" or "X-EXPS" (SYSTEM.md 2: the
     * same exchange): the verb and mechanism with the initial response (base64, "=" when empty),
     * each 334 challenge answered with the mechanism's response, until the server's 235. The
     * ticket is asked for {@code smtp/<peerFqdn>}.
     *
     * @return the identity the server proved (for GSSAPI {@code smtp/<peerFqdn>}), or null when the
     *         mechanism does not authenticate the server
     * @throws SmtpClientException     the server refused (any reply but 235 or 334): carries the reply
     * @throws AuthenticationException this side failed (no credentials, the KDC refused a ticket,
     *                                 the server's proof did not verify); its failure carries the
     *                                 security error for event 1706. An exchange under way is
     *                                 cancelled with "*" first, so the session stays usable
     */
    public String authenticate(String verb, ClientMechanism mechanism, String peerFqdn)
            throws IOException, AuthenticationException {
        String head = verb.toUpperCase(Locale.ROOT) + " " + mechanism.name();
        try (ClientExchange x = mechanism.start(peerFqdn)) {
            byte[] initial = x.initialResponse();
            String first = initial == null ? head : head + " " + encode(initial);
            // RFC 4954 4: an initial response that would make the line longer than 512 octets waits for an empty 334
            byte[] pending = null;
            if (first.length() + 2 > MAX_COMMAND_LINE) {
                first = head;
                pending = initial;
            }
            transcript.accept("> " + head + (initial == null || pending != null ? "" : " <initial response, " + initial.length + " octets>"));
            ch.write(first + "\r\n");
            ch.flush();
            for (int round = 0; ; round++) {
                SmtpReply r = readReply(timeouts.command());
                if (pending != null && r.code() == 334) {
                    transcript.accept("> <initial response, " + pending.length + " octets>");
                    ch.write(Base64.getEncoder().encodeToString(pending) + "\r\n");
                    ch.flush();
                    pending = null;
                    continue;
                }
                if (r.code() == 235) {
                    if (!x.isComplete()) {
                        throw new AuthenticationException(AuthFailure.of(AuthFailure.Kind.MALFORMED, "the server accepted "
                                + head + " before the " + mechanism.name() + " exchange was complete: it did not prove it is "
                                + peerFqdn), null);
                    }
                    authenticatedTo = x.serverIdentity();
                    authenticatedWith = head;
                    authentications++;
                    return authenticatedTo;
                }
                if (r.code() != 334) {
                    throw new SmtpClientException(head, checked(head + " ***", r));
                }
                if (round >= MAX_CHALLENGES) {
                    cancel();
                    throw new MalformedReplyException("server sent more than " + MAX_CHALLENGES + " challenges to " + head);
                }
                byte[] challenge;
                try {
                    String text = r.lines().isEmpty() ? "" : r.lines().get(0).strip();
                    challenge = Base64.getDecoder().decode(text);
                } catch (IllegalArgumentException e) {
                    cancel();
                    throw new MalformedReplyException("challenge to " + head + " from " + host + " is not base64: \""
                            + PeerText.quote(r.text()) + "\"");
                }
                byte[] response;
                try {
                    response = x.evaluate(challenge);
                } catch (AuthenticationException e) {
                    cancel();
                    throw e;
                }
                transcript.accept("> <response, " + response.length + " octets>");
                ch.write(Base64.getEncoder().encodeToString(response) + "\r\n");
                ch.flush();
            }
        }
    }

    /** {@link #authenticate(String, ClientMechanism, String)} to the FQDN the server announced. */
    public String authenticate(String verb, ClientMechanism mechanism) throws IOException, AuthenticationException {
        String fqdn = announcedFqdn();
        if (fqdn == null) {
            throw new IOException(host + " announced no name in its greeting or EHLO reply: no principal to authenticate to");
        }
        return authenticate(verb, mechanism, fqdn);
    }

    private static String encode(byte[] initial) {
        return initial.length == 0 ? "=" : Base64.getEncoder().encodeToString(initial);
    }

    /** Cancels an exchange under way (RFC 4954 4: "*", answered 501) and reads the answer. */
    private void cancel() throws IOException {
        write("*");
        ch.flush();
        readReply(timeouts.command());
    }

    /** STARTTLS without certificate checks; the caller must say hello again afterwards (RFC 3207). */
    public void startTls(boolean verify) throws IOException {
        startTls(TlsContexts.clientFactory(verify));
    }

    /**
     * STARTTLS with the given factory (its sockets are made for this client's host, which a
     * verifying factory checks the certificate against); the caller must say hello again.
     * A refusal is a {@link SmtpClientException} before any handshake.
     */
    public void startTls(SSLSocketFactory factory) throws IOException {
        SmtpReply r = command("STARTTLS");
        expect("STARTTLS", r, 220);
        if (ch.buffered() > 0) {
            // bytes the server sent behind its 220 were not protected: never read them as if they were
            throw new IOException("server sent " + ch.discardBuffered() + " octets behind its 220 to STARTTLS");
        }
        ch.readTimeout(timeouts.command());
        SSLSocket s = ch.startTls(factory, true, host, port);
        SSLSession session = s.getSession();
        tls = true;
        tlsDescription = session.getProtocol() + " with cipher " + session.getCipherSuite();
        transcript.accept("*  TLS established: " + tlsDescription);
        offered.clear();
        otherExtensions.clear();
    }

    /**
     * Runs one mail transaction and returns every reply it got. Refusals are in the result, not
     * thrown: a refused MAIL ends it (the pipelined RCPT replies are read and dropped), refused
     * recipients do not stop the others, no accepted recipient means no data, a refused DATA or
     * BDAT chunk ends it. Nothing is reset afterwards: that is the caller's choice.
     *
     * @throws TransactionException when the session broke, naming the step
     */
    public TransactionResult send(Transaction t) throws TransactionException {
        DialogueStage stage = t.resetFirst() ? DialogueStage.RSET : DialogueStage.MAIL;
        List<SmtpReply> rcpt = new ArrayList<>(t.recipients().size());
        boolean dataSent = false;
        try {
            boolean pipelining = offers(Extension.PIPELINING);
            List<String> cmds = new ArrayList<>(t.recipients().size() + 1);
            cmds.add(t.mailCommand());
            for (Transaction.Rcpt r : t.recipients()) {
                cmds.add(t.rcptCommand(r));
            }
            ch.writeTimeout(timeouts.command());
            if (t.resetFirst()) {
                // RFC 2920: with PIPELINING the RSET goes in one write with MAIL and RCPT, saving a round trip
                write("RSET");
                for (int k = 0; pipelining && k < cmds.size(); k++) {
                    write(cmds.get(k));
                }
                ch.flush();
                SmtpReply reset = checked("RSET", readReply(timeouts.command()));
                if (reset.code() != 250) {
                    throw new IOException("the session answered RSET with " + reset);
                }
            } else if (pipelining) {
                for (String c : cmds) {
                    write(c);
                }
                ch.flush();
            }
            stage = DialogueStage.MAIL;
            if (!pipelining) {
                write(cmds.get(0));
                ch.flush();
            }
            SmtpReply mail = checked(cmds.get(0), readReply(timeouts.command()));
            if (!mail.positive()) {
                if (pipelining) {
                    stage = DialogueStage.RCPT;
                    for (int k = 1; k < cmds.size(); k++) {
                        checked(cmds.get(k), readReply(timeouts.command()));
                    }
                }
                return new TransactionResult(mail, List.of(), null, null, List.of());
            }
            stage = DialogueStage.RCPT;
            int accepted = 0;
            for (int k = 1; k < cmds.size(); k++) {
                if (!pipelining) {
                    write(cmds.get(k));
                    ch.flush();
                }
                SmtpReply r = checked(cmds.get(k), readReply(timeouts.command()));
                rcpt.add(r);
                if (r.code() >= 200 && r.code() < 300) {
                    accepted++;
                }
            }
            if (accepted == 0) {
                return new TransactionResult(mail, rcpt, null, null, List.of());
            }
            SmtpReply refused;
            DialogueStage dataStage;
            try (InputStream in = t.content().open()) {
                if (t.chunking() && offers(Extension.CHUNKING)) {
                    stage = dataStage = DialogueStage.BDAT;
                    refused = sendChunks(in, t.size());
                } else {
                    stage = dataStage = DialogueStage.DATA;
                    write("DATA");
                    ch.flush();
                    SmtpReply go = checked("DATA", readReply(timeouts.dataInitiation()));
                    refused = go.code() == 354 ? null : go;
                    if (refused == null) {
                        stage = DialogueStage.CONTENT;
                        ch.writeTimeout(timeouts.dataBlock());
                        writeDotStuffed(in, t.size());
                    }
                }
            }
            if (refused != null) {
                ch.writeTimeout(timeouts.command());
                return new TransactionResult(mail, rcpt, refused, dataStage, List.of());
            }
            // from here the server may have the message
            dataSent = true;
            stage = DialogueStage.END_OF_DATA;
            int replies = t.lmtp() ? accepted : 1;
            List<SmtpReply> finals = new ArrayList<>(replies);
            for (int k = 0; k < replies; k++) {
                finals.add(checkedEndOfData(dataStage == DialogueStage.BDAT ? "BDAT" : "DATA", readReply(timeouts.dataTermination())));
            }
            ch.writeTimeout(timeouts.command());
            return new TransactionResult(mail, rcpt, null, dataStage, finals);
        } catch (IOException e) {
            throw new TransactionException(stage, dataSent, rcpt, e);
        }
    }

    /**
     * Sends the content as BDAT chunks, the last with LAST; returns a refusing reply, or null when
     * all went. Each chunk is read in behind room for its command line, so both go in one write.
     */
    private SmtpReply sendChunks(InputStream in, long sizeHint) throws IOException {
        int size = (int) Math.max(1, Math.min(CHUNK, sizeHint + 1));
        byte[] a = new byte[BDAT_ROOM + size];
        byte[] b = new byte[BDAT_ROOM + size];
        int n = in.readNBytes(a, BDAT_ROOM, size);
        ch.writeTimeout(timeouts.dataBlock());
        while (true) {
            int next = n == size ? in.readNBytes(b, BDAT_ROOM, size) : 0;
            boolean last = next == 0;
            String line = "BDAT " + n + (last ? " LAST" : "");
            byte[] cmd = (line + "\r\n").getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(cmd, 0, a, BDAT_ROOM - cmd.length, cmd.length);
            transcript.accept("> " + line);
            ch.write(a, BDAT_ROOM - cmd.length, cmd.length + n);
            ch.flush();
            if (last) {
                return null;
            }
            SmtpReply r = checked(line, readReply(timeouts.dataBlock()));
            if (!r.positive()) {
                return r;
            }
            byte[] t = a;
            a = b;
            b = t;
            n = next;
        }
    }

    public void quit() throws IOException {
        try {
            command("QUIT");
        } finally {
            close();
        }
    }

    /** Says goodbye within a short time, ignoring what goes wrong, and closes. */
    public void quitQuietly() {
        try {
            ch.writeTimeout(Duration.ofSeconds(2));
            write("QUIT");
            ch.flush();
            readReply(Duration.ofSeconds(2));
        } catch (IOException e) {
            // goodbye is a courtesy
        } finally {
            close();
        }
    }

    /** Sends one command and reads its reply (wait: {@link ClientTimeouts#command()}). */
    public SmtpReply command(String line) throws IOException {
        write(line);
        ch.flush();
        return checked(line, readReply(timeouts.command()));
    }

    private void write(String line) throws IOException {
        transcript.accept("> " + line);
        ch.write(line + "\r\n");
    }

    /** Sends content after a 354: dot-stuffed, CRLF-terminated, then the lone dot; flushed. */
    private void writeDotStuffed(InputStream content, long sizeHint) throws IOException {
        DotStuffer.copy(content, ch, sizeHint);
        transcript.accept("> (message content) .");
        ch.flush();
    }

    private static void expect(String cmd, SmtpReply r, int code) throws SmtpClientException {
        if (r.code() != code) {
            throw new SmtpClientException(cmd, r);
        }
    }

    /** Reads a possibly multi-line reply within {@code within}; a malformed one is an error with the raw text. */
    private SmtpReply readReply(Duration within) throws IOException {
        long deadline = System.nanoTime() + within.toNanos();
        List<String> lines = new ArrayList<>(1);
        int code = -1;
        while (true) {
            String line = ch.readLine(MAX_REPLY_LINE, deadline);
            transcript.accept("< " + line);
            if (line.length() < 3 || !isDigit(line.charAt(0)) || !isDigit(line.charAt(1)) || !isDigit(line.charAt(2))
                    || line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-') {
                throw new MalformedReplyException("malformed reply from " + host + ": \"" + PeerText.quote(line) + "\"");
            }
            int c = (line.charAt(0) - '0') * 100 + (line.charAt(1) - '0') * 10 + (line.charAt(2) - '0');
            if (code >= 0 && c != code) {
                throw new MalformedReplyException("malformed multi-line reply from " + host + " (codes " + code + " and " + c + ")");
            }
            code = c;
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return new SmtpReply(code, lines);
            }
            if (lines.size() > MAX_REPLY_LINES) {
                throw new MalformedReplyException("reply from " + host + " has more than " + MAX_REPLY_LINES + " lines");
            }
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** At most 200 characters of text from a peer, control characters shown as '?'. */
    public static String quote(String raw) {
        return PeerText.quote(raw);
    }

    @Override
    public void close() {
        ch.close();
    }
}
