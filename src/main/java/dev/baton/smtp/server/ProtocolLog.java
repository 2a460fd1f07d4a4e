package dev.baton.smtp.server;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The transcript of every session of one virtual server, one line per command or reply:
 * {@code time connection# direction text}. Off by default; AUTH secrets are masked.
 */
public final class ProtocolLog implements AutoCloseable {

    public static final ProtocolLog OFF = new ProtocolLog();

    private final BufferedWriter out;
    private final ReentrantLock lock = new ReentrantLock();

    private ProtocolLog() {
        this.out = null;
    }

    private ProtocolLog(BufferedWriter out) {
        this.out = out;
    }

    public static ProtocolLog open(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        return new ProtocolLog(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
    }

    public boolean enabled() {
        return out != null;
    }

    /**
     * @param at        when it happened, from the server's clock
     * @param direction "<" received from the client, ">" sent to it, "*" an event
     */
    public void record(Instant at, long connection, String direction, String text) {
        if (out == null) {
            return;
        }
        lock.lock();
        try {
            out.write(at + " " + connection + " " + direction + " " + escape(text.stripTrailing().replace("\r\n", " | ")));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            // the transcript is a diagnostic aid; a failure to write it must not stop mail
        } finally {
            lock.unlock();
        }
    }

    /**
     * What a client sent, made safe to print: control characters (a CR or LF that would start a
     * forged line, ESC that would reach the terminal of whoever reads the log), C1 controls and
     * Unicode format and separator characters (bidirectional overrides among them) are written
     * as escapes; the backslash is doubled so an escape cannot be forged either.
     */
    static String escape(String s) {
        int i = 0;
        while (i < s.length() && safe(s.charAt(i))) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (safe(c)) {
                b.append(c);
            } else if (c == '\\') {
                b.append("\\\\");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\t') {
                b.append("\\t");
            } else if (c < 0x100) {
                b.append(String.format("\\x%02X", (int) c));
            } else {
                b.append(String.format("\\u%04X", (int) c));
            }
        }
        return b.toString();
    }

    private static boolean safe(char c) {
        if (c == '\\') {
            return false;
        }
        if (c >= 0x20 && c < 0x7F) {
            return true;
        }
        if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F)) {
            return false;
        }
        int type = Character.getType(c);
        return type != Character.FORMAT && type != Character.LINE_SEPARATOR && type != Character.PARAGRAPH_SEPARATOR
                && type != Character.CONTROL;
    }

    @Override
    public void close() throws IOException {
        if (out != null) {
            lock.lock();
            try {
                out.close();
            } finally {
                lock.unlock();
            }
        }
    }
}
