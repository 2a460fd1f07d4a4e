package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.ConfigLoader;
import dev.baton.events.EventFiles;
import dev.baton.events.EventLog;
import dev.baton.events.LoggedEvent;
import dev.baton.node.BatonNode;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.RecipientState;
import dev.baton.testing.Eventually;
import dev.baton.net.LoopbackPorts;
import dev.baton.testing.SmtpTestClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a Postfix administrator reaches for, in Baton's words, against real servers on loopback:
 * "a" relays partner.test (and other.test) by smarthost routes to ports where, at first, nothing
 * listens, so its mail waits; Baton servers come up on those ports later as the next hops.
 * Every change goes through the running server's control socket.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // a next-hop node is opened for what it does while it runs (it listens), not referenced
class QueueOperationsTest {

    @TempDir
    Path dirA;

    @TempDir
    Path dirB;

    @TempDir
    Path dirC;


    /** One connection per destination, so the first refused connection marks it dead; retries an hour apart. */
    private static BatonNode serverA(Path dir, int partnerPort, int otherPort) throws Exception {
        Files.writeString(dir.resolve("baton.yml"), """
                server: { name: a, fqdn: mx.a.test }
                acceptedDomains: [a.test]
                virtualServers: [{ name: default, address: 127.0.0.1, port: 0, relayNetworks: [127.0.0.0/8], tls: { mode: off } }]
                routes:
                  - { domain: partner.test, transport: smtp, host: "[127.0.0.1]", port: %d }
                  - { domain: other.test, transport: smtp, host: "[127.0.0.1]", port: %d }
                delivery: { maxPerDestination: 1, heloName: mx.a.test }
                queue: { retryDelay: 1h, maxRetryDelay: 2h }
                """.formatted(partnerPort, otherPort));
        return BatonNode.start(ConfigLoader.load(dir.resolve("baton.yml")), dir);
    }

    /** A Baton next hop accepting mail for {@code domain} on {@code port}. */
    private static BatonNode nextHop(Path dir, String domain, int port) throws Exception {
        return BatonNode.start(ConfigLoader.parse("""
                server: { fqdn: mx.%s }
                acceptedDomains: [%s]
                virtualServers: [{ name: default, address: 127.0.0.1, port: %d, tls: { mode: off } }]
                """.formatted(domain, domain, port), "hop"), dir);
    }

