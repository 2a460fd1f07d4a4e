package dev.baton.events;

import dev.baton.config.EventSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    private final Path dir;
    private final String server;
    private volatile List<String> virtualServers;
    private final Clock clock;
    private final RotatingLineFile<Pending> file;
    private final ReentrantLock levelChange = new ReentrantLock();
    private volatile EventLevels levels;

    /** An event on its way to the file: rendered by the writer, not by the caller. */
    private record Pending(Instant time, Event event, Where where, Object[] values) {
    }

    EventLog(Path dir, String server, List<String> virtualServers, EventSettings settings, Clock clock, EventLevels levels,
             int capacity) {
        this.dir = dir;
        this.server = server;
        this.virtualServers = List.copyOf(virtualServers);
        this.clock = clock;
        this.levels = levels;
        this.file = new RotatingLineFile<>(dir.resolve(FILE), "events", settings.maxFileSize(), settings.maxFiles(), capacity,
                "event-log-" + server, this::render,
                n -> new Pending(clock.instant(), Event.EVENTS_DROPPED, Where.SERVER, new Object[] {n}));
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
        file.start();
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
        file.offer(new Pending(clock.instant(), e, where, values));
    }

    /** Events dropped since the start because the writer was behind (or the disk failed). */
    public long droppedEvents() {
        return file.droppedTotal();
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
        RotatingLineFile.appendOne(dir.resolve(FILE), b.toByteArray());
    }

    // ------------------------------------------------------------------ on the writer thread

    private void render(Pending p, ByteArrayOutputStream line) throws IOException {
        Event e = p.event();
        Map<String, String> fields = new LinkedHashMap<>();
        String[] values = new String[p.values().length];
        for (int i = 0; i < values.length; i++) {
            values[i] = String.valueOf(p.values()[i]);
            fields.put(e.fields().get(i), values[i]);
        }
        Where w = p.where();
        EventJson.write(new LoggedEvent(p.time(), e.id(), e.severity(), e.category(), server, w.virtualServer(), w.connection(),
                w.queueId(), e.render((Object[]) values), fields), line);
    }

    /** Writes every event emitted before this call, then closes the file. */
    @Override
    public void close() {
        file.close();
    }
}
