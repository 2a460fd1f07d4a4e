package dev.baton.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.EventSettings;
import dev.baton.testing.ManualClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The event log's file: one JSON object per line, rotation and its cap, the drop policy, nothing lost at close, levels kept. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EventLogTest {

    @TempDir
    Path data;

    private Path events() {
        return data.resolve(EventLog.DIRECTORY);
    }

    private List<LoggedEvent> readAll() throws Exception {
        List<LoggedEvent> out = new ArrayList<>();
        new EventFiles(events()).read(out::add, bad -> {
            throw new AssertionError("a line that is not an event: " + bad);
        });
        return out;
    }

    @Test
    void aLineIsOneJsonObjectWithTimeInUtcIdLevelCategoryServerWhereTextAndFields() throws Exception {
        ManualClock clock = new ManualClock(Instant.parse("2026-12-03T10:15:02.114Z"));
        EventLog log = EventLog.open(data, "mx", List.of("default"), EventSettings.DEFAULT, clock);
        log.setLevel(Category.SMTP_PROTOCOL, "default", DiagnosticLevel.MEDIUM);
        log.emit(Event.REMOTE_COMMAND_REFUSED, new Where("default", 3, "Q1"), 1, 3L, "peer.test[127.0.0.1]:25", "RCPT",
                "550 5.1.1 \"no\" such user", "RCPT TO:<x@peer.test>");
        log.emit(Event.SERVER_STOPPED, Where.SERVER, "mx");
        log.close();

        List<String> lines = Files.readAllLines(events().resolve(EventLog.FILE));
        assertThat(lines).hasSize(3); // the level change, 7004, the stop
        JsonNode n = new ObjectMapper().readTree(lines.get(1));
        assertThat(n.get("time").asText()).isEqualTo("2026-12-03T10:15:02.114Z");
        assertThat(n.get("id").asInt()).isEqualTo(7004);
        assertThat(n.get("level").asText()).isEqualTo("error");
        assertThat(n.get("category").asText()).isEqualTo("SMTP Protocol");
        assertThat(n.get("server").asText()).isEqualTo("mx");
        assertThat(n.get("virtualServer").asText()).isEqualTo("default");
        assertThat(n.get("connection").asLong()).isEqualTo(3);
        assertThat(n.get("queueId").asText()).isEqualTo("Q1");
        assertThat(n.get("text").asText()).isEqualTo("This is an SMTP protocol error log for virtual server ID 1, connection #3."
                + " The remote host \"peer.test[127.0.0.1]:25\", responded to the SMTP command \"RCPT\" with"
                + " \"550 5.1.1 \"no\" such user\". The full command sent was \"RCPT TO:<x@peer.test>\". This will probably cause"
                + " the connection to fail.");
        assertThat(n.get("fields").get("host").asText()).isEqualTo("peer.test[127.0.0.1]:25");
        assertThat(n.get("fields").get("verb").asText()).isEqualTo("RCPT");
        JsonNode stop = new ObjectMapper().readTree(lines.get(2));
        assertThat(stop.has("virtualServer")).isFalse();
        assertThat(stop.has("connection")).isFalse();
        assertThat(stop.has("queueId")).isFalse();
    }

    @Test
    void rotatesBeforeAFileWouldPassItsSizeAndKeepsAtMostMaxFiles() throws Exception {
        EventLog log = EventLog.open(data, "mx", List.of("default"), new EventSettings(4096, 3), Clock.systemUTC());
        int n = 200; // about 200 octets a line: some 10 files' worth
        for (int i = 0; i < n; i++) {
            log.emit(Event.DELIVERY_FAILED, Where.message("Q" + i), "Q" + i, "r@example.test", "550 5.1.1 unknown");
        }
        log.close();

        assertThat(events().resolve("events.log")).exists();
        assertThat(events().resolve("events.log.1")).exists();
        assertThat(events().resolve("events.log.2")).exists();
        assertThat(events().resolve("events.log.3")).doesNotExist();
        for (Path p : new EventFiles(events()).files()) {
            assertThat(Files.size(p)).as(p.toString()).isLessThanOrEqualTo(4096);
        }
        // oldest first, no gap: the newest events, in order, up to the last one
        List<LoggedEvent> kept = readAll();
        assertThat(kept.size()).isBetween(30, 60);
        int first = n - kept.size();
        for (int i = 0; i < kept.size(); i++) {
            assertThat(kept.get(i).queueId()).isEqualTo("Q" + (first + i));
        }
    }

    @Test
    void aFullQueueDropsEventsCountsThemAndSaysSoWhenThereIsRoomAgain() throws Exception {
        Files.createDirectories(events());
        EventLog log = new EventLog(events(), "mx", List.of("default"), EventSettings.DEFAULT, Clock.systemUTC(), EventLevels.NONE, 10);
        for (int i = 0; i < 15; i++) { // the writer is not started: the queue fills up and emit must not wait
            log.emit(Event.DELIVERY_FAILED, Where.message("Q" + i), "Q" + i, "r@example.test", "550 5.1.1 unknown");
        }
        assertThat(log.droppedEvents()).isEqualTo(5);
        log.start();
        log.close();

        List<LoggedEvent> written = readAll();
        assertThat(written).hasSize(11);
        assertThat(written.subList(0, 10)).extracting(LoggedEvent::queueId)
                .containsExactly("Q0", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7", "Q8", "Q9");
        assertThat(written.get(10).id()).isEqualTo(4904);
        assertThat(written.get(10).text()).isEqualTo("5 events were dropped because the event log could not keep up.");
    }

    @Test
    void closeWritesEveryEventEmittedBeforeIt() throws Exception {
        EventLog log = EventLog.open(data, "mx", List.of("default"), EventSettings.DEFAULT, Clock.systemUTC());
        for (int i = 0; i < 10_000; i++) {
            log.emit(Event.DELIVERY_FAILED, Where.message("Q" + i), "Q" + i, "r@example.test", "550 5.1.1 unknown");
        }
        log.close();
        assertThat(log.droppedEvents()).isZero();
        List<LoggedEvent> written = readAll();
        assertThat(written).hasSize(10_000);
        assertThat(written.get(9_999).queueId()).isEqualTo("Q9999");
    }

    @Test
    void levelsAreKeptInLevelsJsonAndComeBackWhenTheLogIsOpenedAgain() throws Exception {
        EventLog log = EventLog.open(data, "mx", List.of("default", "submission"), EventSettings.DEFAULT, Clock.systemUTC());
        List<EventLog.LevelChange> changes = log.setLevel(Category.SMTP_PROTOCOL, null, DiagnosticLevel.MEDIUM);
        log.setLevel(Category.AUTHENTICATION, "submission", DiagnosticLevel.MAXIMUM);
        log.setLevel(Category.QUEUE, null, DiagnosticLevel.MINIMUM);
        log.close();
        assertThat(changes).extracting(EventLog.LevelChange::virtualServer).containsExactly("default", "submission");
        assertThat(events().resolve("levels.json")).exists();
        assertThat(events().resolve("levels.json.tmp")).doesNotExist();

        EventLog again = EventLog.open(data, "mx", List.of("default", "submission"), EventSettings.DEFAULT, Clock.systemUTC());
        try {
            EventLevels l = again.levels();
            assertThat(l.level(Category.SMTP_PROTOCOL, "default")).isEqualTo(DiagnosticLevel.MEDIUM);
            assertThat(l.level(Category.SMTP_PROTOCOL, "submission")).isEqualTo(DiagnosticLevel.MEDIUM);
            assertThat(l.level(Category.AUTHENTICATION, "default")).isEqualTo(DiagnosticLevel.NONE);
            assertThat(l.level(Category.AUTHENTICATION, "submission")).isEqualTo(DiagnosticLevel.MAXIMUM);
            assertThat(l.level(Category.QUEUE, null)).isEqualTo(DiagnosticLevel.MINIMUM);
            assertThat(l.level(Category.DELIVERY, null)).isEqualTo(DiagnosticLevel.NONE);
        } finally {
            again.close();
        }
        assertThat(readAll()).extracting(LoggedEvent::id).containsExactly(4903, 4903, 4903, 4903);
    }

    @Test
    void aLevelForAnUnknownVirtualServerOrAVirtualServerOfAServerCategoryIsRefused() throws Exception {
        EventLog log = EventLog.open(data, "mx", List.of("default"), EventSettings.DEFAULT, Clock.systemUTC());
        try {
            assertThatThrownBy(() -> log.setLevel(Category.SMTP_PROTOCOL, "nope", DiagnosticLevel.MEDIUM))
                    .hasMessageContaining("no virtual server \"nope\" (known: default)");
            assertThatThrownBy(() -> log.setLevel(Category.QUEUE, "default", DiagnosticLevel.MEDIUM))
                    .hasMessageContaining("set for the whole server");
        } finally {
            log.close();
        }
    }

    @Test
    void anUnreadableLevelsFileLeavesEveryCategoryAtNone() throws Exception {
        Files.createDirectories(events());
        Files.writeString(events().resolve("levels.json"), "{\"server\":{\"queue\":\"loud\"}}");
        assertThatThrownBy(() -> EventLevels.read(events().resolve("levels.json"))).hasMessageContaining("\"loud\" is not a level");
        EventLog log = EventLog.open(data, "mx", List.of("default"), EventSettings.DEFAULT, Clock.systemUTC());
        log.close();
        assertThat(log.levels()).isEqualTo(EventLevels.NONE);
    }
}
