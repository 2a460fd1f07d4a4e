package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.events.EventFiles;
import dev.baton.events.EventLog;
import dev.baton.events.LoggedEvent;
import dev.baton.queue.DeliveryText;
import dev.baton.queue.Envelope;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import dev.baton.queue.RecipientState;
import dev.baton.queue.Spool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue tools on a queue whose server is stopped: the bulk filters select exactly what they
 * say, the summary counts by destination and age (qshape), and cat prints a message (postcat -q).
 */
class QueueToolsTest {

    @TempDir
    Path dir;

    private Path data;
    private Spool spool;

    @BeforeEach
    void dataDir() throws IOException {
        data = dir.resolve("data");
        DefaultConfig.write(data.resolve("baton.yml"));
        spool = Spool.open(data.resolve("spool"));
    }

    private QueuedMessage queue(String sender, Instant arrival, String... rcpts) throws IOException {
        Envelope env = new Envelope(sender, Stream.of(rcpts).map(Recipient::of).toList(), "7BIT", false, null, null, 0,
                "client.test", "127.0.0.1", "ESMTP", null, null, "mail.baton.test", arrival, Map.of());
        Spool.Receipt r = spool.begin(env);
        r.content().write("Subject: queued\r\n\r\nthe body\r\n".getBytes(StandardCharsets.US_ASCII));
        return r.commit();
    }

    /** Recipient {@code i} was tried and deferred. */
    private QueuedMessage deferred(QueuedMessage m, int i) throws IOException {
        RecipientState s = m.states().get(i);
        Instant now = Instant.now();
        QueuedMessage d = m.withState(s.deferred(DeliveryText.NO_ROUTE.reply(m.recipient(s.recipient()).domain()), now.plusSeconds(3600), now));
        spool.saveStates(d);
        return d;
    }

    private QueuedMessage delivered(QueuedMessage m, int i) throws IOException {
        RecipientState s = m.states().get(i);
        QueuedMessage d = m.withState(s.delivered(DeliveryText.DISCARDED.reply("x"), Instant.now()));
        spool.saveStates(d);
        return d;
    }

    private BatonCliTest.Result cli(String... args) {
        String[] all = Stream.concat(Stream.of(args), Stream.of("--data-dir", data.toString())).toArray(String[]::new);
        return BatonCliTest.run(all);
    }

