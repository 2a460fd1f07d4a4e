package dev.baton.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.baton.events.Category;
import dev.baton.events.DiagnosticLevel;
import dev.baton.events.EventLog;
import dev.baton.queue.RecipientId;
import dev.baton.queue.Scheduler;
import dev.baton.queue.WaitReason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running server's answer to the tools: a Unix domain socket in the spool directory,
 * {@code baton.sock}, readable and writable by its owner only. One request per connection, one
 * line of JSON each way. It answers {@code {"op":"why-waiting","id":ID}} with why each
 * recipient of a queued message waits, as the scheduler knows it (reasons that live only in the
 * server's memory: an attempt under way, a busy or dead destination, an administrator's retry),
 * and {@code {"op":"events-level","category":C,"level":L[,"virtualServer":V]}} by changing a
 * diagnostic logging level of the event log (kept in its levels.json) and saying what changed.
 * {@code {"op":"status"}} and {@code {"op":"reload"}} (read baton.yml again) are answered by the node.
 * A request must arrive within 5 seconds and be at most 4 KiB.
 */
public final class ControlSocket implements AutoCloseable {

    /** The socket's name in the spool directory. */
    public static final String FILE = "baton.sock";

    private static final Logger LOG = LoggerFactory.getLogger(ControlSocket.class);
    private static final int MAX_REQUEST = 4096;
    private static final Duration REQUEST_TIME = Duration.ofSeconds(5);
    /** A queue change may wait for attempts under way to end (a bulk hold of messages being delivered). */
    static final Duration QUEUE_REQUEST_TIME = Duration.ofMinutes(3);
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final Path file;
    private final ServerSocketChannel server;
    private final Scheduler scheduler;
    private final EventLog events;
    private final Thread acceptor;
    private volatile java.util.function.Supplier<JsonNode> status;
    private volatile java.util.function.Supplier<JsonNode> reload;

    private ControlSocket(Path file, ServerSocketChannel server, Scheduler scheduler, EventLog events) {
        this.file = file;
        this.server = server;
        this.scheduler = scheduler;
        this.events = events;
        this.acceptor = Thread.ofVirtual().name("control-socket").unstarted(this::acceptLoop);
    }

    /**
     * Opens the socket in the spool directory; it is also what keeps a second server off the same
     * spool (two schedulers would deliver every message twice). A socket file left by a server
     * that is gone is replaced; when a running server answers on it, this throws
     * {@link SpoolInUseException}. Where the socket cannot be made (a path too long for a Unix
     * socket, a file system without them), this returns null and the server runs without it.
     */
    public static ControlSocket open(Path spoolRoot, Scheduler scheduler) throws IOException {
        return open(spoolRoot, scheduler, null);
    }

