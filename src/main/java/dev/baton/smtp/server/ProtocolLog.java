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
            out.write(at + " " + connection + " " + direction + " " + text.stripTrailing().replace("\r\n", " | "));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            // the transcript is a diagnostic aid; a failure to write it must not stop mail
        } finally {
            lock.unlock();
        }
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
