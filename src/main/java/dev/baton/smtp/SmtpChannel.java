package dev.baton.smtp;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The one I/O wrapper of an SMTP connection, for the server and the client side alike.
 * Every read has a deadline (socket timeout) and every flush has one (a watchdog closes the
 * socket when a peer stops reading); a timeout or a broken peer surfaces as an IOException,
 * and the session leaves through its single error path. Lines are cut here, so an over-long
 * line never reaches a command handler; STARTTLS discards whatever was buffered before it.
 */
public final class SmtpChannel implements Closeable {

    /** Channels with a write in progress; a sweeper closes those past their deadline. */
    private static final Set<SmtpChannel> WRITING = ConcurrentHashMap.newKeySet();

    static {
        Thread.ofPlatform().daemon().name("smtp-write-watchdog").start(SmtpChannel::sweep);
    }

    private volatile long writeDeadlineNanos;
    private volatile boolean writeTimedOut;

    private Socket socket;
    private InputStream in;
    private OutputStream out;
    final byte[] buf = new byte[8 * 1024];
    int pos;
    int limit;
    private final byte[] outBuf = new byte[2 * 1024];
    private int outLen;
    private Duration writeTimeout = Duration.ofMinutes(5);
    private long bytesRead;
    /** While a read has a deadline ({@link #readLine(int, long)}): when it ends; 0 for none. */
    private long deadlineNanos;
    private byte[] line = new byte[256];

    public SmtpChannel(Socket socket) throws IOException {
        attach(socket);
    }

    private void attach(Socket s) throws IOException {
        this.socket = s;
        this.in = s.getInputStream();
        this.out = s.getOutputStream();
        this.pos = 0;
        this.limit = 0;
        this.outLen = 0;
    }

    public Socket socket() {
        return socket;
    }

    public boolean isTls() {
        return socket instanceof SSLSocket;
    }

    public void writeTimeout(Duration d) {
        this.writeTimeout = d;
    }

    /** Sets the deadline for each following read, until changed. */
    public void readTimeout(Duration d) throws IOException {
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, d.toMillis()));
    }

    /** Bytes the peer sent that have been read from the socket but not consumed. */
    public int buffered() {
        return limit - pos;
    }

    /** Throws away buffered input: bytes a client pipelined behind STARTTLS must never run. */
    public int discardBuffered() {
        int n = limit - pos;
        pos = limit;
        return n;
    }

    public long bytesRead() {
        return bytesRead;
    }

    /** Fills the buffer when empty; returns false at end of stream. */
    boolean fill() throws IOException {
        if (pos < limit) {
            return true;
        }
        if (deadlineNanos != 0) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("timed out");
            }
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
        }
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            return false;
        }
        pos = 0;
        limit = n;
        bytesRead += n;
        return true;
    }

    /**
     * Reads one line, terminated by LF (a preceding CR is removed). A line longer than
     * {@code maxOctets} (terminator included) is consumed to its end and reported as
     * {@link LineTooLongException}, never delivered in part.
     */
    public String readLine(int maxOctets) throws IOException {
        int len = 0;
        boolean tooLong = false;
        while (true) {
            if (!fill()) {
                throw new EOFException("connection closed by peer");
            }
            while (pos < limit) {
                byte b = buf[pos++];
                if (b == '\n') {
                    if (tooLong) {
                        throw new LineTooLongException(maxOctets);
                    }
                    int end = len > 0 && line[len - 1] == '\r' ? len - 1 : len;
                    return new String(line, 0, end, StandardCharsets.UTF_8);
                }
                if (tooLong) {
                    continue;
                }
                if (len >= maxOctets - 1) { // the LF still to come makes one more octet
                    tooLong = true;
                    continue;
                }
                if (len == line.length) {
                    line = java.util.Arrays.copyOf(line, Math.min(maxOctets, line.length * 2));
                }
                line[len++] = b;
            }
        }
    }

    /**
     * {@link #readLine(int)} that must be done by {@code deadlineNanos} ({@link System#nanoTime()}):
     * however slowly the peer sends, the wait for the whole line ends then, with a
     * {@link SocketTimeoutException}.
     */
    public String readLine(int maxOctets, long deadlineNanos) throws IOException {
        this.deadlineNanos = deadlineNanos;
        try {
            return readLine(maxOctets);
        } finally {
            this.deadlineNanos = 0;
        }
    }

    /** Reads up to len raw bytes (buffered first); -1 at end of stream. */
    public int read(byte[] b, int off, int len) throws IOException {
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, limit - pos);
        System.arraycopy(buf, pos, b, off, n);
        pos += n;
        return n;
    }

    /** Reads exactly n raw bytes into the sink (BDAT chunks, XEXCH50 blobs). */
    public void readExactly(long n, OutputStream sink) throws IOException {
        long left = n;
        while (left > 0) {
            if (!fill()) {
                throw new EOFException("connection closed by peer with " + left + " octets still to come");
            }
            int k = (int) Math.min(left, limit - pos);
            if (sink != null) {
                sink.write(buf, pos, k);
            }
            pos += k;
            left -= k;
        }
    }

    public void write(byte[] b) throws IOException {
        write(b, 0, b.length);
    }

    public void write(byte[] b, int off, int len) throws IOException {
        if (len > outBuf.length - outLen) {
            flush();
            if (len > outBuf.length) {
                guarded(() -> out.write(b, off, len));
                return;
            }
        }
        System.arraycopy(b, off, outBuf, outLen, len);
        outLen += len;
    }

    public void write(String s) throws IOException {
        write(s.getBytes(StandardCharsets.UTF_8));
    }

    public void flush() throws IOException {
        if (outLen == 0) {
            return;
        }
        int n = outLen;
        outLen = 0;
        guarded(() -> {
            out.write(outBuf, 0, n);
            out.flush();
        });
    }

    private interface Io {
        void run() throws IOException;
    }

    private void guarded(Io io) throws IOException {
        writeDeadlineNanos = System.nanoTime() + writeTimeout.toNanos();
        WRITING.add(this);
        try {
            io.run();
        } catch (IOException e) {
            if (writeTimedOut) {
                throw new SocketTimeoutException("write timed out after " + writeTimeout);
            }
            throw e;
        } finally {
            WRITING.remove(this);
        }
    }

    private static void sweep() {
        while (true) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (SmtpChannel c : WRITING) {
                if (now - c.writeDeadlineNanos > 0) {
                    c.writeTimedOut = true;
                    closeQuietly(c.socket);
                }
            }
        }
    }

    /**
     * Layers TLS over the connection. Buffered plaintext input must already have been
     * discarded by the caller (the server does so and logs it); anything left is an error.
     */
    public SSLSocket startTls(SSLSocketFactory factory, boolean clientMode, String peerHost, int peerPort) throws IOException {
        if (buffered() > 0) {
            throw new IllegalStateException("plaintext bytes pending at STARTTLS");
        }
        flush();
        SSLSocket tls = (SSLSocket) factory.createSocket(socket, peerHost, peerPort, true);
        tls.setUseClientMode(clientMode);
        tls.setSoTimeout(socket.getSoTimeout());
        tls.startHandshake();
        attach(tls);
        return tls;
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing a broken socket cannot be helped
        }
    }

    /** A line longer than the limit arrived; it has been consumed whole. */
    public static final class LineTooLongException extends IOException {
        private final int limit;

        public LineTooLongException(int limit) {
            super("line longer than " + limit + " octets");
            this.limit = limit;
        }

        public int limit() {
            return limit;
        }
    }
}
