package dev.baton.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A misbehaving (or well-behaved) SMTP/LMTP server for fault injection: a real socket on a
 * free port whose every connection runs a script. Not a mock of Baton: it exists to send
 * what Baton never would.
 * <p>
 * A script that fails (an assertion, or any exception but the I/O error of a client that went
 * away) fails the test: {@link #close()} waits for the scripts to end and throws the first
 * failure, with the others suppressed.
 */
public final class ScriptedPeer implements AutoCloseable {

    /** What one connection does. */
    @FunctionalInterface
    public interface Script {
        void run(Conversation c) throws Exception;
    }

    private final ServerSocket server;
    private final AtomicInteger accepted = new AtomicInteger();
    /** Every line received on any connection, in order ("DATA" content lines included). */
    public final List<String> received = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> scripts = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    public ScriptedPeer(Script script) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    accepted.incrementAndGet();
                    sockets.add(s);
                    scripts.add(Thread.ofVirtual().start(() -> {
                        try (s) {
                            script.run(new Conversation(s, received));
                        } catch (IOException e) {
                            // the client went away, or the script ended it: both are fine here
                        } catch (Throwable t) {
                            failures.add(t);
                        }
                    }));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    public int port() {
        return server.getLocalPort();
    }

    public int accepted() {
        return accepted.get();
    }

    /**
     * Stops listening, closes every connection, waits (up to 5 s) for the scripts to end, and
     * throws the first failure of a script, if any.
     */
    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        try {
            acceptor.join(5_000);
            for (Thread t : scripts) {
                t.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!failures.isEmpty()) {
            AssertionError fail = new AssertionError("a script of the scripted peer failed: " + failures.get(0), failures.get(0));
            failures.stream().skip(1).forEach(fail::addSuppressed);
            throw fail;
        }
    }

    /** One connection: line reads, raw reads, replies. */
    public static final class Conversation {
        public final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final List<String> log;

        Conversation(Socket s, List<String> log) throws IOException {
            this.socket = s;
            this.in = s.getInputStream();
            this.out = s.getOutputStream();
            this.log = log;
        }

        public String readLine() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new EOFException();
                }
                b.write(c);
            }
            String line = b.toString(StandardCharsets.UTF_8);
            line = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            log.add(line);
            return line;
        }

        public byte[] readBytes(int n) throws IOException {
            byte[] b = in.readNBytes(n);
            if (b.length < n) {
                throw new EOFException();
            }
            log.add(new String(b, StandardCharsets.UTF_8));
            return b;
        }

        /** Reads DATA content up to the lone dot. */
        public void readData() throws IOException {
            while (!readLine().equals(".")) {
                // recorded in the log
            }
        }

        public void send(String text) throws IOException {
            out.write((text.replace("\n", "\r\n") + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    /**
     * A well-behaved server: greets, answers EHLO (or LHLO) with the given extensions, takes
     * MAIL, RCPT (replies from rcptReply), DATA or BDAT, RSET, QUIT. After the data it sends
     * finalReply once (SMTP) or once per accepted recipient (LMTP: finalReply gets the address).
     */
    public static Script standard(List<String> extensions, Function<String, String> rcptReply, Function<String, String> finalReply) {
        return c -> {
            c.send("220 peer.test ESMTP scripted");
            List<String> accepted = new CopyOnWriteArrayList<>();
            boolean lmtp = false;
            while (true) {
                String line = c.readLine();
                String verb = (line.length() >= 4 ? line.substring(0, 4) : line).toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO", "LHLO" -> {
                        lmtp = verb.equals("LHLO");
                        StringBuilder b = new StringBuilder("250");
                        b.append(extensions.isEmpty() ? " " : "-").append("peer.test");
                        for (int i = 0; i < extensions.size(); i++) {
                            b.append('\n').append(i == extensions.size() - 1 ? "250 " : "250-").append(extensions.get(i));
                        }
                        c.send(b.toString());
                    }
                    case "HELO" -> c.send("250 peer.test");
                    case "MAIL" -> {
                        accepted.clear();
                        c.send("250 2.1.0 ok");
                    }
                    case "RCPT" -> {
                        String addr = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
                        String r = rcptReply.apply(addr);
                        if (r.startsWith("2")) {
                            accepted.add(addr);
                        }
                        c.send(r);
                    }
                    case "DATA" -> {
                        c.send("354 go ahead");
                        c.readData();
                        replyFinal(c, lmtp, accepted, finalReply);
                    }
                    case "BDAT" -> {
                        String[] p = line.split(" ");
                        c.readBytes(Integer.parseInt(p[1]));
                        if (p.length > 2 && p[2].equalsIgnoreCase("LAST")) {
                            replyFinal(c, lmtp, accepted, finalReply);
                        } else {
                            c.send("250 2.0.0 chunk ok");
                        }
                    }
                    case "RSET" -> c.send("250 2.0.0 reset");
                    case "QUIT" -> {
                        c.send("221 2.0.0 bye");
                        return;
                    }
                    default -> c.send("500 5.5.1 what?");
                }
            }
        };
    }

    private static void replyFinal(Conversation c, boolean lmtp, List<String> accepted, Function<String, String> finalReply)
            throws IOException {
        if (lmtp) {
            for (String a : accepted) {
                c.send(finalReply.apply(a));
            }
        } else {
            c.send(finalReply.apply(null));
        }
    }
}
