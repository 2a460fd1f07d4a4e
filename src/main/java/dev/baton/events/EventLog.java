package dev.baton.events;

import dev.baton.config.EventSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server's event log: {@code DIR/events/events.log}, one JSON line per event
 * ({@link EventJson}), rotated by size to {@code events.log.1}, {@code .2}, ... with a cap on the
 * number of files.
 * <p>
 * {@link #emit} never blocks and never does I/O: it checks the category's level, stamps the
 * time and puts the event in a bounded queue that one writer thread drains. When the queue is
 * full the event is counted and dropped; once the writer has caught up it writes one
 * {@link Event#EVENTS_DROPPED} saying how many. {@link #close} writes everything queued before
 * it returns. Levels change while running ({@link #setLevel}) and are kept in
 * {@code DIR/events/levels.json}.
 */
public final class EventLog implements AutoCloseable {

    /** The events directory's name in the data directory. */
    public static final String DIRECTORY = "events";
    /** The current file's name; rotated ones get ".1", ".2", ... (".1" the newest). */
    public static final String FILE = "events.log";
    /** Events waiting for the writer at most; more are dropped and counted. */
    static final int CAPACITY = 16_384;

    private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);
    private static final long POLL_MILLIS = 100;

    private final Path dir;
    private final Path file;
    private final String server;
    private volatile List<String> virtualServers;
    private final long maxFileSize;
    private final int maxFiles;
    private final Clock clock;
    private final ArrayBlockingQueue<Pending> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedTotal = new AtomicLong();
    private final ReentrantLock levelChange = new ReentrantLock();
    private final Thread writer;
    private volatile EventLevels levels;
    private volatile boolean closing;
    private volatile boolean started;

    // the writer thread's own
    private OutputStream out;
    private long size;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
    private long writeFailures;

    /** An event on its way to the file: rendered by the writer, not by the caller. */
    private record Pending(Instant time, Event event, Where where, Object[] values) {
    }

    EventLog(Path dir, String server, List<String> virtualServers, EventSettings settings, Clock clock, EventLevels levels,
             int capacity) {
        this.dir = dir;
        this.file = dir.resolve(FILE);
        this.server = server;
        this.virtualServers = List.copyOf(virtualServers);
        this.maxFileSize = settings.maxFileSize();
        this.maxFiles = settings.maxFiles();
        this.clock = clock;
        this.levels = levels;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.writer = Thread.ofPlatform().name("event-log-" + server).daemon().unstarted(this::drain);
    }

    /**
     * Opens the event log of a server in {@code dataDir/events} with the levels kept there
     * (a levels file that cannot be read is reported and all levels are None) and starts its
     * writer.
     *
     * @param virtualServers the names of the server's virtual servers: a per-virtual-server
     *                       level set without a name applies to all of them
     */
    public static EventLog open(Path dataDir, String server, List<String> virtualServers, EventSettings settings, Clock clock)
            throws IOException {
        Path dir = dataDir.resolve(DIRECTORY);
        Files.createDirectories(dir);
        EventLevels levels;
        try {
            levels = EventLevels.read(dir.resolve(EventLevels.FILE));
        } catch (IOException e) {
            LOG.warn("events: cannot read the diagnostic levels ({}); every category is at None until set again", e.getMessage());
            levels = EventLevels.NONE;
        }
        EventLog log = new EventLog(dir, server, virtualServers, settings, clock, levels, CAPACITY);
        log.start();
        return log;
    }

    /** Starts the writer (tests fill the queue before). */
    void start() throws IOException {
        size = Files.exists(file) ? Files.size(file) : 0;
        out = open();
        started = true;
        writer.start();
    }

    public Path directory() {
        return dir;
    }

    /** The server's virtual servers from now on (a reloaded baton.yml added or removed some). */
    public void virtualServers(List<String> names) {
        virtualServers = List.copyOf(names);
    }

    public String server() {
        return server;
    }

    public EventLevels levels() {
        return levels;
    }

    /** Whether this event, on this virtual server (null for the server), would be written at the current levels. */
    public boolean writes(Event e, String virtualServer) {
        return levels.writes(e, virtualServer);
    }

    /**
     * Writes an event if its category's level reaches the event's threshold; values are those of
     * {@link Event#fields()}, in order. Never blocks: when the writer is behind, the event is
     * counted as dropped. Values are turned into text by the writer; pass immutable ones.
     *
     * @throws IllegalArgumentException when the number of values is not the number of fields
     */
    public void emit(Event e, Where where, Object... values) {
        if (values.length != e.fields().size()) {
            throw new IllegalArgumentException(e + " has fields " + e.fields() + ", given " + values.length + " values");
        }
        if (!levels.writes(e, where.virtualServer())) {
            return;
        }
        if (closing || !queue.offer(new Pending(clock.instant(), e, where, values))) {
            dropped.incrementAndGet();
            droppedTotal.incrementAndGet();
        }
    }

    /** Events dropped since the start because the writer was behind (or the disk failed). */
    public long droppedEvents() {
        return droppedTotal.get();
    }

    /** One level changed: where, from, to. */
    public record LevelChange(Category category, String virtualServer, DiagnosticLevel from, DiagnosticLevel to) {
    }

    /**
     * Sets a category's level and keeps it in levels.json (written before the change takes
     * effect: what runs is what a restart will bring back). For a per-virtual-server category,
     * a null virtual server means all of them. Each change is written as
     * {@link Event#LEVEL_CHANGED} (always, whatever the levels).
     *
     * @throws IllegalArgumentException for an unknown virtual server, or one named for a per-server category
     */
    public List<LevelChange> setLevel(Category c, String virtualServer, DiagnosticLevel to) throws IOException {
        if (!c.perVirtualServer() && virtualServer != null) {
            throw new IllegalArgumentException("category " + c.key() + " is set for the whole server, not per virtual server");
        }
        List<String> known = virtualServers;
        if (virtualServer != null && !known.contains(virtualServer)) {
            throw new IllegalArgumentException("no virtual server \"" + virtualServer + "\" (known: " + String.join(", ", known) + ")");
        }
        List<String> scopes = new ArrayList<>();
        if (!c.perVirtualServer()) {
            scopes.add(null);
        } else if (virtualServer != null) {
            scopes.add(virtualServer);
        } else {
            scopes.addAll(known);
        }
        List<LevelChange> changes = new ArrayList<>();
        levelChange.lock();
        try {
            EventLevels next = levels;
            for (String vs : scopes) {
                changes.add(new LevelChange(c, vs, next.level(c, vs), to));
                next = next.with(c, vs, to);
            }
            next.write(dir.resolve(EventLevels.FILE));
            levels = next;
        } finally {
            levelChange.unlock();
        }
        for (LevelChange ch : changes) {
            emit(Event.LEVEL_CHANGED, ch.virtualServer() == null ? Where.SERVER : Where.session(ch.virtualServer(), 0),
                    c.title(), ch.virtualServer() == null ? "the server" : "virtual server \"" + ch.virtualServer() + "\"",
                    ch.from().title(), ch.to().title());
        }
        return changes;
    }

    /**
     * For a tool acting while the server may or may not run (an administrator deleting a queued
     * message): appends one event to {@code dataDir/events/events.log} directly, if the levels
     * in the file say it is written. One small append: it lands whole, in the current file or,
     * when the server rotates at that moment, in the one just rotated.
     */
    public static void appendOne(Path dataDir, String server, Clock clock, Event e, Where where, Object... values)
            throws IOException {
        Path dir = dataDir.resolve(DIRECTORY);
        Files.createDirectories(dir);
        EventLevels levels;
        try {
            levels = EventLevels.read(dir.resolve(EventLevels.FILE));
        } catch (IOException unreadable) {
            levels = EventLevels.NONE;
        }
        if (!levels.writes(e, where.virtualServer())) {
            return;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i < values.length; i++) {
            fields.put(e.fields().get(i), String.valueOf(values[i]));
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream(512);
        EventJson.write(new LoggedEvent(clock.instant(), e.id(), e.severity(), e.category(), server, where.virtualServer(),
                where.connection(), where.queueId(), e.render(values), fields), b);
        Files.write(dir.resolve(FILE), b.toByteArray(), StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
    }

    // ------------------------------------------------------------------ the writer

    private void drain() {
        List<Pending> batch = new ArrayList<>(256);
        while (true) {
            Pending first;
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
                for (Pending p : batch) {
                    write(p);
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
            write(new Pending(clock.instant(), Event.EVENTS_DROPPED, Where.SERVER, new Object[] {n}));
        }
    }

    private void write(Pending p) {
        Event e = p.event();
        Map<String, String> fields = new LinkedHashMap<>();
        String[] values = new String[p.values().length];
        for (int i = 0; i < values.length; i++) {
            values[i] = String.valueOf(p.values()[i]);
            fields.put(e.fields().get(i), values[i]);
        }
        Where w = p.where();
        LoggedEvent le = new LoggedEvent(p.time(), e.id(), e.severity(), e.category(), server, w.virtualServer(), w.connection(),
                w.queueId(), e.render((Object[]) values), fields);
        line.reset();
        try {
            EventJson.write(le, line);
            if (size > 0 && size + line.size() > maxFileSize) {
                rotate();
            }
            line.writeTo(out);
            size += line.size();
            if (writeFailures > 0) {
                LOG.info("events: writing to {} again after {} failed events", file, writeFailures);
                writeFailures = 0;
            }
        } catch (IOException ex) {
            // the disk is full or gone: count it with the dropped, say so once a minute's worth
            dropped.incrementAndGet();
            droppedTotal.incrementAndGet();
            if (writeFailures++ % 1000 == 0) {
                LOG.error("events: cannot write to {}: {}", file, ex.toString());
            }
            reopenQuietly();
        }
    }

    /** events.log → .1 → .2 ... ; the file beyond maxFiles - 1 is deleted. */
    private void rotate() throws IOException {
        out.close();
        out = null;
        if (maxFiles == 1) {
            Files.deleteIfExists(file);
        } else {
            Files.deleteIfExists(rotated(maxFiles - 1));
            for (int i = maxFiles - 2; i >= 1; i--) {
                Path from = rotated(i);
                if (Files.exists(from)) {
                    Files.move(from, rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(file, rotated(1), StandardCopyOption.REPLACE_EXISTING);
        }
        size = 0;
        out = open();
    }

    private Path rotated(int n) {
        return dir.resolve(FILE + "." + n);
    }

    private OutputStream open() throws IOException {
        return new java.io.BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
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
                LOG.error("events: cannot write to {}: {}", file, e.toString());
            }
            reopenQuietly();
        }
    }

    /** Writes every event emitted before this call, then closes the file. */
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
            LOG.warn("events: closing {}: {}", file, e.toString());
        }
    }
}
