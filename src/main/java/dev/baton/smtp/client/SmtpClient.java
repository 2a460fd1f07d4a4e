package dev.baton.smtp.client;

import dev.baton.smtp.SmtpChannel;
import dev.baton.tls.TlsContexts;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * A client SMTP session: greeting, EHLO (HELO when refused), STARTTLS, MAIL, RCPT, DATA with
 * dot-stuffing, pipelined when the server offers PIPELINING. Every line sent and received can
 * be watched through a transcript consumer.
 */
public final class SmtpClient implements AutoCloseable {

    private static final int MAX_REPLY_LINE = 4096;
    private static final int MAX_REPLY_LINES = 100;

    private final SmtpChannel ch;
    private final String host;
    private final int port;
    private final Consumer<String> transcript;
    private final Map<String, String> extensions = new HashMap<>();
    private boolean tls;
    private String tlsDescription;

    private SmtpClient(SmtpChannel ch, String host, int port, Consumer<String> transcript) {
        this.ch = ch;
        this.host = host;
        this.port = port;
        this.transcript = transcript;
    }

    public static SmtpClient connect(String host, int port, Duration timeout, Consumer<String> transcript) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            s.setTcpNoDelay(true);
            SmtpChannel ch = new SmtpChannel(s);
            ch.readTimeout(timeout);
            ch.writeTimeout(timeout);
            SmtpClient c = new SmtpClient(ch, host, port, transcript);
            SmtpReply greeting = c.readReply();
            if (greeting.code() != 220) {
                throw new SmtpClientException("(connect)", greeting);
            }
            return c;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Wraps a socket that is already connected; the greeting is not read yet (see
     * {@link #readReply()}). Timeouts are the caller's to set.
     */
    public static SmtpClient open(Socket connected, String host, int port, Consumer<String> transcript) throws IOException {
        return new SmtpClient(new SmtpChannel(connected), host, port, transcript);
    }

    public boolean offers(String extension) {
        return extensions.containsKey(extension.toUpperCase(Locale.ROOT));
    }

    /** The parameters the server gave with an extension in its EHLO reply ("" for none), or null when not offered. */
    public String extensionParameters(String extension) {
        return extensions.get(extension.toUpperCase(Locale.ROOT));
    }

    /** Sets the deadline of each following read. */
    public void readTimeout(Duration d) throws IOException {
        ch.readTimeout(d);
    }

    /** Sets the deadline of each following flush. */
    public void writeTimeout(Duration d) {
        ch.writeTimeout(d);
    }

    public boolean isTls() {
        return tls;
    }

    public String tlsDescription() {
        return tlsDescription;
    }

    /** EHLO, falling back to HELO when the server does not know EHLO. */
    public SmtpReply hello(String name) throws IOException {
        SmtpReply r = extendedHello("EHLO", name);
        if (r.code() == 250) {
            return r;
        }
        r = command("HELO " + name);
        expect("HELO", r, 250);
        return r;
    }

    /**
     * EHLO or LHLO (RFC 2033) with the given name; on 250 the extensions offered are taken
     * from the reply, otherwise none are known. Returns the reply whatever it is.
     */
    public SmtpReply extendedHello(String verb, String name) throws IOException {
        SmtpReply r = command(verb + " " + name);
        extensions.clear();
        if (r.code() == 250) {
            for (int i = 1; i < r.lines().size(); i++) {
                String l = r.lines().get(i).strip();
                int sp = l.indexOf(' ');
                String keyword = (sp < 0 ? l : l.substring(0, sp)).toUpperCase(Locale.ROOT);
                extensions.put(keyword, sp < 0 ? "" : l.substring(sp + 1).strip());
            }
        }
        return r;
    }

    /** STARTTLS; the caller must say hello again afterwards (RFC 3207). */
    public void startTls(boolean verify) throws IOException {
        startTls(TlsContexts.clientFactory(verify));
    }

    /**
     * STARTTLS with the given factory (its sockets are made for this client's host, which a
     * verifying factory checks the certificate against); the caller must say hello again.
     */
    public void startTls(javax.net.ssl.SSLSocketFactory factory) throws IOException {
        SmtpReply r = command("STARTTLS");
        expect("STARTTLS", r, 220);
        if (ch.buffered() > 0) {
            // bytes the server sent behind its 220 were not protected: never read them as if they were
            throw new IOException("server sent " + ch.discardBuffered() + " octets behind its 220 to STARTTLS");
        }
        SSLSocket s = ch.startTls(factory, true, host, port);
        SSLSession session = s.getSession();
        tls = true;
        tlsDescription = session.getProtocol() + " " + session.getCipherSuite();
        transcript.accept("*  TLS established: " + tlsDescription);
        extensions.clear();
    }

    /**
     * Sends one message. Returns the final reply (250 with the queue id) or throws with the
     * refused command. Recipients refused one by one are reported but do not stop the others;
     * when all are refused, DATA is not sent.
     */
    public SmtpReply send(String from, List<String> recipients, InputStream content, List<String> refused) throws IOException {
        boolean pipelining = offers("PIPELINING");
        String mailCmd = "MAIL FROM:<" + from + ">" + (offers("8BITMIME") ? " BODY=8BITMIME" : "");
        List<String> cmds = new ArrayList<>();
        cmds.add(mailCmd);
        for (String r : recipients) {
            cmds.add("RCPT TO:<" + r + ">");
        }
        if (pipelining) {
            for (String c : cmds) {
                write(c);
            }
            ch.flush();
        }
        int accepted = 0;
        for (int i = 0; i < cmds.size(); i++) {
            if (!pipelining) {
                write(cmds.get(i));
                ch.flush();
            }
            SmtpReply r = readReply();
            if (i == 0) {
                if (!r.positive()) {
                    if (pipelining) {
                        drainReplies(cmds.size() - 1);
                    }
                    throw new SmtpClientException(cmds.get(0), r);
                }
            } else if (r.positive()) {
                accepted++;
            } else {
                refused.add(recipients.get(i - 1) + ": " + r);
            }
        }
        if (accepted == 0) {
            command("RSET");
            throw new SmtpClientException("RCPT TO", new SmtpReply(554, List.of("no recipient was accepted: " + String.join("; ", refused))));
        }
        SmtpReply r = command("DATA");
        expect("DATA", r, 354);
        writeDotStuffed(content);
        SmtpReply fin = readReply();
        if (!fin.positive()) {
            throw new SmtpClientException("DATA (end of data)", fin);
        }
        return fin;
    }

    private void drainReplies(int n) throws IOException {
        for (int i = 0; i < n; i++) {
            readReply();
        }
    }

    public void quit() throws IOException {
        try {
            command("QUIT");
        } finally {
            close();
        }
    }

    public SmtpReply command(String line) throws IOException {
        write(line);
        ch.flush();
        return readReply();
    }

    /** Buffers one command line (CRLF added); {@link #flush()} sends what is buffered. */
    public void write(String line) throws IOException {
        transcript.accept("> " + line);
        ch.write(line + "\r\n");
    }

    public void flush() throws IOException {
        ch.flush();
    }

    /** Buffers raw octets (a BDAT chunk). */
    public void writeRaw(byte[] b, int off, int len) throws IOException {
        ch.write(b, off, len);
    }

    /** Buffers a command line already encoded at the start of b, with raw octets behind it (BDAT and its chunk). */
    public void writeRaw(String command, byte[] b, int off, int len) throws IOException {
        transcript.accept("> " + command);
        ch.write(b, off, len);
    }

    /** Sends content after a 354: dot-stuffed, CRLF-terminated, then the lone dot; flushed. */
    public void writeDotStuffed(InputStream content) throws IOException {
        writeDotStuffed(content, -1);
    }

    /** As {@link #writeDotStuffed(InputStream)}, with buffers sized for content of about sizeHint octets (-1: unknown). */
    public void writeDotStuffed(InputStream content, long sizeHint) throws IOException {
        DotStuffer.copy(content, ch, sizeHint);
        transcript.accept("> (message content) .");
        ch.flush();
    }

    private static void expect(String cmd, SmtpReply r, int code) throws SmtpClientException {
        if (r.code() != code) {
            throw new SmtpClientException(cmd, r);
        }
    }

    /** Reads a possibly multi-line reply; a malformed one is an error with the raw text. */
    public SmtpReply readReply() throws IOException {
        List<String> lines = new ArrayList<>();
        int code = -1;
        while (true) {
            String line = ch.readLine(MAX_REPLY_LINE);
            transcript.accept("< " + line);
            if (line.length() < 3 || !line.substring(0, 3).chars().allMatch(Character::isDigit)
                    || line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-') {
                throw new IOException("malformed reply from " + host + ": \"" + quote(line) + "\"");
            }
            int c = Integer.parseInt(line.substring(0, 3));
            if (code >= 0 && c != code) {
                throw new IOException("malformed multi-line reply from " + host + " (codes " + code + " and " + c + ")");
            }
            code = c;
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return new SmtpReply(code, lines);
            }
            if (lines.size() > MAX_REPLY_LINES) {
                throw new IOException("reply from " + host + " has more than " + MAX_REPLY_LINES + " lines");
            }
        }
    }

    /** At most 200 characters of text from a peer, control characters shown as '?'. */
    public static String quote(String raw) {
        String s = raw.length() > 200 ? raw.substring(0, 200) + "..." : raw;
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return b.toString();
    }

    @Override
    public void close() {
        ch.close();
    }
}