    private static String submit(BatonNode a, String from, String... to) throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(a.smtpPort())) {
            c.greetAndEhlo();
            c.transaction(from, to);
            return c.data("Subject: waiting\r\n\r\nhello\r\n").queuedId();
        }
    }

    private static RecipientState state(BatonNode node, String id, int recipient) throws IOException {
        return node.spool().load(id).orElseThrow().states().get(recipient);
    }

    private static void awaitAttempts(BatonNode node, String id, int attempts) {
        Eventually.await(id + " has " + attempts + " attempt(s)", () -> node.spool().load(id).isPresent()
                && node.spool().load(id).get().states().stream().allMatch(s -> s.status().isFinal() || s.attempts() == attempts));
    }

    private static long mails(Path mailbox) throws IOException {
        if (!Files.isDirectory(mailbox)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(mailbox)) {
            return s.count();
        }
    }

    private static BatonCliTest.Result cli(Path data, String... args) {
        String[] all = Stream.concat(Stream.of(args), Stream.of("--data-dir", data.toString())).toArray(String[]::new);
        BatonCliTest.Result r = BatonCliTest.run(all);
        assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err() + r.out()).isZero();
        return r;
    }

    private static List<LoggedEvent> events(Path dataDir) throws Exception {
        List<LoggedEvent> all = new java.util.ArrayList<>();
        new EventFiles(dataDir.resolve(EventLog.DIRECTORY)).read(all::add, bad -> {
            throw new AssertionError(bad);
        });
        return all;
    }

    private static void awaitEvent(Path dataDir, int id) {
        Eventually.await("event " + id + " in the log", () -> events(dataDir).stream().anyMatch(e -> e.id() == id));
    }

    private static List<String> queuedIds(BatonNode node) throws IOException {
        return node.spool().list().stream().map(QueuedMessage::id).toList();
    }

    @Test
    void retryDeliversNowEvenWhenTheDestinationIsMarkedDead() throws Exception {
        int port = LoopbackPorts.unused();
        try (BatonNode a = serverA(dirA, port, LoopbackPorts.unused())) {
            String id = submit(a, "alice@a.test", "bob@partner.test");
            awaitAttempts(a, id, 1); // refused: with one connection allowed, partner.test is dead now
            assertThat(state(a, id, 0).lastReply()).contains("127.0.0.1");
            try (BatonNode b = nextHop(dirB, "partner.test", port)) {
                BatonCliTest.Result r = cli(dirA, "queue", "retry", id);
                assertThat(r.out()).contains("retrying " + id);
                Eventually.await("delivered at partner.test", () -> mails(dirB.resolve("mailboxes/partner.test/bob/new")) == 1);
                Eventually.await("gone from a's queue", () -> a.spool().load(id).isEmpty());
                awaitEvent(dirA, 4108);
            }
        }
    }

    @Test
    void aMessageHeldBackByADeadDestinationIsNotCountedAsAnAttemptAndShowsItsRealNextTry() throws Exception {
        try (BatonNode a = serverA(dirA, LoopbackPorts.unused(), LoopbackPorts.unused())) {
            String first = submit(a, "alice@a.test", "bob@partner.test");
            awaitAttempts(a, first, 1);
            Instant before = Instant.now();
            String second = submit(a, "alice@a.test", "carol@partner.test");
            // the destination is dead for a minute: the second message waits for it without a try
            Eventually.await("the second message waits for the destination", () -> a.spool().load(second).isPresent()
                    && state(a, second, 0).nextAttempt().isAfter(before.plusSeconds(30)));
            RecipientState s = state(a, second, 0);
            assertThat(s.attempts()).as("no attempt was made, none is counted").isZero();
            assertThat(s.nextAttempt()).as("when the destination may be tried again, not an hour's retry")
                    .isBefore(before.plus(Duration.ofMinutes(2)));
            JsonNode show = new ObjectMapper().readTree(cli(dirA, "queue", "show", "--json", second).out());
            JsonNode r = show.get("recipients").get(0);
            assertThat(r.get("attempts").asInt()).isZero();
            assertThat(Instant.parse(r.get("next_attempt").asText())).isEqualTo(s.nextAttempt());
            assertThat(r.get("waiting").get("kind").asText()).isEqualTo("destination-dead");
        }
    }

    @Test
    void queueShowPrintsForPeopleByDefaultAndJsonWithTheOption() throws Exception {
        int port = LoopbackPorts.unused();
        try (BatonNode a = serverA(dirA, port, LoopbackPorts.unused())) {
            Files.createDirectories(dirA.resolve("mailboxes"));
            String id = submit(a, "carol@a.test", "alice@a.test", "bob@partner.test");
            awaitAttempts(a, id, 1);
            String human = cli(dirA, "queue", "show", id).out();
            assertThat(human).contains("Message " + id, "from      <carol@a.test>", "expires   ", "known from the running server",
                    "<alice@a.test>  delivered, 1 attempt(s)", "<bob@partner.test>  pending, 1 attempt(s)",
                    "route      smtp (route partner.test), next hop: [127.0.0.1]:" + port);
            assertThat(human).containsPattern("next try   \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d");
            assertThat(human).containsPattern("arrived   \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d");
            assertThat(human).containsPattern("last reply .*127\\.0\\.0\\.1");
            assertThat(human).doesNotContain("{");

            JsonNode show = new ObjectMapper().readTree(cli(dirA, "queue", "show", "--json", id).out());
            JsonNode alice = show.get("recipients").get(0);
            JsonNode bob = show.get("recipients").get(1);
            assertThat(alice.get("status").asText()).isEqualTo("delivered");
            assertThat(alice.has("delay_reason")).as("a delivered recipient's reply is no delay reason").isFalse();
            assertThat(alice.get("reply").asText()).startsWith("250");
            assertThat(bob.get("delay_reason").asText()).contains("127.0.0.1");
            assertThat(bob.get("route").asText()).isEqualTo("smtp (route partner.test), next hop: [127.0.0.1]:" + port);
            assertThat(bob.get("next_attempt").asText()).endsWith("Z");
            assertThat(show.get("expires").asText()).endsWith("Z");
            assertThat(show.get("held").asBoolean()).isFalse();
        }
    }

    @Test
    void heldMailIsNotDeliveredSurvivesARestartAndIsDeliveredOnRelease() throws Exception {
        int port = LoopbackPorts.unused();
        int other = LoopbackPorts.unused();
        String id;
        try (BatonNode a = serverA(dirA, port, other)) {
            id = submit(a, "alice@a.test", "bob@partner.test");
            awaitAttempts(a, id, 1);
            assertThat(cli(dirA, "queue", "hold", id).out()).contains("held " + id);
            awaitEvent(dirA, 4104);
            try (BatonNode b = nextHop(dirB, "partner.test", port)) {
                // a retry does not deliver a held message: the pass that could have delivered it ends without doing so
                var pass = a.scheduler().nextPass(id);
                a.scheduler().retryNow(id);
                pass.get(20, TimeUnit.SECONDS);
                assertThat(cli(dirA, "queue", "retry", id).out()).contains("skipped " + id);
                assertThat(mails(dirB.resolve("mailboxes/partner.test/bob/new"))).isZero();
                assertThat(state(a, id, 0).attempts()).isEqualTo(1);
                JsonNode show = new ObjectMapper().readTree(cli(dirA, "queue", "show", "--json", id).out());
                assertThat(show.get("held").asBoolean()).isTrue();
                assertThat(show.get("recipients").get(0).get("waiting").get("kind").asText()).isEqualTo("held");
            }
        }
        try (BatonNode a = serverA(dirA, port, other); BatonNode b = nextHop(dirB, "partner.test", port)) {
            var pass = a.scheduler().nextPass(id);
            a.scheduler().retryNow(id);
            pass.get(20, TimeUnit.SECONDS);
            assertThat(a.spool().isHeld(id)).as("held across the restart").isTrue();
            assertThat(cli(dirA, "queue", "list").out()).contains("HELD");
            assertThat(mails(dirB.resolve("mailboxes/partner.test/bob/new"))).isZero();
            assertThat(cli(dirA, "queue", "release", id).out()).contains("released " + id);
            Eventually.await("delivered once released", () -> mails(dirB.resolve("mailboxes/partner.test/bob/new")) == 1);
            Eventually.await("gone from a's queue", () -> a.spool().load(id).isEmpty());
            assertThat(Files.exists(dirA.resolve("spool/hold").resolve(id))).as("no hold mark left").isFalse();
            awaitEvent(dirA, 4107);
        }
    }

    @Test
    void flushTriesOneDestinationOnly() throws Exception {
        int partner = LoopbackPorts.unused();
        int other = LoopbackPorts.unused();
        try (BatonNode a = serverA(dirA, partner, other)) {
            String id = submit(a, "alice@a.test", "bob@partner.test", "carol@other.test");
            awaitAttempts(a, id, 1);
            try (BatonNode b = nextHop(dirB, "partner.test", partner); BatonNode c = nextHop(dirC, "other.test", other)) {
                assertThat(cli(dirA, "queue", "flush", "partner.test").out()).contains("flushing " + id);
                Eventually.await("bob delivered", () -> mails(dirB.resolve("mailboxes/partner.test/bob/new")) == 1);
                Eventually.await("bob's delivery recorded", () -> state(a, id, 0).status().isFinal());
                // the same pass left carol alone: she was not due, and other.test was not flushed
                assertThat(state(a, id, 1).attempts()).isEqualTo(1);
                assertThat(state(a, id, 1).status().isFinal()).isFalse();
                assertThat(mails(dirC.resolve("mailboxes/other.test/carol/new"))).isZero();
            }
        }
    }

    @Test
    void rerouteAfterARouteChangeDeliversByTheNewRoute() throws Exception {
        int dead = LoopbackPorts.unused();
        int live = LoopbackPorts.unused();
        String id;
        try (BatonNode a = serverA(dirA, dead, LoopbackPorts.unused())) {
            id = submit(a, "alice@a.test", "bob@partner.test");
            awaitAttempts(a, id, 1);
        }
        // the administrator points partner.test at the new server and restarts
        try (BatonNode b = nextHop(dirB, "partner.test", live); BatonNode a = serverA(dirA, live, LoopbackPorts.unused())) {
            assertThat(state(a, id, 0).nextAttempt()).as("not due for an hour").isAfter(Instant.now().plusSeconds(600));
            assertThat(cli(dirA, "queue", "reroute", "--all").out()).contains("re-routing " + id);
            Eventually.await("delivered by the new route", () -> mails(dirB.resolve("mailboxes/partner.test/bob/new")) == 1);
            Eventually.await("gone from a's queue", () -> a.spool().load(id).isEmpty());
        }
    }

    @Test
    void bulkDeleteByDomainThroughTheRunningServerTakesExactlyThoseMessages() throws Exception {
        try (BatonNode a = serverA(dirA, LoopbackPorts.unused(), LoopbackPorts.unused())) {
            String toPartner = submit(a, "alice@a.test", "bob@partner.test");
            String toOther = submit(a, "alice@a.test", "carol@other.test");
            awaitAttempts(a, toPartner, 1);
            awaitAttempts(a, toOther, 1);
            BatonCliTest.Result r = cli(dirA, "queue", "delete", "--domain", "partner.test");
            assertThat(r.out()).contains("deleted " + toPartner).doesNotContain(toOther);
            assertThat(queuedIds(a)).containsExactly(toOther);
            awaitEvent(dirA, 4103);
            assertThat(events(dirA)).filteredOn(e -> e.id() == 4103).hasSize(1);
        }
    }
}
