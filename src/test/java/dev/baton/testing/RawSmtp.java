package dev.baton.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A deliberately simple SMTP client for tests: sends exactly what it is told, returns replies as text. */
public final class RawSmtp implements Closeable {

    private static final Pattern QUEUED = Pattern.compile("^250 2\\.0\\.0 OK queued as (\\S+)", Pattern.MULTILINE);

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String greeting;

    private RawSmtp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
        this.greeting = reply();
    }

    public static RawSmtp connect(int port) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(20_000);
            s.setTcpNoDelay(true);
            return new RawSmtp(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    public String greeting() {
        return greeting;
    }

    /** Sends one command line and returns its (possibly multi-line) reply. */
    public String command(String line) throws IOException {
        send(line);
        return reply();
    }

    public void send(String line) throws IOException {
        write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** EHLO, MAIL FROM, RCPT TO for each recipient; fails unless all of them got 250. */
    public void envelope(String from, String... to) throws IOException {
        expect(command("EHLO client.test"), 250);
        expect(command("MAIL FROM:<" + from + ">"), 250);
        for (String t : to) {
            expect(command("RCPT TO:<" + t + ">"), 250);
        }
    }

    /** MAIL FROM and RCPT TO without EHLO (a later transaction on the same connection). */
    public void transaction(String from, String... to) throws IOException {
        expect(command("MAIL FROM:<" + from + ">"), 250);
        for (String t : to) {
            expect(command("RCPT TO:<" + t + ">"), 250);
        }
    }

    /** DATA with the given content (CRLF lines, dot-stuffed here); returns the final reply. */
    public String data(String content) throws IOException {
        String r = command("DATA");
        if (code(r) != 354) {
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
        write(b.toString().getBytes(StandardCharsets.UTF_8));
        return reply();
    }

    /** Reads one reply; lines are joined with "\n". */
    public String reply() throws IOException {
        StringBuilder all = new StringBuilder();
        while (true) {
            String line = line();
            all.append(all.length() == 0 ? "" : "\n").append(line);
            if (line.length() < 4 || line.charAt(3) != '-') {
                return all.toString();
            }
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new EOFException("connection closed by the server");
            }
            b.write(c);
        }
        String s = b.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    public static int code(String reply) {
        int nl = reply.lastIndexOf('\n');
        return Integer.parseInt(reply.substring(nl + 1, nl + 4));
    }

    /** The queue id of a "250 2.0.0 OK queued as ID" reply, or null. */
    public static String queuedId(String reply) {
        Matcher m = QUEUED.matcher(reply);
        return m.find() ? m.group(1) : null;
    }

    public static String expect(String reply, int code) throws IOException {
        if (code(reply) != code) {
            throw new IOException("expected " + code + " but got: " + reply);
        }
        return reply;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
