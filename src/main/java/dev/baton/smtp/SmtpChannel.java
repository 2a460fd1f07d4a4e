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
 * Every read has an idle timeout (socket timeout), and the exchanges a slow peer could stretch
 * have a deadline for the whole: a line ({@link #readLine(int, long)}), a message transfer
 * ({@link #startTransfer}), a TLS handshake and every flush (a watchdog closes the socket when
 * one runs past its deadline). A timeout or a broken peer surfaces as an IOException, and the
 * session leaves through its single error path. Lines are cut here, so an over-long line never
 * reaches a command handler; STARTTLS discards whatever was buffered before it.
 * {@link #closeGracefully} makes sure the replies written reach a peer that still reads.
 */
public final class SmtpChannel implements Closeable {

    /** Channels with a write or a TLS handshake in progress; a sweeper closes those past their deadline. */
    private static final Set<SmtpChannel> GUARDED = ConcurrentHashMap.newKeySet();

    static {
        Thread.ofPlatform().daemon().name("smtp-write-watchdog").start(SmtpChannel::sweep);
    }

    private volatile long guardDeadlineNanos;
    private volatile boolean guardTimedOut;

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
    /** The idle timeout of each read, as last set by {@link #readTimeout}. */
    private int idleMillis;
    /** During a message transfer: its deadline, its cap and the rate that earns more time. */
    private long transferDeadlineNanos;
    private long transferCapNanos;
    private long minBytesPerSecond;
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

    /** Sets the idle timeout of each following read, until changed. */
    public void readTimeout(Duration d) throws IOException {
        idleMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
        socket.setSoTimeout(idleMillis);
    }

    /**
     * Begins a message transfer (DATA content, a BDAT chunk) with a deadline for the whole, as
     * Postfix's smtpd_min_data_rate does: it starts {@code cap} from now; every read of N octets
     * moves it N / {@code minBytesPerSecond} seconds later, but never more than {@code cap} ahead
     * of now. A peer that keeps at least that rate is never cut off; one that drips an octet at a
     * time runs out within about {@code cap}. Ends with {@link #endTransfer()}.
     */
    public void startTransfer(Duration cap, int minBytesPerSecond) {
        this.transferCapNanos = cap.toNanos();
        this.minBytesPerSecond = Math.max(1, minBytesPerSecond);
        this.transferDeadlineNanos = System.nanoTime() + transferCapNanos;
    }

    public void endTransfer() {
        transferDeadlineNanos = 0;
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
        long deadline = deadlineNanos != 0 ? deadlineNanos : transferDeadlineNanos;
        if (deadline != 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException(deadlineNanos != 0 ? "line not complete by its deadline"
                        : "message transfer slower than " + minBytesPerSecond + " octets per second");
            }
            long millis = Math.max(1, left / 1_000_000);
            socket.setSoTimeout((int) (idleMillis > 0 ? Math.min(idleMillis, millis) : Math.min(Integer.MAX_VALUE, millis)));
        }
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            return false;
        }
        pos = 0;
        limit = n;
        bytesRead += n;
        if (transferDeadlineNanos != 0 && deadlineNanos == 0) {
            long earned = n * 1_000_000_000L / minBytesPerSecond;
            transferDeadlineNanos = Math.min(System.nanoTime() + transferCapNanos, transferDeadlineNanos + earned);
        }
        return true;
    }

    /**
     * Reads one line, terminated by LF (a preceding CR is removed). A line longer than
     * {@code maxOctets} (terminator included) is consumed to its end and reported as
     * {@link LineTooLongException}, never delivered in part.
     */
    public String readLine(int maxOctets) throws IOException {
        return readLine(maxOctets, false);
    }

    /**
     * Reads one line as {@link #readLine(int)} does; with {@code strict}, a line that is not
     * valid UTF-8 is consumed and reported as {@link InvalidUtf8Exception} instead of having its
     * bad octets replaced (two different byte strings must never become one address).
     */
    private String readLine(int maxOctets, boolean strict) throws IOException {
        int len = 0;
        int high = 0;
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
                    if ((high & 0x80) == 0) {
                        return new String(line, 0, end, StandardCharsets.US_ASCII);
                    }
                    if (strict) {
                        try {
                            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(line, 0, end)).toString();
                        } catch (java.nio.charset.CharacterCodingException e) {
                            throw new InvalidUtf8Exception(new String(line, 0, end, StandardCharsets.UTF_8));
                        }
                    }
                    return new String(line, 0, end, StandardCharsets.UTF_8);
                }
                high |= b;
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

    /**
     * A command line from a client: {@link #readLine(int, long)}, but a line that is not valid
     * UTF-8 is reported as {@link InvalidUtf8Exception} (after it has been consumed).
     */
    public String readCommandLine(int maxOctets, long deadlineNanos) throws IOException {
        this.deadlineNanos = deadlineNanos;
        try {
            return readLine(maxOctets, true);
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
        guarded(writeTimeout, "write", io);
    }

    /** Runs io; past the deadline the watchdog closes the socket and io fails with a timeout. */
    private void guarded(Duration timeout, String what, Io io) throws IOException {
        guardDeadlineNanos = System.nanoTime() + timeout.toNanos();
        GUARDED.add(this);
        try {
            io.run();
        } catch (IOException e) {
            if (guardTimedOut) {
                throw new SocketTimeoutException(what + " timed out after " + timeout);
            }
            throw e;
        } finally {
            GUARDED.remove(this);
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
            for (SmtpChannel c : GUARDED) {
                if (now - c.guardDeadlineNanos > 0) {
                    c.guardTimedOut = true;
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
        return startTls(factory, clientMode, peerHost, peerPort, Duration.ofMinutes(5));
    }

    /**
     * {@link #startTls(SSLSocketFactory, boolean, String, int)} whose handshake must be complete
     * within {@code handshakeTimeout}, however slowly the peer sends its part.
     */
    public SSLSocket startTls(SSLSocketFactory factory, boolean clientMode, String peerHost, int peerPort, Duration handshakeTimeout)
            throws IOException {
        if (buffered() > 0) {
            throw new IllegalStateException("plaintext bytes pending at STARTTLS");
        }
        flush();
        SSLSocket tls = (SSLSocket) factory.createSocket(socket, peerHost, peerPort, true);
        tls.setUseClientMode(clientMode);
        tls.setSoTimeout(socket.getSoTimeout());
        guarded(handshakeTimeout, "TLS handshake", tls::startHandshake);
        attach(tls);
        return tls;
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    /**
     * Ends the connection so that what was written reaches a peer that reads: flushes (within
     * {@code flushTimeout}), half-closes, then reads and discards what the peer still sends
     * until it closes its side or {@code drainTimeout} has passed, and only then closes. Closing
     * a socket with unread input makes the kernel send a reset, which can destroy replies the
     * peer had not read yet: the 250 of a committed message among them (and the peer sends the
     * message again).
     */
    public void closeGracefully(Duration flushTimeout, Duration drainTimeout) {
        try {
            if (outLen > 0) {
                writeTimeout = flushTimeout.compareTo(writeTimeout) < 0 ? flushTimeout : writeTimeout;
                flush();
            }
            try {
                socket.shutdownOutput();
            } catch (UnsupportedOperationException | IOException e) {
                // a TLS socket may refuse a half-close: the drain below still keeps the replies
            }
            long end = System.nanoTime() + drainTimeout.toNanos();
            byte[] sink = buf;
            pos = limit = 0;
            while (true) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
                if (in.read(sink, 0, sink.length) < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            // the peer is gone or too slow: nothing more to save
        } finally {
            closeQuietly(socket);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing a broken socket cannot be helped
        }
    }

    /** A command line that is not valid UTF-8 arrived; it has been consumed whole. */
    public static final class InvalidUtf8Exception extends IOException {
        private final String lossy;

        public InvalidUtf8Exception(String lossy) {
            super("line is not valid UTF-8");
            this.lossy = lossy;
        }

        /** The line with each bad sequence replaced by U+FFFD: to see which command it was, never to act on. */
        public String lossy() {
            return lossy;
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
