package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.ConfigLoader;
import dev.baton.events.DeliveryLog;
import dev.baton.testing.Eventually;
import dev.baton.testing.ScriptedPeer;
import dev.baton.testing.SmtpTestClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The delivery log of a running server (docs/logs.md): a receipt line when a message is queued,
 * one line per recipient outcome with its relay, delay, DSN status and the reply verbatim, and a
 * removal line when the message leaves the queue. The next hop is a scripted SMTP server on
 * loopback; a failure in its script fails the test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeliveryLogTest {

    private static final List<String> EXTENSIONS = List.of("PIPELINING", "8BITMIME");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private BatonNode node(int peerPort, String extra) throws Exception {
        return BatonNode.start(ConfigLoader.parse("""
                server: { name: mx, fqdn: mx.a.test }
                acceptedDomains: [a.test]
                virtualServers: [{ name: default, address: 127.0.0.1, port: 0, relayNetworks: [127.0.0.0/8], tls: { mode: off } }]
                routes:
                  - { domain: a.test, transport: local }
                  - { domain: b.test, transport: smtp, host: localhost, port: %d, tls: none }
                queue: { retryDelay: 1h }
                %s
                """.formatted(peerPort, extra), "a"), dir);
    }

    private static String submit(BatonNode a, String... rcpts) throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(a.smtpPort())) {
            c.greetAndEhlo();
            c.command("MAIL FROM:<alice@a.test>").expect(250);
            for (String r : rcpts) {
                c.command("RCPT TO:<" + r + ">").expect(250);
            }
            return c.data("Subject: logged\r\n\r\nhello\r\n").expect(250).queuedId();
        }
    }

    private List<String> lines() throws Exception {
        Path f = DeliveryLog.file(dir);
        return Files.exists(f) ? Files.readAllLines(f) : List.of();
    }

    /** Waits for a line that contains all the parts, and returns it. */
    private String awaitLine(String... parts) {
        return Eventually.awaitValue("a delivery log line with " + String.join(", ", parts), Eventually.PATIENCE,
                () -> lines().stream().filter(l -> List.of(parts).stream().allMatch(l::contains)).findFirst());
    }

    @Test
    void aMessageDeliveredToAMailboxGivesAReceiptADeliveredLineAndARemoval() throws Exception {
        try (BatonNode a = node(1, "")) {
            String id = submit(a, "bob@a.test");
            String removed = awaitLine(id + ": removed");
            List<String> ours = lines().stream().filter(l -> l.contains(" " + id + ": ")).toList();
            assertThat(ours).hasSize(3);
            assertThat(ours.get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\S+Z mx " + id + ": client=\\[127\\.0\\.0\\.1\\], helo=<\\S+>,"
                    + " virtual_server=default, connection=\\d+, protocol=ESMTP, from=<alice@a\\.test>, size=\\d+, nrcpt=1");
            assertThat(ours.get(1)).matches("\\S+ mx " + id + ": to=<bob@a\\.test>, relay=mailbox\\[bob@a\\.test\\],"
                    + " delay=\\d+\\.\\d\\d, delays=\\d+\\.\\d\\d/\\d+\\.\\d\\d, dsn=2\\.0\\.0, status=sent"
                    + " \\(250 2\\.0\\.0 delivered to Maildir .*bob\\)");
            assertThat(ours.get(2)).isEqualTo(removed).endsWith(" mx " + id + ": removed");
        }
    }

    @Test
    void aRelayedRecipientNamesTheHostAddressAndPortAndTheServersReplyVerbatimWithItsQueueId() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(ScriptedPeer.standard(EXTENSIONS, r -> "250 2.1.5 ok",
                r -> "250 2.0.0 Ok: queued as 4XyZ12"));
             BatonNode a = node(peer.port(), "")) {
            String id = submit(a, "bob@b.test");
            String line = awaitLine(id + ": to=<bob@b.test>");
            assertThat(line).matches(".* relay=localhost\\[(127\\.0\\.0\\.1|0:0:0:0:0:0:0:1)\\]:" + peer.port() + ", delay=.*")
                    .as("a plain session: no tls or auth fields").doesNotContain("tls=", "auth_")
                    .contains(", dsn=2.0.0, queued_as=4XyZ12, status=sent (250 2.0.0 Ok: queued as 4XyZ12 (in reply to end of data))");
            awaitLine(id + ": removed");
        }
    }

    @Test
    void aDeferralAndABounceGiveTheirLinesWithTheirDsnStatusAndTheNotice() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(ScriptedPeer.standard(EXTENSIONS,
                r -> r.startsWith("carol") ? "451 4.3.0 <carol@b.test>: try again later"
                        : r.startsWith("dave") ? "550 5.1.1 <dave@b.test>: no such user" : "250 2.1.5 ok",
                r -> "250 2.0.0 Ok: queued as 9AB"));
             BatonNode a = node(peer.port(), "")) {
            String id = submit(a, "carol@b.test", "dave@b.test");
            String deferred = awaitLine(id + ": to=<carol@b.test>");
            String bounced = awaitLine(id + ": to=<dave@b.test>");
            assertThat(deferred).contains(", dsn=4.3.0, status=deferred (451 4.3.0 <carol@b.test>: try again later (in reply to RCPT TO))")
                    .doesNotContain("queued_as");
            assertThat(bounced).contains(", dsn=5.1.1, status=bounced (550 5.1.1 <dave@b.test>: no such user (in reply to RCPT TO))");
            String notice = awaitLine(id + ": notice=failure, notice_id=");
            String dsnId = notice.substring(notice.indexOf("notice_id=") + "notice_id=".length());
            awaitLine(dsnId + ": to=<alice@a.test>, relay=mailbox[alice@a.test]");
            assertThat(lines()).noneMatch(l -> l.contains(id + ": removed")); // carol still waits
        }
    }

    @Test
    void aMessageTheAdministratorReturnsGivesABouncedLineANoticeAndARemoval() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(ScriptedPeer.standard(EXTENSIONS, r -> "451 4.7.1 greylisted, come back later",
                r -> "250 2.0.0 Ok"));
             BatonNode a = node(peer.port(), "")) {
            String id = submit(a, "erin@b.test");
            awaitLine(id + ": to=<erin@b.test>", "status=deferred");
            a.scheduler().bounceNow(id);
            assertThat(awaitLine(id + ": to=<erin@b.test>", "status=bounced")).contains(", relay=localhost[", ", dsn=5.0.0,",
                    "status=bounced (5.0.0 returned to the sender by the mail administrator (last reply: 451 4.7.1 greylisted");
            awaitLine(id + ": notice=failure, notice_id=");
            awaitLine(id + ": removed");
        }
    }

    @Test
    void inJsonModeEachLineIsAJsonObjectWithTheSameFieldsAsTheText() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(ScriptedPeer.standard(EXTENSIONS, r -> "250 2.1.5 ok",
                r -> "250 2.0.0 Ok: queued as 77Q"));
             BatonNode a = node(peer.port(), "deliveryLog: { json: true }")) {
            String id = submit(a, "bob@b.test");
            awaitLine("\"queueId\":\"" + id + "\",\"record\":\"removed\"");
            List<JsonNode> ours = new ArrayList<>();
            for (String l : lines()) {
                JsonNode n = JSON.readTree(l);
                assertThat(n.isObject()).as(l).isTrue();
                if (n.path("queueId").asText().equals(id)) {
                    ours.add(n);
                }
            }
            assertThat(ours).extracting(n -> n.get("record").asText()).containsExactly("received", "delivery", "removed");
            JsonNode received = ours.get(0);
            assertThat(keys(received)).containsExactly("time", "server", "queueId", "record", "client", "helo", "virtual_server",
                    "connection", "protocol", "from", "size", "nrcpt");
            assertThat(received.get("from").asText()).isEqualTo("alice@a.test");
            assertThat(received.get("nrcpt").isInt()).isTrue();
            assertThat(received.get("nrcpt").asInt()).isEqualTo(1);
            JsonNode delivery = ours.get(1);
            assertThat(keys(delivery)).containsExactly("time", "server", "queueId", "record", "to", "relay", "delay", "delays", "dsn",
                    "queued_as", "status", "reply");
            assertThat(delivery.get("to").asText()).isEqualTo("bob@b.test");
            assertThat(delivery.get("relay").asText()).endsWith("]:" + peer.port());
            assertThat(delivery.get("delay").isNumber()).isTrue();
            assertThat(delivery.get("dsn").asText()).isEqualTo("2.0.0");
            assertThat(delivery.get("queued_as").asText()).isEqualTo("77Q");
            assertThat(delivery.get("status").asText()).isEqualTo("sent");
            assertThat(delivery.get("reply").asText()).isEqualTo("250 2.0.0 Ok: queued as 77Q (in reply to end of data)");
            assertThat(ours.get(2).get("server").asText()).isEqualTo("mx");
        }
    }

    @Test
    void aDisabledDeliveryLogWritesNoFile() throws Exception {
        try (BatonNode a = node(1, "deliveryLog: { enabled: false }")) {
            submit(a, "bob@a.test");
            Eventually.eventually(() -> assertThat(a.spool().list()).isEmpty());
        }
        assertThat(DeliveryLog.file(dir)).doesNotExist();
    }

    private static List<String> keys(JsonNode n) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }
}
