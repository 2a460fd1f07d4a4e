package dev.baton.events;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Reads a server's event files, oldest first ({@code events.log.N} ... {@code events.log.1},
 * then {@code events.log}), and follows the current one as it grows and is rotated.
 */
public final class EventFiles {

    private final Path dir;

    /** @param dir the events directory ({@code DIR/events}) */
    public EventFiles(Path dir) {
        this.dir = dir;
    }

    /** The files there are, oldest first. */
    public List<Path> files() throws IOException {
        List<Path> out = new ArrayList<>();
        for (int n = 1; ; n++) {
            Path p = dir.resolve(EventLog.FILE + "." + n);
            if (!Files.exists(p)) {
                break;
            }
            out.add(0, p);
        }
        Path current = dir.resolve(EventLog.FILE);
        if (Files.exists(current)) {
            out.add(current);
        }
        return out;
    }

    /**
     * Every line of every file, oldest first, to the consumer; a line that is not an event (a
     * file cut by a crash) goes to {@code bad} instead.
     */
    public void read(Consumer<LoggedEvent> each, Consumer<String> bad) throws IOException {
        for (Path p : files()) {
            List<String> lines;
            try {
                lines = Files.readAllLines(p, StandardCharsets.UTF_8);
            } catch (NoSuchFileException rotatedMeanwhile) {
                continue;
            }
            for (String l : lines) {
                parse(l, each, bad);
            }
        }
    }

    private static void parse(String line, Consumer<LoggedEvent> each, Consumer<String> bad) {
        if (line.isBlank()) {
            return;
        }
        try {
            each.accept(EventJson.parse(line));
        } catch (IOException e) {
            bad.accept(e.getMessage());
        }
    }

    /**
     * Everything there is, oldest first, then each new line as it is written, until the thread
     * is interrupted. Across rotations, however many happen between two looks: the rest of the
     * file being read (renamed meanwhile), then each file rotated after it, then the current
     * one. Looks for news every {@code every}.
     */
    public void follow(Consumer<LoggedEvent> each, Consumer<String> bad, Duration every) throws IOException {
        Path current = dir.resolve(EventLog.FILE);
        FileChannel ch = null;
        Object key = null;
        ByteArrayOutputStream partial = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        try {
            while (!Thread.currentThread().isInterrupted()) {
                if (ch == null) {
                    Path next = after(key);
                    if (next == null) {
                        if (pause(every)) {
                            return;
                        }
                        continue;
                    }
                    try {
                        ch = FileChannel.open(next, StandardOpenOption.READ);
                    } catch (NoSuchFileException renamedMeanwhile) {
                        continue;
                    }
                    key = fileKey(next);
                    partial.reset();
                }
                if (readLines(ch, buf, partial, each, bad)) {
                    continue;
                }
                Object now = fileKey(current);
                if (now != null && !Objects.equals(now, key)) {
                    // this file is not the current one (any more): its rest, then the next newer one
                    while (readLines(ch, buf, partial, each, bad)) {
                        // until its end
                    }
                    ch.close();
                    ch = null;
                    continue;
                }
                if (pause(every)) {
                    return;
                }
            }
        } catch (java.nio.channels.ClosedByInterruptException interrupted) {
            // the way a reader stops following (the interrupt flag stays set)
        } finally {
            if (ch != null) {
                ch.close();
            }
        }
    }

    /**
     * The file to read after the one with this key: the next newer one, or the oldest there is
     * when that one is gone (rotated past the cap) or none was read yet; null when there is none.
     */
    private Path after(Object key) throws IOException {
        List<Path> all = files();
        if (key != null) {
            for (int i = 0; i < all.size(); i++) {
                if (Objects.equals(fileKey(all.get(i)), key)) {
                    return i + 1 < all.size() ? all.get(i + 1) : null;
                }
            }
        }
        return all.isEmpty() ? null : all.get(0);
    }

    /** Reads what is there; whole lines go out, a trailing part waits for its LF. Returns whether anything was read. */
    private static boolean readLines(FileChannel ch, ByteBuffer buf, ByteArrayOutputStream partial, Consumer<LoggedEvent> each,
            Consumer<String> bad) throws IOException {
        buf.clear();
        int n = ch.read(buf);
        if (n <= 0) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            byte b = buf.get(i);
            if (b == '\n') {
                parse(partial.toString(StandardCharsets.UTF_8), each, bad);
                partial.reset();
            } else {
                partial.write(b);
            }
        }
        return true;
    }

    private static Object fileKey(Path p) {
        try {
            Object k = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            return k != null ? k : Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).creationTime();
        } catch (IOException e) {
            return null;
        }
    }

    /** Returns true when interrupted. */
    private static boolean pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
