package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.config.ConfigLoader;
import dev.baton.testing.Eventually;
import dev.baton.testing.ScriptedPeer;
import dev.baton.testing.SmtpTestClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DSNs a Baton node sends about mail it passed to a next hop (RFC 3461, RFC 3464): no success
 * report when the next hop took NOTIFY, "relayed" when it offers no DSN, the server's reply
 * verbatim with its Remote-MTA, and Baton's own conditions typed as Baton's. The next hop is a
 * scripted SMTP server on loopback; a failure in its script fails the test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TruthfulDsnTest {

    private static final List<String> WITH_DSN = List.of("PIPELINING", "8BITMIME", "DSN");
    private static final List<String> WITHOUT_DSN = List.of("PIPELINING", "8BITMIME");

    @TempDir
    Path dir;

    private BatonNode node(int peerPort, String queue) throws Exception {
        return BatonNode.start(ConfigLoader.parse("""
                server: { fqdn: mx.a.test }
                acceptedDomains: [a.test]
                virtualServers: [{ name: default, address: 127.0.0.1, port: 0, relayNetworks: [127.0.0.0/8] }]
                routes:
                  - { domain: a.test, transport: local }
                  - { domain: b.test, transport: smtp, host: "[127.0.0.1]", port: %d, tls: none }
                delivery: { heloName: mx.a.test }
                queue: { %s }
                """.formatted(peerPort, queue), "a"), dir);
    }

    /** alice@a.test sends one message; each recipient is "address PARAMETERS". */
    private static void submit(BatonNode a, String... rcpts) throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(a.smtpPort())) {
            c.greetAndEhlo();
            c.command("MAIL FROM:<alice@a.test>").expect(250);
            for (String r : rcpts) {
                int sp = r.indexOf(' ');
                c.command("RCPT TO:<" + (sp < 0 ? r : r.substring(0, sp)) + ">" + (sp < 0 ? "" : r.substring(sp))).expect(250);
            }
            c.data("Subject: across\r\nMessage-ID: <x1@a.test>\r\n\r\nhello b\r\n").expect(250);
        }
    }

    @Test
    void aRecipientPassedOnWithNotifyToAPeerThatOffersDsnGetsNoSuccessReportFromUs() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(ScriptedPeer.standard(WITH_DSN, a -> "250 2.1.5 ok", a -> "250 2.0.0 queued"));
             BatonNode a = node(peer.port(), "retryDelay: 1s")) {
            submit(a, "bob@b.test NOTIFY=SUCCESS");
            awaitEmpty(a);
            assertThat(peer.received).as("NOTIFY went on with the RCPT").contains("RCPT TO:<bob@b.test> NOTIFY=SUCCESS");
            assertThat(filesIn(dir.resolve("mailboxes/a.test/alice/new")))
                    .as("the next hop reports the success; a DSN of ours would be a second, false one").isEmpty();
        }
    }

    @Test
    void inAMixedReportARecipientPassedOnWithNotifyIsNotListedAsDelivered() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(ScriptedPeer.standard(WITH_DSN,
                a -> a.startsWith("carol") ? "550 5.1.1 <carol@b.test>: no such user here" : "250 2.1.5 ok",
                a -> "250 2.0.0 queued"));
             BatonNode a = node(peer.port(), "retryDelay: 1s")) {
            submit(a, "bob@b.test NOTIFY=SUCCESS,FAILURE", "carol@b.test NOTIFY=SUCCESS,FAILURE");
            Report dsn = Report.of(Files.readString(Eventually.fileIn(dir.resolve("mailboxes/a.test/alice/new"))));
            awaitEmpty(a);
            assertThat(dsn.recipients()).as("carol alone: bob's success is the next hop's to report").singleElement()
                    .satisfies(r -> {
                        assertThat(r).containsEntry("Final-Recipient", "rfc822; carol@b.test")
                                .containsEntry("Action", "failed")
                                .containsEntry("Status", "5.1.1")
                                .containsEntry("Remote-MTA", "dns; 127.0.0.1")
                                .containsEntry("Diagnostic-Code", "smtp; 550 5.1.1 <carol@b.test>: no such user here");
                        assertThat(parseDate(r.get("Last-Attempt-Date"))).isNotNull();
                    });
            assertThat(dsn.text()).doesNotContain("bob@b.test", "delivered to the recipient's mailbox");
            assertThat(filesIn(dir.resolve("mailboxes/a.test/alice/new"))).hasSize(1);
        }
    }

    /** Discarded mail was not delivered, nor relayed: RFC 3461 has no true success report for it, so none is sent (ADR 0016). */
    @Test
    void aRecipientDiscardedByARouteGetsNoSuccessReportWhileOneDeliveredInTheSameMessageDoes() throws Exception {
        try (BatonNode a = BatonNode.start(ConfigLoader.parse("""
                server: { fqdn: mx.a.test }
                acceptedDomains: [a.test]
                virtualServers: [{ name: default, address: 127.0.0.1, port: 0, relayNetworks: [127.0.0.0/8] }]
                routes:
                  - { domain: a.test, transport: local }
                  - { domain: void.test, transport: discard }
                """, "a"), dir)) {
            submit(a, "x@void.test NOTIFY=SUCCESS", "alice@a.test NOTIFY=SUCCESS");
            Path inbox = dir.resolve("mailboxes/a.test/alice/new");
            Eventually.await("the message and one report in alice's mailbox", () -> filesIn(inbox).size() == 2);
            awaitEmpty(a);
            Path dsnFile = filesIn(inbox).stream().filter(f -> {
                try {
                    return Files.readString(f).contains("Return-Path: <>");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).findFirst().orElseThrow();
            Report dsn = Report.of(Files.readString(dsnFile));
            assertThat(dsn.recipients()).as("alice's delivery alone").singleElement()
                    .satisfies(r -> assertThat(r).containsEntry("Final-Recipient", "rfc822; alice@a.test").containsEntry("Action", "delivered"));
            assertThat(dsn.text()).doesNotContain("void.test");
        }
    }

    @Test
    void aSuccessToAPeerWithoutDsnIsReportedOnceAsRelayedWithTheServersReplyVerbatim() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(ScriptedPeer.standard(WITHOUT_DSN, a -> "250 2.1.5 ok",
                a -> "250 2.0.0 Ok: queued as 4XyZ"));
             BatonNode a = node(peer.port(), "retryDelay: 1s")) {
            submit(a, "bob@b.test NOTIFY=SUCCESS");
            Report dsn = Report.of(Files.readString(Eventually.fileIn(dir.resolve("mailboxes/a.test/alice/new"))));
            awaitEmpty(a);
            assertThat(peer.received).noneMatch(l -> l.contains("NOTIFY="));
            assertThat(dsn.recipients()).singleElement().satisfies(r -> assertThat(r)
                    .containsEntry("Final-Recipient", "rfc822; bob@b.test")
                    .containsEntry("Action", "relayed")
                    .containsEntry("Status", "2.0.0")
                    .containsEntry("Remote-MTA", "dns; 127.0.0.1")
                    .containsEntry("Diagnostic-Code", "smtp; 250 2.0.0 Ok: queued as 4XyZ"));
            assertThat(dsn.text()).contains("passed on to the next mail system").doesNotContain("delivered to the recipient's mailbox");
            assertThat(filesIn(dir.resolve("mailboxes/a.test/alice/new"))).as("one report, not two").hasSize(1);
        }
    }

    @Test
    void anExpiryAfterAServerSaidTryLaterCarriesThatReplyVerbatimAndTheLifetimeInWords() throws Exception {
        try (ScriptedPeer peer = new ScriptedPeer(ScriptedPeer.standard(WITH_DSN, a -> "451 4.3.0 try again later",
                a -> "250 2.0.0 queued"));
             BatonNode a = node(peer.port(), "retryDelay: 1s, maxRetryDelay: 1s, lifetime: 3s")) {
            submit(a, "bob@b.test");
            Report dsn = Report.of(Files.readString(Eventually.fileIn(dir.resolve("mailboxes/a.test/alice/new"))));
            awaitEmpty(a);
            assertThat(dsn.recipients()).singleElement().satisfies(r -> {
                assertThat(r).containsEntry("Action", "failed")
                        .containsEntry("Status", "4.4.7")
                        .containsEntry("Remote-MTA", "dns; 127.0.0.1")
                        .containsEntry("Diagnostic-Code", "smtp; 451 4.3.0 try again later");
                assertThat(parseDate(r.get("Last-Attempt-Date"))).isNotNull();
            });
            assertThat(dsn.text()).contains("within 3 seconds").doesNotContain("day(s)", "in reply to");
        }
    }

    @Test
    void anExpiryAgainstAClosedPortIsBatonsOwnConditionAndNamesNoInternals() throws Exception {
        int closed;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = probe.getLocalPort(); // nothing listens here once the probe is closed
        }
        try (BatonNode a = node(closed, "retryDelay: 1s, maxRetryDelay: 1s, lifetime: 3s")) {
            submit(a, "bob@b.test");
            Report dsn = Report.of(Files.readString(Eventually.fileIn(dir.resolve("mailboxes/a.test/alice/new"))));
            awaitEmpty(a);
            assertThat(dsn.recipients()).singleElement().satisfies(r -> {
                assertThat(r).containsEntry("Action", "failed").containsEntry("Status", "4.4.7")
                        .as("no server answered").doesNotContainKey("Remote-MTA");
                assertThat(r.get("Diagnostic-Code")).as("not dressed up as a server's reply")
                        .startsWith("X-Baton; delivery did not succeed within 3 seconds")
                        .contains("refused the connection");
            });
            assertThat(dsn.status() + dsn.text()).as("no destination keys, addresses or scheduler times")
                    .doesNotContain("smtp:", "mx:", "[127.0.0.1]", ":" + closed, "not tried again before", "The server said");
        }
    }

    // ---- reading the report

    /** The parts of a DSN that tests look at: the text/plain part and the delivery-status fields. */
    record Report(String text, String status, List<Map<String, String>> recipients) {

        static Report of(String message) {
            String m = message.replace("\r\n", "\n");
            String boundary = m.replaceAll("(?s).*boundary=\"([^\"]+)\".*", "$1");
            String[] parts = m.split("\n--" + java.util.regex.Pattern.quote(boundary));
            String text = body(find(parts, "Content-Type: text/plain"));
            String status = body(find(parts, "Content-Type: message/delivery-status"));
            List<Map<String, String>> blocks = new ArrayList<>();
            for (String block : status.strip().split("\n\n")) {
                Map<String, String> fields = new LinkedHashMap<>();
                for (String line : block.replaceAll("\n[ \t]+", " ").split("\n")) {
                    int colon = line.indexOf(':');
                    if (colon > 0) {
                        fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
                    }
                }
                blocks.add(fields);
            }
            return new Report(text, status, blocks.subList(1, blocks.size()));
        }

        private static String find(String[] parts, String contentType) {
            for (String p : parts) {
                if (p.startsWith("\n" + contentType)) {
                    return p;
                }
            }
            throw new AssertionError("no part " + contentType);
        }

        private static String body(String part) {
            return part.substring(part.indexOf("\n\n") + 2);
        }
    }

    private static ZonedDateTime parseDate(String value) {
        return value == null ? null
                : ZonedDateTime.parse(value, DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT));
    }

    private static List<Path> filesIn(Path newDir) throws Exception {
        if (!Files.isDirectory(newDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(newDir)) {
            return s.toList();
        }
    }

    private static void awaitEmpty(BatonNode node) {
        Eventually.eventually(() -> assertThat(node.spool().list()).as("queue empties, DSNs included").isEmpty());
    }
}