    /** As {@link #open(Path, Scheduler)}, also changing the event log's levels (null: no event log). */
    public static ControlSocket open(Path spoolRoot, Scheduler scheduler, EventLog events) throws IOException {
        Path file = spoolRoot.resolve(FILE);
        refuseIfInUse(spoolRoot);
        Files.deleteIfExists(file);
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(file));
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            ch.close();
            LOG.warn("no control socket at {} ({}): 'baton queue show' will show only what the queue files say", file, e.getMessage());
            return null;
        }
        ControlSocket s = new ControlSocket(file, ch, scheduler, events);
        s.acceptor.start();
        return s;
    }

    /**
     * Throws {@link SpoolInUseException} when a running server answers on this spool's socket.
     * A server calls it before it opens the spool, whose start-up recovery would remove the
     * other server's messages being received.
     */
    public static void refuseIfInUse(Path spoolRoot) throws SpoolInUseException {
        Path file = spoolRoot.resolve(FILE);
        if (Files.exists(file) && answers(file)) {
            throw new SpoolInUseException("another server is running on the spool " + spoolRoot
                    + " (it answers on " + file + "); stop it first, or give this one its own --data-dir");
        }
    }

    private static boolean answers(Path file) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return c.connect(UnixDomainSocketAddress.of(file));
        } catch (IOException e) {
            return false;
        }
    }

    public Path file() {
        return file;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                if (server.isOpen()) {
                    LOG.warn("control socket {}: accept failed: {}", file, e.getMessage());
                }
                return;
            }
            Thread.ofVirtual().name("control-request").start(() -> serve(c));
        }
    }

    private void serve(SocketChannel c) {
        try (c) {
            JsonNode response;
            try {
                response = answer(JSON.readTree(readLine(c, REQUEST_TIME)));
            } catch (IOException | RuntimeException e) {
                response = error("bad request: " + e.getMessage());
            }
            c.configureBlocking(true);
            c.write(ByteBuffer.wrap((JSON.writeValueAsString(response) + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            LOG.debug("control socket: a client went away: {}", e.getMessage());
        }
    }

    /** What {@code {"op":"status"}} answers: the node's own account of itself (listeners, queue, directory, uptime). */
    public void status(java.util.function.Supplier<JsonNode> status) {
        this.status = status;
    }

    /** What {@code {"op":"reload"}} answers: the node reads baton.yml again ({"ok":true,"changes":[..]} or ok false and the error). */
    public void reload(java.util.function.Supplier<JsonNode> reload) {
        this.reload = reload;
    }

    private JsonNode answer(JsonNode request) throws IOException {
        String op = request.path("op").asText("");
        if (op.equals("reload")) {
            java.util.function.Supplier<JsonNode> r = reload;
            return r == null ? error("this server cannot reload its configuration") : r.get();
        }
        if (op.equals("events-level")) {
            return eventsLevel(request);
        }
        if (op.equals("queue")) {
            return QueueRequests.answer(request, scheduler);
        }
        if (op.equals("status")) {
            java.util.function.Supplier<JsonNode> s = status;
            if (s == null) {
                return error("this server gives no status");
            }
            ObjectNode o = JSON.createObjectNode();
            o.put("ok", true);
            o.set("status", s.get());
            return o;
        }
        if (!op.equals("why-waiting")) {
            return error("unknown op \"" + op + "\" (known: why-waiting, events-level, status, reload, queue)");
        }
        String id = request.path("id").asText("");
        Map<RecipientId, WaitReason> reasons = scheduler.whyWaiting(id);
        Map<RecipientId, String> routes = scheduler.routes(id);
        ObjectNode o = JSON.createObjectNode();
        o.put("ok", true);
        o.put("id", id);
        ArrayNode rs = o.putArray("recipients");
        reasons.forEach((r, why) -> {
            ObjectNode n = rs.addObject();
            n.put("recipient", r.value());
            n.set("waiting", toJson(why));
            if (routes.get(r) != null) {
                n.put("route", routes.get(r));
            }
        });
        return o;
    }

    private JsonNode eventsLevel(JsonNode request) throws IOException {
        if (events == null) {
            return error("this server has no event log");
        }
        Category c = Category.parse(request.path("category").asText(""));
        DiagnosticLevel l = DiagnosticLevel.parse(request.path("level").asText(""));
        if (c == null || l == null) {
            return error("unknown category or level (categories: " + Category.keys() + "; levels: none, minimum, medium, maximum)");
        }
        String vs = request.hasNonNull("virtualServer") ? request.get("virtualServer").asText() : null;
        List<EventLog.LevelChange> changes;
        try {
            changes = events.setLevel(c, vs, l);
        } catch (IllegalArgumentException e) {
            return error(e.getMessage());
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("ok", true);
        ArrayNode cs = o.putArray("changes");
        for (EventLog.LevelChange ch : changes) {
            cs.add(describe(ch));
        }
        return o;
    }

    /** "SMTP Protocol on virtual server \"default\": None -> Medium". */
    public static String describe(EventLog.LevelChange ch) {
        return ch.category().title() + (ch.virtualServer() == null ? "" : " on virtual server \"" + ch.virtualServer() + "\"")
                + ": " + ch.from().title() + " -> " + ch.to().title();
    }

    /**
     * What the running server said to a level change, or why it could not be asked.
     *
     * @param changes     one line per level changed (see {@link #describe}); null when not changed
     * @param unavailable why the server was not asked (none runs, it did not answer); null when it answered
     * @param refused     why the server refused the change; null when it did not
     */
    public record LevelAnswer(List<String> changes, String unavailable, String refused) {
    }

    /** Asks the server running on this spool to set a diagnostic logging level (virtualServer null: all or none). */
    public static LevelAnswer setEventLevel(Path spoolRoot, Category c, DiagnosticLevel l, String virtualServer) {
        Path file = spoolRoot.resolve(FILE);
        if (!Files.exists(file)) {
            return new LevelAnswer(null, "no server is running on this data directory", null);
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(file));
            ObjectNode req = JSON.createObjectNode().put("op", "events-level").put("category", c.key()).put("level", l.key());
            if (virtualServer != null) {
                req.put("virtualServer", virtualServer);
            }
            ch.write(ByteBuffer.wrap((JSON.writeValueAsString(req) + "\n").getBytes(StandardCharsets.UTF_8)));
            JsonNode answer = JSON.readTree(readLine(ch, REQUEST_TIME));
            if (!answer.path("ok").asBoolean(false)) {
                return new LevelAnswer(null, null, answer.path("error").asText("?"));
            }
            List<String> changes = new ArrayList<>();
            answer.path("changes").forEach(n -> changes.add(n.asText()));
            return new LevelAnswer(changes, null, null);
        } catch (IOException e) {
            return new LevelAnswer(null, "the running server could not be asked at " + file + " (" + e.getMessage() + ")", null);
        }
    }

    private static ObjectNode error(String text) {
        ObjectNode o = JSON.createObjectNode();
        o.put("ok", false);
        o.put("error", text);
        return o;
    }

    /** A wait reason as the tools print it: its kind, a sentence, and its fields. */
    public static ObjectNode toJson(WaitReason why) {
        ObjectNode n = JSON.createObjectNode();
        n.put("kind", why.kind());
        n.put("text", why.describe());
        n.set("detail", JSON.valueToTree(why));
        return n;
    }

    /**
     * What the running server said about a message, or why it could not be asked.
     *
     * @param reasons     recipient number to its reason (see {@link #toJson}); null when not asked
     * @param unavailable why the server was not asked (none runs, it did not answer), null when it answered
     */
    public record Live(Map<Integer, JsonNode> reasons, String unavailable, Map<Integer, String> routes) {
        public Live(Map<Integer, JsonNode> reasons, String unavailable) {
            this(reasons, unavailable, Map.of());
        }

        public boolean answered() {
            return reasons != null;
        }
    }

    /** Asks the server running on this spool why the recipients of a message wait. */
    public static Live whyWaiting(Path spoolRoot, String id) {
        Path file = spoolRoot.resolve(FILE);
        if (!Files.exists(file)) {
            return new Live(null, "no server is running on this data directory");
        }
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(file));
            ObjectNode req = JSON.createObjectNode().put("op", "why-waiting").put("id", id);
            c.write(ByteBuffer.wrap((JSON.writeValueAsString(req) + "\n").getBytes(StandardCharsets.UTF_8)));
            JsonNode answer = JSON.readTree(readLine(c, REQUEST_TIME));
            if (!answer.path("ok").asBoolean(false)) {
                return new Live(null, "the running server refused the request: " + answer.path("error").asText("?"));
            }
            Map<Integer, JsonNode> out = new HashMap<>();
            Map<Integer, String> routes = new HashMap<>();
            for (JsonNode r : answer.path("recipients")) {
                out.put(r.path("recipient").asInt(), r.path("waiting"));
                if (r.hasNonNull("route")) {
                    routes.put(r.path("recipient").asInt(), r.get("route").asText());
                }
            }
            return new Live(out, null, routes);
        } catch (IOException e) {
            return new Live(null, "the running server could not be asked at " + file + " (" + e.getMessage() + ")");
        }
    }

    /**
     * The running server's status, or why it could not be asked.
     *
     * @param status      what the server said (see BatonNode.status), null when it was not asked
     * @param unavailable why not: none runs on this spool, or it did not answer
     */
    public record StatusAnswer(JsonNode status, String unavailable) {
    }

    /** Asks the server running on this spool how it is. */
    public static StatusAnswer askStatus(Path spoolRoot) {
        Path file = spoolRoot.resolve(FILE);
        if (!Files.exists(file)) {
            return new StatusAnswer(null, "no server is running on this data directory (no " + file + ")");
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(file));
            ch.write(ByteBuffer.wrap("{\"op\":\"status\"}\n".getBytes(StandardCharsets.UTF_8)));
            JsonNode answer = JSON.readTree(readLine(ch, REQUEST_TIME));
            if (!answer.path("ok").asBoolean(false)) {
                return new StatusAnswer(null, "the server at " + file + " said: " + answer.path("error").asText("?"));
            }
            return new StatusAnswer(answer.path("status"), null);
        } catch (IOException e) {
            return new StatusAnswer(null, "no server answers at " + file + " (" + e.getMessage() + ")");
        }
    }

    /**
     * What the running server said to a reload, or why it could not be asked.
     *
     * @param changes     one line per change put in force; null when not reloaded
     * @param unavailable why the server was not asked (none runs, it did not answer); null when it answered
     * @param refused     why the server refused the new baton.yml (then nothing changed); null when it did not
     */
    public record ReloadAnswer(List<String> changes, String unavailable, String refused) {
    }

    /** How long a reload may take (it reads the directory, certificates, binds ports). */
    private static final Duration RELOAD_TIME = Duration.ofSeconds(60);

    /** Asks the server running on this spool to read its baton.yml again and put it in force. */
    public static ReloadAnswer askReload(Path spoolRoot) {
        Path file = spoolRoot.resolve(FILE);
        if (!Files.exists(file)) {
            return new ReloadAnswer(null, "no server is running on this data directory (no " + file + ")", null);
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(file));
            ch.write(ByteBuffer.wrap("{\"op\":\"reload\"}\n".getBytes(StandardCharsets.UTF_8)));
            JsonNode answer = JSON.readTree(readLine(ch, RELOAD_TIME, 256 * 1024));
            if (!answer.path("ok").asBoolean(false)) {
                return new ReloadAnswer(null, null, answer.path("error").asText("?"));
            }
            List<String> changes = new ArrayList<>();
            answer.path("changes").forEach(n -> changes.add(n.asText()));
            return new ReloadAnswer(changes, null, null);
        } catch (IOException e) {
            return new ReloadAnswer(null, "no server answers at " + file + " (" + e.getMessage() + ")", null);
        }
    }

    /** One line (without its LF) of at most 4 KiB that must arrive within the time given. */
    static String readLine(SocketChannel c, Duration within) throws IOException {
        return readLine(c, within, MAX_REQUEST);
    }

    /** One line of at most max octets (an answer may be longer than a request). */
    static String readLine(SocketChannel c, Duration within, int max) throws IOException {
        c.configureBlocking(false);
        long deadline = System.nanoTime() + within.toNanos();
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        ByteBuffer buf = ByteBuffer.allocate(1024);
        try (Selector selector = Selector.open()) {
            c.register(selector, SelectionKey.OP_READ);
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    throw new IOException("no complete line within " + within.toSeconds() + " s");
                }
                selector.select(left);
                selector.selectedKeys().clear();
                buf.clear();
                int n = c.read(buf);
                if (n < 0) {
                    throw new IOException("closed before the end of the line");
                }
                for (int i = 0; i < n; i++) {
                    byte b = buf.get(i);
                    if (b == '\n') {
                        c.keyFor(selector).cancel();
                        return line.toString(StandardCharsets.UTF_8);
                    }
                    line.write(b);
                }
                if (line.size() > max) {
                    throw new IOException("line longer than " + max + " octets");
                }
            }
        }
    }

    /** A running server owns the spool already. */
    public static final class SpoolInUseException extends IOException {
        private static final long serialVersionUID = 1L;

        SpoolInUseException(String message) {
            super(message);
        }
    }

    /** Stops answering and removes the socket file. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.debug("cannot remove {}: {}", file, e.getMessage());
        }
    }
}
