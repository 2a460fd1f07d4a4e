package dev.baton.smtp.client;

import dev.baton.smtp.SmtpChannel;
import java.io.IOException;
import java.io.InputStream;

/**
 * Copies content to DATA: bare LF becomes CRLF, a lone CR becomes CRLF, a line starting with a
 * dot gets another, and the content always ends with CRLF, then the terminating lone dot. A
 * message that fits the buffer goes out in one write, terminator included.
 */
final class DotStuffer {

    private static final int MAX_BUFFER = 64 * 1024;

    private DotStuffer() {
    }

    /** @param sizeHint the expected content length (buffers are sized to it), or -1 when unknown */
    static void copy(InputStream in, SmtpChannel out, long sizeHint) throws IOException {
        int size = sizeHint < 0 ? MAX_BUFFER : (int) Math.max(512, Math.min(MAX_BUFFER, sizeHint + 1));
        byte[] buf = new byte[size];
        byte[] o = new byte[buf.length * 2 + 8];
        boolean lineStart = true;
        boolean cr = false;
        int w = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (cr && b != '\n') {
                    o[w++] = '\n';
                    lineStart = true;
                }
                if (b == '\n' && !cr) {
                    o[w++] = '\r';
                }
                cr = b == '\r';
                if (lineStart && b == '.') {
                    o[w++] = '.';
                }
                o[w++] = b;
                lineStart = b == '\n';
                if (w > o.length - 8) { // room for the most one octet can become, and for the end
                    out.write(o, 0, w);
                    w = 0;
                }
            }
        }
        if (cr) {
            o[w++] = '\n';
        } else if (!lineStart) {
            o[w++] = '\r';
            o[w++] = '\n';
        }
        o[w++] = '.';
        o[w++] = '\r';
        o[w++] = '\n';
        out.write(o, 0, w);
    }
}
