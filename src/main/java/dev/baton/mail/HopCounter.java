package dev.baton.mail;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Passes message content through and counts, in its header section, the fields that each mark
 * one hop: {@code Received} (RFC 5321 4.4, one per relay) and {@code Delivered-To} (one per
 * local delivery that forwarded). A message that carries too many has been going round in a
 * loop. Only the header is looked at; the body streams past untouched.
 */
public final class HopCounter extends FilterOutputStream {

    private static final byte[][] NAMES = {ascii("received"), ascii("delivered-to")};
    private static final int LONGEST = 12;

    private boolean inHeader = true;
    private boolean lineStart = true;
    /** Octets of the current line's start, lower-cased, while they could still be a field name. */
    private final byte[] name = new byte[LONGEST + 1];
    private int nameLength;
    private boolean nameDone;
    private int hops;

    public HopCounter(OutputStream out) {
        super(out);
    }

    /** Received and Delivered-To fields seen so far. */
    public int hops() {
        return hops;
    }

    @Override
    public void write(int b) throws IOException {
        if (inHeader) {
            scan((byte) b);
        }
        out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        for (int i = off; inHeader && i < off + len; i++) {
            scan(b[i]);
        }
        out.write(b, off, len);
    }

    private void scan(byte b) {
        if (b == '\n') {
            if (lineStart || (nameLength == 1 && name[0] == '\r' && !nameDone)) {
                inHeader = false; // the empty line: the body follows
            }
            lineStart = true;
            nameLength = 0;
            nameDone = false;
            return;
        }
        if (nameDone) {
            return;
        }
        lineStart = false;
        if (b == ':' || b == ' ' || b == '\t') {
            // "Received:" and the obsolete "Received :" (RFC 5322 4.5.3)
            if (isHopField()) {
                hops++;
            }
            nameDone = true;
            return;
        }
        if (nameLength == name.length) {
            nameDone = true;
            return;
        }
        name[nameLength++] = (byte) (b >= 'A' && b <= 'Z' ? b + 32 : b);
    }

    private boolean isHopField() {
        for (byte[] n : NAMES) {
            if (n.length == nameLength && java.util.Arrays.equals(name, 0, nameLength, n, 0, n.length)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
