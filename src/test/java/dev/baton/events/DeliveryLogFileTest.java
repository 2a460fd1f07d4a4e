package dev.baton.events;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.DeliveryLogSettings;
import dev.baton.events.DeliveryRecord.Status;
import dev.baton.mail.Principal;
import dev.baton.testing.ManualClock;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The delivery log's lines as text and as JSON, its rotation and cap, and the next hop's queue id read from its reply. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DeliveryLogFileTest {

    private static final Instant T = Instant.parse("2026-12-03T10:15:02Z");

    @TempDir
    Path data;

    private static String text(DeliveryRecord r) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DeliveryLog.render("mx", false, r, b);
        return b.toString(StandardCharsets.UTF_8);
    }

    private static JsonNode json(DeliveryRecord r) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DeliveryLog.render("mx", true, r, b);
        String line = b.toString(StandardCharsets.UTF_8);
        assertThat(line).endsWith("\n").doesNotContain("\n\n");
        return new ObjectMapper().readTree(line);
    }

    private static DeliveryRecord.Delivery delivery(String queueId) {
        return new DeliveryRecord.Delivery(T, queueId, "bob@b.test", "robert@b.test", "mx.b.test[192.0.2.7]:25", null, null, null,
                Duration.ofMillis(2346), Duration.ofMillis(1004), Duration.ofMillis(1342), "2.0.0", Status.SENT,
                "250 2.0.0 Ok: queued as 4XyZ (in reply to end of data)", "4XyZ");
    }

    @Test
    void aLineReadsAsPostfixWritesItWithTheReplyInParenthesesAfterTheStatus() throws Exception {
        assertThat(text(delivery("Q1"))).isEqualTo("2026-12-03T10:15:02.000Z mx Q1: to=<bob@b.test>, orig_to=<robert@b.test>,"
                + " relay=mx.b.test[192.0.2.7]:25, delay=2.35, delays=1.00/1.34, dsn=2.0.0, queued_as=4XyZ,"
                + " status=sent (250 2.0.0 Ok: queued as 4XyZ (in reply to end of data))\n");
        assertThat(text(new DeliveryRecord.Delivery(T, "Q1", "bob@b.test", null, "mx2.b.test[192.0.2.8]:25",
                "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384", "smtp/mx2.b.test", "X-EXPS GSSAPI", Duration.ofMillis(120),
                Duration.ofMillis(20), Duration.ofMillis(100), "2.0.0", Status.SENT, "250 2.0.0 OK queued as Q7 (in reply to end of data)",
                "Q7"))).as("a hop over TLS to an organization server it authenticated to")
                .isEqualTo("2026-12-03T10:15:02.000Z mx Q1: to=<bob@b.test>, relay=mx2.b.test[192.0.2.8]:25,"
                        + " tls=TLSv1.3 with cipher TLS_AES_256_GCM_SHA384, auth_to=smtp/mx2.b.test, auth_method=X-EXPS GSSAPI,"
                        + " delay=0.12, delays=0.02/0.10, dsn=2.0.0, queued_as=Q7, status=sent (250 2.0.0 OK queued as Q7 (in reply to end of data))\n");
        assertThat(text(new DeliveryRecord.Received(T, "Q1", "default", 7, "192.0.2.1", "client.test", "ESMTPSA",
                "TLSv1.3 with cipher TLS_AES_128_GCM_SHA256", new Principal.User("alice@a.test", "PLAIN"), "alice@a.test", 1234, 2)))
                .isEqualTo("2026-12-03T10:15:02.000Z mx Q1: client=[192.0.2.1], helo=<client.test>, virtual_server=default,"
                        + " connection=7, protocol=ESMTPSA, tls=TLSv1.3 with cipher TLS_AES_128_GCM_SHA256, auth=alice@a.test,"
                        + " auth_as=user, auth_method=PLAIN, from=<alice@a.test>, size=1234, nrcpt=2\n");
        assertThat(text(new DeliveryRecord.Received(T, "Q1", "default", 7, "192.0.2.1", null, "SMTP", null, Principal.ANONYMOUS,
                "", 10, 1))).as("anonymous: no auth fields; the null sender as <>")
                .isEqualTo("2026-12-03T10:15:02.000Z mx Q1: client=[192.0.2.1], virtual_server=default, connection=7, protocol=SMTP,"
                        + " from=<>, size=10, nrcpt=1\n");
        assertThat(text(new DeliveryRecord.Notified(T, "Q1", "failure", "Q2")))
                .isEqualTo("2026-12-03T10:15:02.000Z mx Q1: notice=failure, notice_id=Q2\n");
        assertThat(text(new DeliveryRecord.Removed(T, "Q1"))).isEqualTo("2026-12-03T10:15:02.000Z mx Q1: removed\n");
    }

    @Test
    void aJsonLineHasTheTextLinesFieldsByTheSameNamesWithNumbersAsNumbers() throws Exception {
        JsonNode n = json(delivery("Q1"));
        assertThat(n.get("time").asText()).isEqualTo("2026-12-03T10:15:02.000Z");
        assertThat(n.get("server").asText()).isEqualTo("mx");
        assertThat(n.get("queueId").asText()).isEqualTo("Q1");
        assertThat(n.get("record").asText()).isEqualTo("delivery");
        for (DeliveryRecord.Field f : delivery("Q1").fields()) {
            assertThat(n.get(f.key()).asText()).as(f.key()).isEqualTo(f.value());
        }
        assertThat(n.get("delay").isNumber()).isTrue();
        assertThat(n.get("delay").asDouble()).isEqualTo(2.35);
        assertThat(n.get("reply").asText()).isEqualTo("250 2.0.0 Ok: queued as 4XyZ (in reply to end of data)");
        JsonNode removed = json(new DeliveryRecord.Removed(T, "Q1"));
        assertThat(removed.get("record").asText()).isEqualTo("removed");
        assertThat(removed.size()).isEqualTo(4);
    }

    @Test
    void rotationCapsEachFilesSizeAndTheNumberOfFiles() throws Exception {
        DeliveryLog log = DeliveryLog.open(data, "mx", new DeliveryLogSettings(true, false, 4096, 3), new ManualClock(T));
        int n = 200; // about 230 octets a line: some 11 files' worth
        for (int i = 0; i < n; i++) {
            log.write(delivery("Q" + i));
        }
        log.close();
        Path file = DeliveryLog.file(data);
        List<Path> files = List.of(RotatingLineFile.rotated(file, 2), RotatingLineFile.rotated(file, 1), file);
        for (Path p : files) {
            assertThat(p).exists();
            assertThat(Files.size(p)).as(p.toString()).isLessThanOrEqualTo(4096);
        }
        assertThat(RotatingLineFile.rotated(file, 3)).doesNotExist();
        List<String> kept = new ArrayList<>();
        for (Path p : files) {
            kept.addAll(Files.readAllLines(p));
        }
        assertThat(kept.size()).isBetween(30, 60);
        int first = n - kept.size();
        for (int i = 0; i < kept.size(); i++) {
            assertThat(kept.get(i)).as("oldest first, no gap").contains(" Q" + (first + i) + ": ");
        }
        assertThat(log.droppedRecords()).isZero();
    }

    @Test
    void aToolsAppendedLineLandsInTheSameFileInTheSameForm() throws Exception {
        DeliveryLogSettings json = new DeliveryLogSettings(true, true, 1 << 20, 2);
        DeliveryLog.appendOne(data, "mx", json, new DeliveryRecord.Removed(T, "Q9"));
        DeliveryLog.appendOne(data, "mx", new DeliveryLogSettings(false, false, 1 << 20, 2), new DeliveryRecord.Removed(T, "Q10"));
        assertThat(Files.readAllLines(DeliveryLog.file(data)))
                .containsExactly("{\"time\":\"2026-12-03T10:15:02.000Z\",\"server\":\"mx\",\"queueId\":\"Q9\",\"record\":\"removed\"}");
    }

    @Test
    void theNextHopsQueueIdIsReadFromPostfixBatonAndEximReplies() {
        assertThat(DeliveryRecord.remoteQueueId("250 2.0.0 Ok: queued as 4Qx1Lk2Bz9z1")).isEqualTo("4Qx1Lk2Bz9z1");
        assertThat(DeliveryRecord.remoteQueueId("250 2.0.0 OK queued as MX6DI93J028DEQ")).isEqualTo("MX6DI93J028DEQ");
        assertThat(DeliveryRecord.remoteQueueId("250 OK id=1tH2bX-000Abc-4Z")).isEqualTo("1tH2bX-000Abc-4Z");
        assertThat(DeliveryRecord.remoteQueueId("250 2.0.0 queued as ABC123.")).isEqualTo("ABC123");
        assertThat(DeliveryRecord.remoteQueueId("250 2.0.0 Message accepted for delivery")).isNull();
        assertThat(DeliveryRecord.remoteQueueId("451 4.3.0 queued as nothing")).as("only a success names a queue id").isNull();
        assertThat(DeliveryRecord.remoteQueueId(null)).isNull();
    }

    @Test
    void delaysAreSecondsWithTwoDecimals() {
        assertThat(DeliveryRecord.seconds(Duration.ZERO)).isEqualTo("0.00");
        assertThat(DeliveryRecord.seconds(Duration.ofMillis(5))).isEqualTo("0.01");
        assertThat(DeliveryRecord.seconds(Duration.ofMillis(350))).isEqualTo("0.35");
        assertThat(DeliveryRecord.seconds(Duration.ofHours(1))).isEqualTo("3600.00");
    }
}
