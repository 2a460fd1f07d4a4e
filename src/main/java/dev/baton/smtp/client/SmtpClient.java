package dev.baton.smtp.client;

import dev.baton.smtp.SmtpChannel;
import dev.baton.tls.TlsContexts;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
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
    private final Set<String> extensions = new HashSet<>();
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

    public boolean offers(String extension) {
        return extensions.contains(extension.toUpperCase(Locale.ROOT));
    }

    public boolean isTls() {
        return tls;
    }

    public String tlsDescription() {
        return tlsDescription;
    }

    /** EHLO, falling back to HELO when the server does not know EHLO. */
    public SmtpReply hello(String name) throws IOException {
        SmtpReply r = command("EHLO " + name);
        extensions.clear();
        if (r.code() == 250) {
            for (int i = 1; i < r.lines().size(); i++) {
                extensions.add(r.lines().get(i).split(" ")[0].toUpperCase(Locale.ROOT));
            }
            return r;
        }
        r = command("HELO " + name);
        expect("HELO", r, 250);
        return r;
    }

    /** STARTTLS; the caller must say hello again afterwards (RFC 3207). */
    public void startTls(boolean verify) throws IOException {
        SmtpReply r = command("STARTTLS");
        expect("STARTTLS", r, 220);
        SSLSocket s = ch.startTls(TlsContexts.clientFactory(verify), true, host, port);
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
        DotStuffer.copy(content, ch);
        ch.write(".\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        transcript.accept("> (message content) .");
        ch.flush();
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

    private void write(String line) throws IOException {
        transcript.accept("> " + line);
        ch.write(line + "\r\n");
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
                throw new IOException("malformed reply from " + host + ": \"" + line + "\"");
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

    @Override
    public void close() {
        ch.close();
    }
}
