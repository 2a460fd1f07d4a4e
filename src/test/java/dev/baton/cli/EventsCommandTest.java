package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.config.ConfigLoader;
import dev.baton.config.EventSettings;
import dev.baton.events.Category;
import dev.baton.events.DiagnosticLevel;
import dev.baton.events.Event;
import dev.baton.events.EventLevels;
import dev.baton.events.EventLog;
import dev.baton.events.Where;
import dev.baton.node.BatonNode;
import dev.baton.testing.Eventually;
import dev.baton.testing.ManualClock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code baton events} reads and filters the log (rotated files too, oldest first) and follows
 * it; {@code baton events level} changes a running server's level through its control socket,
 * or writes levels.json when none runs; levels survive a restart.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EventsCommandTest {

    private static final String CONFIG = """
            server: { name: mx, fqdn: mx.example.test }
            acceptedDomains: [example.test]
            virtualServers:
              - { name: default, address: 127.0.0.1, port: 0, tls: { mode: "off" } }
              - { name: submission, address: 127.0.0.1, port: 0, tls: { mode: "off" } }
            """;

    @TempDir
    Path dir;

    private Path dataDir() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("baton.yml"), CONFIG);
        return data;
    }

    private static BatonNode start(Path data) throws Exception {
        return BatonNode.start(ConfigLoader.load(data.resolve("baton.yml")), data);
    }

    private static void refused(EventLog log, int connection) {
        log.emit(Event.CLIENT_COMMAND_REFUSED, Where.session("default", connection), 1, connection, "192.0.2.7", "RCPT",
                "550 5.1.1 unknown", "RCPT TO:<x@example.test>");
    }

    private static void failed(EventLog log, String id) {
        log.emit(Event.DELIVERY_FAILED, Where.message(id), id, "r@example.test", "550 5.1.1 unknown");
    }

    /** Two hours ago: a 7010 and a 4303; five minutes ago: the same again. */
    private Path dataDirWithEvents() throws Exception {
        Path data = dataDir();
        Instant now = Instant.now();
        ManualClock clock = new ManualClock(now.minus(Duration.ofHours(2)));
        EventLog log = EventLog.open(data, "mx", List.of("default"), EventSettings.DEFAULT, clock);
        log.setLevel(Category.SMTP_PROTOCOL, "default", DiagnosticLevel.MEDIUM);
        refused(log, 1);
        failed(log, "OLD");
        clock.now = now.minus(Duration.ofMinutes(5));
        refused(log, 2);
        failed(log, "NEW");
        log.close();
        return data;
    }

    @Test
    void eventsShowsOneLinePerEventWithTimeIdLevelCategoryVirtualServerAndText() throws Exception {
        Path data = dataDirWithEvents();
        BatonCliTest.Result r = BatonCliTest.run("events", "--data-dir", data.toString(), "--id", "7010");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z 7010 warning SMTP Protocol default This is an SMTP"
                + " protocol log for virtual server ID 1, connection #1\\. .*");
    }

    @Test
    void eventsFiltersByLevelAndSinceATimeAgoOrAnInstant() throws Exception {
        Path data = dataDirWithEvents();
        BatonCliTest.Result errors = BatonCliTest.run("events", "--data-dir", data.toString(), "--level", "error");
        assertThat(errors.out().lines().toList()).hasSize(2).allMatch(l -> l.contains(" 4303 error Delivery - "));

        BatonCliTest.Result recent = BatonCliTest.run("events", "--data-dir", data.toString(), "--since", "1h");
        assertThat(recent.out().lines().toList()).hasSize(2)
                .anyMatch(l -> l.contains("connection #2.")).anyMatch(l -> l.contains("message NEW"));

        String instant = Instant.now().minus(Duration.ofHours(3)).toString();
        BatonCliTest.Result all = BatonCliTest.run("events", "--data-dir", data.toString(), "--since", instant, "--id", "4303");
        assertThat(all.out().lines().toList()).hasSize(2);

        BatonCliTest.Result bad = BatonCliTest.run("events", "--data-dir", data.toString(), "--since", "yesterday");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--since yesterday is neither an instant", "10m");
    }

    @Test
    void eventsJsonPrintsTheLinesAsStored() throws Exception {
        Path data = dataDirWithEvents();
        BatonCliTest.Result r = BatonCliTest.run("events", "--data-dir", data.toString(), "--json", "--id", "4303", "--since", "1h");
        assertThat(r.out().lines().toList()).singleElement().satisfies(l -> assertThat(l)
                .startsWith("{\"time\":\"").contains("\"id\":4303,\"level\":\"error\",\"category\":\"Delivery\",\"server\":\"mx\","
                        + "\"queueId\":\"NEW\""));
    }

    @Test
    void eventsReadsTheRotatedFilesOldestFirst() throws Exception {
        Path data = dataDir();
        EventLog log = EventLog.open(data, "mx", List.of("default"), new EventSettings(4096, 10), Clock.systemUTC());
        for (int i = 0; i < 60; i++) {
            failed(log, "Q" + i);
        }
        log.close();
        assertThat(data.resolve("events/events.log.2")).exists();
        BatonCliTest.Result r = BatonCliTest.run("events", "--data-dir", data.toString());
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(60);
        for (int i = 0; i < 60; i++) {
            assertThat(lines.get(i)).contains("message Q" + i + " ");
        }
    }

    @Test
    void eventsFollowPrintsNewEventsAcrossRotationsUntilInterrupted() throws Exception {
        Path data = dataDir();
        EventLog log = EventLog.open(data, "mx", List.of("default"), new EventSettings(4096, 10), Clock.systemUTC());
        failed(log, "Q0");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AtomicInteger exit = new AtomicInteger(-1);
        Thread follower = Thread.ofPlatform().name("events-follow").start(() -> {
            var cl = Baton.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            exit.set(cl.execute("events", "--data-dir", data.toString(), "--follow", "--id", "4303"));
        });
        try {
            Eventually.await("the first event followed", () -> out.toString().contains("message Q0 "));
            for (int i = 1; i < 60; i++) { // some 3 rotations
                failed(log, "Q" + i);
                log.emit(Event.SERVER_STOPPED, Where.SERVER, "filtered out");
            }
            Eventually.await("all 60 events followed", () -> out.toString().contains("message Q59 "));
            assertThat(data.resolve("events/events.log.2")).exists();
        } finally {
            follower.interrupt();
            follower.join(10_000);
            log.close();
        }
        assertThat(follower.isAlive()).as("follow ends when interrupted").isFalse();
        assertThat(exit.get()).as(err.toString()).isZero();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(60);
        for (int i = 0; i < 60; i++) {
            assertThat(lines.get(i)).contains("message Q" + i + " ");
        }
    }

    @Test
    void eventsLevelChangesARunningServersLevelThroughTheControlSocketAndTheLevelSurvivesARestart() throws Exception {
        Path data = dataDir();
        try (BatonNode node = start(data)) {
            BatonCliTest.Result r = BatonCliTest.run("events", "level", "smtp-protocol", "3", "--virtual-server", "submission",
                    "--data-dir", data.toString());
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("SMTP Protocol on virtual server \"submission\": None -> Medium", "set in the running server");
            assertThat(node.events().levels().level(Category.SMTP_PROTOCOL, "submission")).isEqualTo(DiagnosticLevel.MEDIUM);
            assertThat(node.events().levels().level(Category.SMTP_PROTOCOL, "default")).isEqualTo(DiagnosticLevel.NONE);

            BatonCliTest.Result q = BatonCliTest.run("events", "level", "queue", "minimum", "--data-dir", data.toString());
            assertThat(q.exit()).as(q.err()).isZero();
            assertThat(node.events().levels().level(Category.QUEUE, null)).isEqualTo(DiagnosticLevel.MINIMUM);
        }
        try (BatonNode again = start(data)) {
            assertThat(again.events().levels().level(Category.SMTP_PROTOCOL, "submission")).isEqualTo(DiagnosticLevel.MEDIUM);
            assertThat(again.events().levels().level(Category.QUEUE, null)).isEqualTo(DiagnosticLevel.MINIMUM);
        }
        BatonCliTest.Result shown = BatonCliTest.run("events", "--data-dir", data.toString(), "--id", "4903");
        assertThat(shown.out()).contains("The diagnostic logging level of SMTP Protocol for virtual server \"submission\" changed"
                + " from None to Medium.");
    }

    @Test
    void eventsLevelWithoutARunningServerWritesTheFileAndSaysSo() throws Exception {
        Path data = dataDir();
        BatonCliTest.Result r = BatonCliTest.run("events", "level", "all", "medium", "--data-dir", data.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("no server is running on this data directory: written to", "levels.json",
                "SMTP Protocol on virtual server \"default\": None -> Medium",
                "SMTP Protocol on virtual server \"submission\": None -> Medium", "Delivery: None -> Medium");
        EventLevels levels = EventLevels.read(data.resolve("events/levels.json"));
        assertThat(levels.level(Category.AUTHENTICATION, "submission")).isEqualTo(DiagnosticLevel.MEDIUM);
        try (BatonNode node = start(data)) {
            assertThat(node.events().levels().level(Category.DELIVERY, null)).isEqualTo(DiagnosticLevel.MEDIUM);
        }
    }

    @Test
    void eventsLevelRefusesWhatItCannotSet() throws Exception {
        Path data = dataDir();
        BatonCliTest.Result level = BatonCliTest.run("events", "level", "queue", "loud", "--data-dir", data.toString());
        assertThat(level.exit()).isEqualTo(2);
        assertThat(level.err()).contains("\"loud\" is not a level");
        BatonCliTest.Result category = BatonCliTest.run("events", "level", "smtp", "1", "--data-dir", data.toString());
        assertThat(category.err()).contains("\"smtp\" is not a category (smtp-protocol, authentication");
        BatonCliTest.Result vs = BatonCliTest.run("events", "level", "queue", "1", "--virtual-server", "default",
                "--data-dir", data.toString());
        assertThat(vs.err()).contains("set for the whole server: leave out --virtual-server");
        BatonCliTest.Result unknown = BatonCliTest.run("events", "level", "smtp-protocol", "1", "--virtual-server", "x",
                "--data-dir", data.toString());
        assertThat(unknown.err()).contains("no virtual server \"x\"", "known: default, submission");
    }

    @Test
    void eventsHelpShowsAnExample() {
        BatonCliTest.Result r = BatonCliTest.run("events", "--help");
        assertThat(r.out()).contains("--follow", "--since", "Examples:", "baton events --id 7010 --since 1h");
        BatonCliTest.Result l = BatonCliTest.run("events", "level", "--help");
        assertThat(l.out()).contains("Examples:", "baton events level smtp-protocol medium");
    }
}
