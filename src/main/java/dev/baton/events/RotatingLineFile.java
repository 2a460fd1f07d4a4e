package dev.baton.events;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A log file written by one thread: callers {@link #offer} items to a bounded queue and never
 * wait; the writer renders each as one line, rotates the file by size ({@code NAME} → {@code
 * NAME.1} → {@code NAME.2} ..., at most {@code maxFiles} kept) and flushes when the queue is
 * empty. A full queue, or a disk that fails, drops the item and counts it; once the writer has
 * caught up it writes the line {@code droppedNotice} makes of the count. {@link #close} writes
 * everything offered before it. The event log and the delivery log are each one of these
 * (ADR 0011): one writer per file, so no locking between writers.
 *
 * @param <T> what a line is made of (rendered on the writer thread, not the caller's)
 */
final class RotatingLineFile<T> implements AutoCloseable {

    /** Turns an item into one line (with its LF) appended to the buffer. */
    @FunctionalInterface
    interface Render<T> {
        void write(T item, ByteArrayOutputStream line) throws IOException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(RotatingLineFile.class);
    private static final long POLL_MILLIS = 100;

    private final Path dir;
    private final Path file;
    private final String what;
    private final long maxFileSize;
    private final int maxFiles;
    private final ArrayBlockingQueue<T> queue;
    private final Render<T> render;
    private final LongFunction<T> droppedNotice;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedTotal = new AtomicLong();
    private final Thread writer;
    private volatile boolean closing;
    private volatile boolean started;

    // the writer thread's own
    private OutputStream out;
    private long size;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
    private long writeFailures;

    /**
     * @param what          what the file is, for the operator's log ("events", "delivery log")
     * @param droppedNotice the item that says how many were dropped (written by the writer)
     */
    RotatingLineFile(Path file, String what, long maxFileSize, int maxFiles, int capacity, String threadName, Render<T> render,
                     LongFunction<T> droppedNotice) {
        this.dir = file.getParent();
        this.file = file;
        this.what = what;
        this.maxFileSize = maxFileSize;
        this.maxFiles = maxFiles;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.render = render;
        this.droppedNotice = droppedNotice;
        this.writer = Thread.ofPlatform().name(threadName).daemon().unstarted(this::drain);
    }

    /** Opens the file (creating its directory) and starts the writer; items offered before wait in the queue. */
    void start() throws IOException {
        Files.createDirectories(dir);
        size = Files.exists(file) ? Files.size(file) : 0;
        out = open();
        started = true;
        writer.start();
    }

    Path file() {
        return file;
    }

    /** Queues an item; when the queue is full or the file closing, counts it as dropped. Never blocks. */
    void offer(T item) {
        if (closing || !queue.offer(item)) {
            dropped.incrementAndGet();
            droppedTotal.incrementAndGet();
        }
    }

    /** Items dropped since the start because the writer was behind (or the disk failed). */
    long droppedTotal() {
        return droppedTotal.get();
    }

    /** The file after {@code n} rotations: {@code NAME.n}. */
    static Path rotated(Path file, int n) {
        return file.resolveSibling(file.getFileName() + "." + n);
    }

    /**
     * For a tool acting beside the server: appends one line directly. A small append lands whole,
     * in the current file or, when the server rotates at that moment, in the one just rotated.
     */
    static void appendOne(Path file, byte[] line) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    private void drain() {
        List<T> batch = new ArrayList<>(256);
        while (true) {
            T first;
            try {
                first = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                first = null; // only close() may end the writer, and it does so by the flag
            }
            if (first == null) {
                if (closing && queue.isEmpty()) {
                    reportDropped();
                    flush();
                    return;
                }
                continue;
            }
            write(first);
            while (queue.drainTo(batch, 256) > 0) {
                for (T item : batch) {
                    write(item);
                }
                batch.clear();
            }
            // the queue was empty a moment ago: there is room again
            reportDropped();
            flush();
        }
    }

    private void reportDropped() {
        long n = dropped.getAndSet(0);
        if (n > 0) {
            write(droppedNotice.apply(n));
        }
    }

    private void write(T item) {
        line.reset();
        try {
            render.write(item, line);
            if (size > 0 && size + line.size() > maxFileSize) {
                rotate();
            }
            line.writeTo(out);
            size += line.size();
            if (writeFailures > 0) {
                LOG.info("{}: writing to {} again after {} failed lines", what, file, writeFailures);
                writeFailures = 0;
            }
        } catch (IOException | RuntimeException ex) {
            // the disk is full or gone (or an item would not render): count it with the dropped,
            // say so once in a thousand; the writer goes on
            dropped.incrementAndGet();
            droppedTotal.incrementAndGet();
            if (writeFailures++ % 1000 == 0) {
                LOG.error("{}: cannot write to {}: {}", what, file, ex.toString());
            }
            reopenQuietly();
        }
    }

    /** NAME → .1 → .2 ... ; the file beyond maxFiles - 1 is deleted. */
    private void rotate() throws IOException {
        out.close();
        out = null;
        if (maxFiles == 1) {
            Files.deleteIfExists(file);
        } else {
            Files.deleteIfExists(rotated(file, maxFiles - 1));
            for (int i = maxFiles - 2; i >= 1; i--) {
                Path from = rotated(file, i);
                if (Files.exists(from)) {
                    Files.move(from, rotated(file, i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(file, rotated(file, 1), StandardCopyOption.REPLACE_EXISTING);
        }
        size = 0;
        out = open();
    }

    private OutputStream open() throws IOException {
        return new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE), 64 * 1024);
    }

    private void reopenQuietly() {
        try {
            if (out != null) {
                out.close();
            }
        } catch (IOException ignored) {
            // it failed already
        }
        try {
            Files.createDirectories(dir);
            size = Files.exists(file) ? Files.size(file) : 0;
            out = open();
        } catch (IOException e) {
            out = OutputStream.nullOutputStream();
        }
    }

    private void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            if (writeFailures++ % 1000 == 0) {
                LOG.error("{}: cannot write to {}: {}", what, file, e.toString());
            }
            reopenQuietly();
        }
    }

    /** Writes every item offered before this call, then closes the file. */
    @Override
    public void close() {
        closing = true;
        if (!started) {
            return;
        }
        try {
            writer.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            out.close();
        } catch (IOException e) {
            LOG.warn("{}: closing {}: {}", what, file, e.toString());
        }
    }
}
