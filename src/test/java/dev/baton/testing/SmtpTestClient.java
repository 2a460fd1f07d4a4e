package dev.baton.testing;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A deliberately dumb SMTP client for conformance tests: raw bytes out, one (multi-line) reply
 * in, every read with a deadline so a server bug fails a test instead of hanging it. It never
 * fixes up what it sends, so tests can send exactly the bytes an attacker would; the one
 * exception is {@link #data(String)}, a convenience for tests that just need a message queued.
 */
public final class SmtpTestClient implements AutoCloseable {

    /** One reply: its code and its lines without the "250-" / "250 " prefix. */
    public record Reply(int code, List<String> lines) {

        private static final Pattern QUEUED = Pattern.compile("2\\.0\\.0 OK queued as (\\S+)");

        /** The enhanced status code of the first line ("2.0.0"), or null when there is none. */
        public String enhanced() {
            String first = lines.get(0);
            int sp = first.indexOf(' ');
            String word = sp < 0 ? first : first.substring(0, sp);
            return word.matches("[245]\\.\\d{1,3}\\.\\d{1,3}") ? word : null;
        }

        public String text() {
            return String.join("\n", lines);
        }

        /** "552 5.3.4" or "250" (without enhanced code): what most assertions compare. */
        public String status() {
            String e = enhanced();
            return e == null ? String.valueOf(code) : code + " " + e;
        }

        /** The queue id of a "250 2.0.0 OK queued as ID" reply, or null. */
        public String queuedId() {
            if (code != 250) {
                return null;
            }
            Matcher m = QUEUED.matcher(lines.get(lines.size() - 1));
            return m.lookingAt() ? m.group(1) : null;
        }

        /** This reply; an IOException (not an assertion) when its code is not the expected one. */
        public Reply expect(int expected) throws IOException {
            if (code != expected) {
                throw new IOException("expected " + expected + " but got: " + this);
            }
            return this;
        }

        @Override
        public String toString() {
            return code + " " + text();
        }
    }

    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private final byte[] buf = new byte[16 * 1024];
    private int pos;
    private int limit;

    private SmtpTestClient(Socket socket) throws IOException {
        attach(socket);
    }

    /** Connects to 127.0.0.1:port; reads nothing (not even the greeting). */
    public static SmtpTestClient connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setTcpNoDelay(true);
        s.setSoTimeout(5000);
        return new SmtpTestClient(s);
    }

    /** Connects to 127.0.0.1:port with TLS from the first octet (RFC 8314 implicit TLS), trusting any certificate; reads nothing. */
    public static SmtpTestClient connectTls(int port) throws IOException {
        SmtpTestClient c = connect(port);
        c.startTls();
        return c;
    }

    private void attach(Socket s) throws IOException {
        socket = s;
        in = s.getInputStream();
        out = s.getOutputStream();
        pos = 0;
        limit = 0;
    }

    public Socket socket() {
        return socket;
    }

    public void readTimeout(Duration d) throws IOException {
        socket.setSoTimeout((int) d.toMillis());
    }

    /** Sends the string (UTF-8) exactly as given, in one write: no CRLF is added. */
    public void sendRaw(String s) throws IOException {
        sendRaw(s.getBytes(StandardCharsets.UTF_8));
    }

    public void sendRaw(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    /** Sends one command line (CRLF appended) and reads its reply. */
    public Reply command(String line) throws IOException {
        sendRaw(line + "\r\n");
        return read();
    }

    /** Reads the greeting, then EHLO; returns the EHLO reply. */
    public Reply greetAndEhlo() throws IOException {
        return greetAndEhlo("client.example.test");
    }

    /** Reads the greeting, then EHLO with the given name; returns the EHLO reply. */
    public Reply greetAndEhlo(String name) throws IOException {
        Reply greeting = read();
        if (greeting.code() != 220) {
            throw new IOException("unexpected greeting: " + greeting);
        }
        return command("EHLO " + name);
    }

    /** MAIL FROM, then RCPT TO for each recipient; an IOException unless every reply is 250. */
    public void transaction(String from, String... to) throws IOException {
        command("MAIL FROM:<" + from + ">").expect(250);
        for (String t : to) {
            command("RCPT TO:<" + t + ">").expect(250);
        }
    }

    /**
     * DATA, then the content (CRLF lines ending in CRLF; dot-stuffed here) and the terminating
     * dot in one write; returns the final reply, or the reply to DATA when that was not 354.
     */
    public Reply data(String content) throws IOException {
        Reply r = command("DATA");
        if (r.code() != 354) {
            return r;
        }
        StringBuilder b = new StringBuilder(content.length() + 16);
        for (String line : content.split("\r\n", -1)) {
            if (line.startsWith(".")) {
                b.append('.');
            }
            b.append(line).append("\r\n");
        }
        b.setLength(b.length() - 2); // content ends with CRLF: the split left an empty last line
        b.append(".\r\n");
        sendRaw(b.toString());
        return read();
    }

    /** Reads one complete reply (all its lines). Throws EOFException when the server closed. */
    public Reply read() throws IOException {
        List<String> lines = new ArrayList<>();
        int code = -1;
        while (true) {
            String line = readLine();
            if (line.length() < 3 || !line.substring(0, 3).matches("[1-5]\\d\\d")
                    || line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-') {
                throw new IOException("malformed reply line: \"" + line + "\"");
            }
            int c = Integer.parseInt(line.substring(0, 3));
            if (code >= 0 && c != code) {
                throw new IOException("reply code changed inside a multi-line reply: \"" + line + "\"");
            }
            code = c;
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (line.length() == 3 || line.charAt(3) == ' ') {
                return new Reply(code, lines);
            }
        }
    }

    /** True when the server closes the connection (EOF or reset) before the read deadline. */
    public boolean isClosedByServer() throws IOException {
        try {
            while (true) {
                if (pos < limit) {
                    return false;
                }
                int n = in.read(buf, 0, buf.length);
                if (n < 0) {
                    return true;
                }
                pos = 0;
                limit = n;
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset
        }
    }

    /** Bytes received but not yet consumed by {@link #read()}. */
    public int buffered() {
        return limit - pos;
    }

    private String readLine() throws IOException {
        byte[] line = new byte[256];
        int len = 0;
        while (true) {
            if (pos == limit) {
                int n = in.read(buf, 0, buf.length);
                if (n < 0) {
                    throw new EOFException("server closed the connection" + (len > 0 ? " in the middle of a line" : ""));
                }
                pos = 0;
                limit = n;
            }
            byte b = buf[pos++];
            if (b == '\n') {
                if (len == 0 || line[len - 1] != '\r') {
                    throw new IOException("reply line not terminated by CRLF");
                }
                return new String(line, 0, len - 1, StandardCharsets.UTF_8);
            }
            if (len == line.length) {
                line = java.util.Arrays.copyOf(line, len * 2);
            }
            line[len++] = b;
        }
    }

    /**
     * Layers TLS over the connection (after the server's 220 to STARTTLS), trusting any
     * certificate, with only the given protocols enabled (all defaults when none).
     * Fails when the server sent anything in plaintext after the 220.
     */
    public SSLSession startTls(String... protocols) throws IOException {
        return startTls(List.of(protocols), List.of()).getSession();
    }

    /** {@link #startTls(String...)} with only the given cipher suites too (all defaults when none); returns the socket. */
    public SSLSocket startTls(List<String> protocols, List<String> cipherSuites) throws IOException {
        if (buffered() > 0) {
            throw new IOException(buffered() + " plaintext octets arrived after the 220 to STARTTLS");
        }
        SSLSocket tls = (SSLSocket) trustAll().getSocketFactory().createSocket(socket, "127.0.0.1", socket.getPort(), true);
        tls.setUseClientMode(true);
        if (!protocols.isEmpty()) {
            tls.setEnabledProtocols(protocols.toArray(String[]::new));
        }
        if (!cipherSuites.isEmpty()) {
            tls.setEnabledCipherSuites(cipherSuites.toArray(String[]::new));
        }
        tls.setSoTimeout(socket.getSoTimeout());
        tls.startHandshake();
        attach(tls);
        return tls;
    }

    private static SSLContext trustAll() throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                    // tests trust anything
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                    // tests trust anything
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // test clean-up
        }
    }
}
