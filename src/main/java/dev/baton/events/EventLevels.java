package dev.baton.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The diagnostic logging level of every category: per server, and per virtual server for the
 * categories that are ({@link Category#perVirtualServer()}). Immutable; a change makes a new
 * one. Anything not set is {@link DiagnosticLevel#NONE}, as Exchange ships.
 * <p>
 * Kept in {@code DIR/events/levels.json}, written whole to a temporary file and renamed over
 * the old one, so a reader never sees half of it:
 * <pre>{"server":{"queue":"minimum"},"virtualServers":{"default":{"smtp-protocol":"medium"}}}</pre>
 */
public final class EventLevels {

    /** The file's name in the events directory. */
    public static final String FILE = "levels.json";

    public static final EventLevels NONE = new EventLevels(new EnumMap<>(Category.class), new TreeMap<>());

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final EnumMap<Category, DiagnosticLevel> server;
    private final TreeMap<String, EnumMap<Category, DiagnosticLevel>> virtualServers;

    private EventLevels(EnumMap<Category, DiagnosticLevel> server, TreeMap<String, EnumMap<Category, DiagnosticLevel>> vss) {
        this.server = server;
        this.virtualServers = vss;
    }

    /**
     * The level of a category: of the virtual server for a per-virtual-server category (null or
     * unknown virtual server: NONE), else of the server.
     */
    public DiagnosticLevel level(Category c, String virtualServer) {
        Map<Category, DiagnosticLevel> m = c.perVirtualServer()
                ? (virtualServer == null ? null : virtualServers.get(virtualServer)) : server;
        DiagnosticLevel l = m == null ? null : m.get(c);
        return l == null ? DiagnosticLevel.NONE : l;
    }

    /** Whether the event, happening on this virtual server (or null), is written at these levels. */
    public boolean writes(Event e, String virtualServer) {
        return e.threshold() == DiagnosticLevel.NONE || level(e.category(), virtualServer).reaches(e.threshold());
    }

    /**
     * These levels with one changed. A per-virtual-server category needs the virtual server's
     * name; a per-server category takes none.
     */
    public EventLevels with(Category c, String virtualServer, DiagnosticLevel level) {
        if (c.perVirtualServer() != (virtualServer != null)) {
            throw new IllegalArgumentException(c.perVirtualServer()
                    ? "category " + c.key() + " is set per virtual server: name one"
                    : "category " + c.key() + " is set for the whole server, not per virtual server");
        }
        EnumMap<Category, DiagnosticLevel> s = new EnumMap<>(server);
        TreeMap<String, EnumMap<Category, DiagnosticLevel>> v = new TreeMap<>();
        virtualServers.forEach((k, m) -> v.put(k, new EnumMap<>(m)));
        if (virtualServer == null) {
            s.put(c, level);
        } else {
            v.computeIfAbsent(virtualServer, k -> new EnumMap<>(Category.class)).put(c, level);
        }
        return new EventLevels(s, v);
    }

    /** Reads the file; a missing file is all NONE. */
    public static EventLevels read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return NONE;
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (IOException e) {
            throw new IOException(file + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + " must be a JSON object like " + example());
        }
        EventLevels out = NONE;
        JsonNode srv = root.path("server");
        for (Map.Entry<String, JsonNode> e : srv.properties()) {
            Category c = category(file, e.getKey());
            if (c.perVirtualServer()) {
                throw new IOException(file + ": category " + c.key() + " is set per virtual server (under \"virtualServers\")");
            }
            out = out.with(c, null, level(file, e.getValue()));
        }
        for (Map.Entry<String, JsonNode> vs : root.path("virtualServers").properties()) {
            for (Map.Entry<String, JsonNode> e : vs.getValue().properties()) {
                Category c = category(file, e.getKey());
                if (!c.perVirtualServer()) {
                    throw new IOException(file + ": category " + c.key() + " is set for the whole server (under \"server\")");
                }
                out = out.with(c, vs.getKey(), level(file, e.getValue()));
            }
        }
        return out;
    }

    private static Category category(Path file, String key) throws IOException {
        Category c = Category.parse(key);
        if (c == null) {
            throw new IOException(file + ": \"" + key + "\" is not a category (known: " + Category.keys() + ")");
        }
        return c;
    }

    private static DiagnosticLevel level(Path file, JsonNode v) throws IOException {
        DiagnosticLevel l = DiagnosticLevel.parse(v.asText());
        if (l == null) {
            throw new IOException(file + ": \"" + v.asText() + "\" is not a level (none, minimum, medium, maximum or 0, 1, 3, 5)");
        }
        return l;
    }

    private static String example() {
        return "{\"server\":{\"queue\":\"minimum\"},\"virtualServers\":{\"default\":{\"smtp-protocol\":\"medium\"}}}";
    }

    /** Writes the file whole: to a temporary file beside it, then renamed over the old one. */
    public void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        ObjectNode root = JSON.createObjectNode();
        ObjectNode srv = root.putObject("server");
        server.forEach((c, l) -> srv.put(c.key(), l.key()));
        ObjectNode vss = root.putObject("virtualServers");
        virtualServers.forEach((name, m) -> {
            ObjectNode o = vss.putObject(name);
            m.forEach((c, l) -> o.put(c.key(), l.key()));
        });
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, JSON.writeValueAsString(root) + "\n", StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EventLevels l && l.server.equals(server) && l.virtualServers.equals(virtualServers);
    }

    @Override
    public int hashCode() {
        return server.hashCode() * 31 + virtualServers.hashCode();
    }

    @Override
    public String toString() {
        return "server " + server + ", virtual servers " + virtualServers;
    }
}
