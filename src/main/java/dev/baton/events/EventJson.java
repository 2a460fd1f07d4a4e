package dev.baton.events;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One event as one line of JSON: {@code time} (ISO-8601, UTC "Z"), {@code id}, {@code level},
 * {@code category}, {@code server}, then {@code virtualServer}, {@code connection} and
 * {@code queueId} where there is one, {@code text} and {@code fields}.
 */
public final class EventJson {

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final ObjectMapper READER = new ObjectMapper();

    private EventJson() {
    }

    /** Appends the line (with its LF) to the buffer. */
    static void write(LoggedEvent e, ByteArrayOutputStream to) throws IOException {
        try (JsonGenerator g = FACTORY.createGenerator(to, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("time", e.time().toString());
            g.writeNumberField("id", e.id());
            g.writeStringField("level", e.level().key());
            g.writeStringField("category", e.category().title());
            g.writeStringField("server", e.server());
            if (e.virtualServer() != null) {
                g.writeStringField("virtualServer", e.virtualServer());
            }
            if (e.connection() != 0) {
                g.writeNumberField("connection", e.connection());
            }
            if (e.queueId() != null) {
                g.writeStringField("queueId", e.queueId());
            }
            g.writeStringField("text", e.text());
            g.writeObjectFieldStart("fields");
            for (Map.Entry<String, String> f : e.fields().entrySet()) {
                g.writeStringField(f.getKey(), f.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        to.write('\n');
    }

    /** The line as JSON text, without its LF. */
    public static String toJson(LoggedEvent e) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(512);
        try {
            write(e, b);
        } catch (IOException impossible) {
            throw new IllegalStateException(impossible);
        }
        String s = b.toString(java.nio.charset.StandardCharsets.UTF_8);
        return s.substring(0, s.length() - 1);
    }

    /** Reads one line; throws IOException naming what is wrong when it is not an event. */
    public static LoggedEvent parse(String line) throws IOException {
        JsonNode n = READER.readTree(line);
        if (n == null || !n.isObject() || !n.has("id") || !n.has("time")) {
            throw new IOException("not an event line: " + (line.length() > 80 ? line.substring(0, 80) + "..." : line));
        }
        Severity level = Severity.parse(n.path("level").asText(""));
        Category category = Category.parse(n.path("category").asText(""));
        if (level == null || category == null) {
            throw new IOException("unknown level or category in: " + line);
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> f : n.path("fields").properties()) {
            fields.put(f.getKey(), f.getValue().asText());
        }
        Instant time;
        try {
            time = Instant.parse(n.path("time").asText());
        } catch (java.time.format.DateTimeParseException e) {
            throw new IOException("bad time in: " + line, e);
        }
        return new LoggedEvent(time, n.path("id").asInt(), level, category, n.path("server").asText(""),
                n.hasNonNull("virtualServer") ? n.get("virtualServer").asText() : null, n.path("connection").asLong(0),
                n.hasNonNull("queueId") ? n.get("queueId").asText() : null, n.path("text").asText(""), fields);
    }
}
