package dev.baton.smtp.client;

import dev.baton.smtp.SmtpChannel;
import java.io.IOException;
import java.io.InputStream;

/**
 * Copies content to DATA: bare LF becomes CRLF, a lone CR becomes CRLF, a line starting with a
 * dot gets another, and the content always ends with CRLF, so the terminating dot stands alone.
 */
final class DotStuffer {

    private DotStuffer() {
    }

    static void copy(InputStream in, SmtpChannel out) throws IOException {
        byte[] buf = new byte[64 * 1024];
        byte[] o = new byte[buf.length * 2 + 4];
        boolean lineStart = true;
        boolean cr = false;
        int n;
        while ((n = in.read(buf)) > 0) {
            int w = 0;
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
                if (w > o.length - 4) {
                    out.write(o, 0, w);
                    w = 0;
                }
            }
            out.write(o, 0, w);
        }
        if (cr) {
            out.write(new byte[] {'\n'});
        } else if (!lineStart) {
            out.write(new byte[] {'\r', '\n'});
        }
    }
}
