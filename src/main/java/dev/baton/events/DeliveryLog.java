package dev.baton.events;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.baton.config.DeliveryLogSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * A server's delivery log, {@code DIR/logs/delivery.log} (docs/logs.md, ADR 0017): one line per
 * message received, per recipient outcome, per notification and per removal, as Postfix's
 * maillog has them, or as JSON lines with the same fields. Written as the event log is (one
 * writer thread, a bounded queue that drops and counts rather than waits, rotation by size).
 */
public final class DeliveryLog implements AutoCloseable {

    /** The directory in the data directory: the protocol logs are there too. */
    public static final String DIRECTORY = "logs";
    public static final String FILE = "delivery.log";
    static final int CAPACITY = 16_384;

    /** A log that writes nothing ({@code deliveryLog.enabled: false}). */
    public static final DeliveryLog OFF = new DeliveryLog();

    private static final JsonFactory JSON = new JsonFactory();
    /** Fixed width, to the millisecond, UTC: lines of one second line up and sort as text. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final String server;
    private final boolean json;
    private final RotatingLineFile<DeliveryRecord> file;

    private DeliveryLog(Path file, String server, DeliveryLogSettings settings, int capacity, Clock clock) {
        this.server = server;
        this.json = settings.json();
        this.file = new RotatingLineFile<>(file, "delivery log", settings.maxFileSize(), settings.maxFiles(), capacity,
                "delivery-log-" + server, (r, line) -> render(this.server, this.json, r, line),
                n -> new DeliveryRecord.Dropped(clock.instant(), n));
    }

    private DeliveryLog() {
        this.server = null;
        this.json = false;
        this.file = null;
    }

    /** Opens {@code dataDir/logs/delivery.log} and starts its writer; {@link #OFF} when the settings disable it. */
    public static DeliveryLog open(Path dataDir, String server, DeliveryLogSettings settings, Clock clock) throws IOException {
        if (!settings.enabled()) {
            return OFF;
        }
        DeliveryLog log = new DeliveryLog(file(dataDir), server, settings, CAPACITY, clock);
        log.file.start();
        return log;
    }

    /** Where the log of a data directory is. */
    public static Path file(Path dataDir) {
        return dataDir.resolve(DIRECTORY).resolve(FILE);
    }

    public boolean enabled() {
        return file != null;
    }

    /** Writes a record; never blocks (when the writer is behind, the record is counted as dropped). */
    public void write(DeliveryRecord r) {
        if (file != null) {
            file.offer(r);
        }
    }

    /** Records dropped since the start because the writer was behind (or the disk failed). */
    public long droppedRecords() {
        return file == null ? 0 : file.droppedTotal();
    }

    /**
     * For a tool acting beside the server (an administrator deleting a message): appends one
     * record directly, if the settings enable the log.
     */
    public static void appendOne(Path dataDir, String server, DeliveryLogSettings settings, DeliveryRecord r) throws IOException {
        if (!settings.enabled()) {
            return;
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream(256);
        render(server, settings.json(), r, b);
        RotatingLineFile.appendOne(file(dataDir), b.toByteArray());
    }

    /**
     * One record as one line with its LF. Text: {@code TIME SERVER QUEUEID: key=value, key=<address>,
     * status=sent (reply)}, or {@code TIME SERVER QUEUEID: removed} for a record without fields.
     * JSON: {@code time}, {@code server}, {@code queueId}, {@code record}, then the fields by the same names.
     */
    static void render(String server, boolean json, DeliveryRecord r, ByteArrayOutputStream to) throws IOException {
        List<DeliveryRecord.Field> fields = r.fields();
        if (json) {
            try (JsonGenerator g = JSON.createGenerator(to, JsonEncoding.UTF8)) {
                g.writeStartObject();
                g.writeStringField("time", TIME.format(r.time()));
                g.writeStringField("server", server);
                if (r.queueId() != null) {
                    g.writeStringField("queueId", r.queueId());
                }
                g.writeStringField("record", r.kind());
                for (DeliveryRecord.Field f : fields) {
                    g.writeFieldName(f.key());
                    if (f.form() == DeliveryRecord.Form.NUMBER) {
                        g.writeNumber(f.value());
                    } else {
                        g.writeString(f.value());
                    }
                }
                g.writeEndObject();
            }
            to.write('\n');
            return;
        }
        StringBuilder b = new StringBuilder(256);
        b.append(TIME.format(r.time())).append(' ').append(server).append(' ');
        if (r.queueId() != null) {
            b.append(r.queueId()).append(": ");
        }
        if (fields.isEmpty()) {
            b.append(r.kind());
        }
        for (int i = 0; i < fields.size(); i++) {
            DeliveryRecord.Field f = fields.get(i);
            switch (f.form()) {
                case PAREN -> b.append(" (").append(f.value()).append(')');
                case ADDRESS -> b.append(i == 0 ? "" : ", ").append(f.key()).append("=<").append(f.value()).append('>');
                case PLAIN, NUMBER -> b.append(i == 0 ? "" : ", ").append(f.key()).append('=').append(f.value());
            }
        }
        b.append('\n');
        to.write(b.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Writes every record written before this call, then closes the file. */
    @Override
    public void close() {
        if (file != null) {
            file.close();
        }
    }
}
