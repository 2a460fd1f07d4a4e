package dev.baton.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Turns a queue file written now into what Baton 0.1 (spool format 1) wrote: first line
 * {@code BATON-SPOOL 1} without the 8-bit mark, recipients without ids. For tests that prove an
 * upgraded server reads the queue it finds.
 */
public final class SpoolFormat1 {

    private SpoolFormat1() {
    }

    /** Rewrites the queue file in place (header only; the content stays as it is). */
    public static void downgrade(Path queueFile) throws IOException {
        byte[] all = Files.readAllBytes(queueFile);
        int first = indexOf(all, 0);
        int second = indexOf(all, first + 1);
        String envelope = new String(all, first + 1, second - first - 1, StandardCharsets.UTF_8).replaceAll("\"id\":\\d+,", "");
        byte[] head = ("BATON-SPOOL 1\n" + envelope + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] content = Arrays.copyOfRange(all, second + 1, all.length);
        byte[] out = Arrays.copyOf(head, head.length + content.length);
        System.arraycopy(content, 0, out, head.length, content.length);
        Files.write(queueFile, out);
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        throw new IllegalArgumentException("not a queue file");
    }
}
