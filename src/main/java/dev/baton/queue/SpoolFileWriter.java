package dev.baton.queue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The buffered stream a spool file is written through. It notes whether the content (what
 * follows the header) has an octet with the high bit set, and it can change an octet already
 * written: in the buffer while it has not reached the file (the common case for a small
 * message, so the 8-bit mark costs no extra system call), with a positional write otherwise.
 */
final class SpoolFileWriter extends OutputStream {
    static final int BUFFER_SIZE = 32 * 1024;

    private final FileChannel channel;
    private final byte[] buf = new byte[BUFFER_SIZE];
    private int count;
    /** Octets that have reached the file. */
    private long flushed;
    /** Where the content begins; octets before it are not scanned. */
    private long contentStart = Long.MAX_VALUE;
    private boolean eightBit;

    SpoolFileWriter(FileChannel channel) {
        this.channel = channel;
    }

    /** From here on, octets written are content and are scanned for the high bit. */
    void contentStartsHere() {
        contentStart = written();
    }

    long written() {
        return flushed + count;
    }

    long contentStart() {
        return contentStart;
    }

    boolean eightBit() {
        return eightBit;
    }

    @Override
    public void write(int b) throws IOException {
        if (count == buf.length) {
            drain();
        }
        if ((b & 0x80) != 0 && written() >= contentStart) {
            eightBit = true;
        }
        buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (!eightBit && written() + len > contentStart) {
            int from = off + (int) Math.max(0, contentStart - written());
            for (int i = from; i < off + len; i++) {
                if (b[i] < 0) {
                    eightBit = true;
                    break;
                }
            }
        }
        if (len > buf.length - count) {
            drain();
            if (len >= buf.length) {
                writeFully(ByteBuffer.wrap(b, off, len));
                flushed += len;
                return;
            }
        }
        System.arraycopy(b, off, buf, count, len);
        count += len;
    }

    /** Replaces the octet at {@code position}, which must have been written already. */
    void overwrite(long position, byte value) throws IOException {
        if (position < 0 || position >= written()) {
            throw new IllegalArgumentException("position " + position + " not yet written");
        }
        if (position >= flushed) {
            buf[(int) (position - flushed)] = value;
        } else {
            ByteBuffer one = ByteBuffer.wrap(new byte[] {value});
            while (one.hasRemaining()) {
                channel.write(one, position);
            }
        }
    }

    @Override
    public void flush() throws IOException {
        drain();
    }

    private void drain() throws IOException {
        if (count > 0) {
            writeFully(ByteBuffer.wrap(buf, 0, count));
            flushed += count;
            count = 0;
        }
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }
}