    private Set<String> heldBy(String... filter) throws IOException {
        List<String> args = new ArrayList<>(List.of("queue", "hold"));
        args.addAll(List.of(filter));
        BatonCliTest.Result r = cli(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        Set<String> held = spool.list().stream().map(QueuedMessage::id).filter(spool::isHeld).collect(Collectors.toSet());
        assertThat(cli("queue", "release", "--all").exit()).isZero();
        assertThat(spool.list()).noneMatch(m -> spool.isHeld(m.id()));
        return held;
    }

    @Test
    void eachBulkFilterSelectsExactlyWhatItSays() throws IOException {
        Instant now = Instant.now();
        String fresh = queue("a@s1.test", now, "x@d1.test").id();
        String deferredFromA = deferred(queue("a@s1.test", now, "y@d2.test"), 0).id();
        String deferredFromB = deferred(queue("b@s2.test", now, "z@d1.test"), 0).id();
        String bounce = queue("", now, "w@d2.test").id();
        // d1.test is delivered already: this message waits only for d2.test
        String partly = delivered(queue("b@s2.test", now, "v@d1.test", "u@d2.test"), 0).id();

        assertThat(heldBy("--domain", "d1.test")).containsExactlyInAnyOrder(fresh, deferredFromB);
        assertThat(heldBy("--domain", "D2.test")).containsExactlyInAnyOrder(deferredFromA, bounce, partly);
        assertThat(heldBy("--sender", "a@s1.test")).containsExactlyInAnyOrder(fresh, deferredFromA);
        assertThat(heldBy("--sender", "")).containsExactlyInAnyOrder(bounce);
        assertThat(heldBy("--deferred")).containsExactlyInAnyOrder(deferredFromA, deferredFromB);
        assertThat(heldBy("--all", "--deferred")).containsExactlyInAnyOrder(deferredFromA, deferredFromB);
        assertThat(heldBy("--domain", "d1.test", "--deferred")).containsExactlyInAnyOrder(deferredFromB);
        assertThat(heldBy("--all")).containsExactlyInAnyOrder(fresh, deferredFromA, deferredFromB, bounce, partly);
        assertThat(heldBy(fresh)).containsExactly(fresh);

        // postsuper -d ALL deferred
        BatonCliTest.Result del = cli("queue", "delete", "--all", "--deferred");
        assertThat(del.exit()).as(del.err()).isZero();
        assertThat(del.out()).contains("2 message(s) deleted");
        assertThat(spool.list()).extracting(QueuedMessage::id).containsExactlyInAnyOrder(fresh, bounce, partly);
        List<LoggedEvent> events = new ArrayList<>();
        new EventFiles(data.resolve(EventLog.DIRECTORY)).read(events::add, bad -> {
            throw new AssertionError(bad);
        });
        assertThat(events).filteredOn(e -> e.id() == 4103).extracting(LoggedEvent::queueId)
                .containsExactlyInAnyOrder(deferredFromA, deferredFromB);
        assertThat(events).filteredOn(e -> e.id() == 4104).hasSize(19); // every hold above, one event per message
        assertThat(events).filteredOn(e -> e.id() == 4107).hasSize(19);

        // without a server, a bounce is left for the next start: for exactly the messages selected
        BatonCliTest.Result b = cli("queue", "bounce", "--domain", "d2.test");
        assertThat(b.exit()).as(b.err()).isZero();
        assertThat(b.out()).contains("no server is running");
        assertThat(spool.takeRequests()).extracting(Map.Entry::getValue).containsExactlyInAnyOrder(bounce, partly);
    }

    @Test
    void aBulkCommandWithoutASelectionIsRefusedAndChangesNothing() throws IOException {
        String id = queue("a@s1.test", Instant.now(), "x@d1.test").id();
        for (String verb : List.of("delete", "bounce", "hold", "retry", "reroute")) {
            BatonCliTest.Result r = cli("queue", verb);
            assertThat(r.exit()).as(verb).isEqualTo(2);
            assertThat(r.err()).contains("give a queue ID, or --all");
        }
        BatonCliTest.Result both = cli("queue", "delete", id, "--all");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(spool.list()).extracting(QueuedMessage::id).containsExactly(id);
    }

    @Test
    void theSummaryCountsRecipientsNotYetDeliveredByDomainAndAge() throws IOException {
        Instant now = Instant.now();
        queue("a@s1.test", now.minus(Duration.ofMinutes(1)), "a@d1.test");
        queue("a@s1.test", now.minus(Duration.ofMinutes(7)), "b@d1.test");
        queue("b@s2.test", now.minus(Duration.ofMinutes(30)), "c@d2.test");
        queue("b@s2.test", now.minus(Duration.ofMinutes(2000)), "d@d1.test", "e@d1.test");
        delivered(queue("b@s2.test", now.minus(Duration.ofMinutes(1)), "f@d2.test"), 0); // delivered: not counted
        BatonCliTest.Result r = cli("queue", "summary");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0).split("\\s+")).containsExactly("", "T", "5", "10", "20", "40", "80", "160", "320", "640", "1280", "1280+");
        assertThat(lines.get(1).split("\\s+")).containsExactly("TOTAL", "5", "1", "1", "0", "1", "0", "0", "0", "0", "0", "2");
        assertThat(lines.get(2).split("\\s+")).containsExactly("d1.test", "4", "1", "1", "0", "0", "0", "0", "0", "0", "0", "2");
        assertThat(lines.get(3).split("\\s+")).containsExactly("d2.test", "1", "0", "0", "0", "1", "0", "0", "0", "0", "0", "0");
        assertThat(lines).hasSize(4);
        BatonCliTest.Result bySender = cli("queue", "summary", "--sender");
        assertThat(bySender.out().lines().toList().get(2).split("\\s+")).startsWith("s2.test", "3");
    }

    @Test
    void catPrintsTheEnvelopeAndTheContent() throws IOException {
        QueuedMessage m = queue("a@s1.test", Instant.now(), "x@d1.test");
        BatonCliTest.Result r = cli("queue", "cat", m.id());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("*** ENVELOPE RECORDS " + m.id(), "sender: <a@s1.test>", "recipient: <x@d1.test> pending",
                "*** MESSAGE CONTENTS " + m.id(), "Subject: queued\n\nthe body\n", "*** END OF MESSAGE " + m.id());
        assertThat(cli("queue", "cat", "--content-only", m.id()).out()).isEqualTo("Subject: queued\n\nthe body\n");
    }
}
