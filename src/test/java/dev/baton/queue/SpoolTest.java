package dev.baton.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.mail.DialogueStage;
import dev.baton.testing.ManualClock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {

    @TempDir
    Path dir;

    static Envelope envelope(String sender, List<Recipient> rcpts) {
        return new Envelope(sender, rcpts, "8BITMIME", true, "HDRS", "env id+1", 1234, "client.test", "192.0.2.7",
                "ESMTPS", "TLSv1.3 with cipher X", "alice", "mx.baton.test",
                Instant.parse("2025-01-02T03:04:05.678Z"), Map.of("tracking", "t-1"));
    }

    static Envelope simple(String... rcpts) {
        return envelope("sender@origin.test", Stream.of(rcpts).map(Recipient::of).toList());
    }

    static QueuedMessage store(Spool spool, Envelope env, byte[] content) throws IOException {
        Spool.Receipt r = spool.begin(env);
        r.content().write(content);
        return r.commit();
    }

    static byte[] contentOf(Spool spool, QueuedMessage m) throws IOException {
        try (InputStream in = spool.openContent(m)) {
            return in.readAllBytes();
        }
    }

    static List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void commitMakesTheMessageLoadableWithEnvelopeRecipientsDsnParametersAndExactContent() throws IOException {
        Spool spool = Spool.open(dir);
        Recipient bob = new Recipient("bob@baton.test", Set.of("SUCCESS", "FAILURE"), "rfc822;Bob@Old.test", Map.of("x", "y"));
        Recipient carol = new Recipient("\"carol smith\"@baton.test", Set.of("NEVER"), null, Map.of());
        Envelope env = envelope("sender@origin.test", List.of(bob, carol));
        byte[] content = new byte[70_000];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 31 + 7); // every byte value, CR and LF included, not a text line
        }
        QueuedMessage committed = store(spool, env, content);

        QueuedMessage loaded = spool.load(committed.id()).orElseThrow();
        assertThat(loaded.envelope()).isEqualTo(env);
        assertThat(loaded.envelope().recipients()).containsExactly(bob.withId(RecipientId.of(1)), carol.withId(RecipientId.of(2)));
        assertThat(loaded.envelope().ret()).isEqualTo("HDRS");
        assertThat(loaded.envelope().envid()).isEqualTo("env id+1");
        assertThat(loaded.contentSize()).isEqualTo(content.length).isEqualTo(committed.contentSize());
        assertThat(loaded.contentOffset()).isEqualTo(committed.contentOffset());
        assertThat(contentOf(spool, loaded)).isEqualTo(content);
        assertThat(loaded.states()).hasSize(2).allSatisfy(s -> {
            assertThat(s.status()).isEqualTo(RecipientStatus.PENDING);
            assertThat(s.attempts()).isZero();
        });
        assertThat(spool.list()).extracting(QueuedMessage::id).containsExactly(committed.id());
        assertThat(names(dir.resolve("incoming"))).isEmpty();
    }

    @Test
    void commitTellsWhetherTheContentHadEightBitOctetsAndTheQueueFileKeepsIt() throws IOException {
        Spool spool = Spool.open(dir);
        // the envelope (in the header) has 8-bit octets of its own; only the content counts
        Envelope utf8 = envelope("s\u00e9@origin.test", List.of(Recipient.of("a@baton.test")));
        byte[] big = new byte[100_000];
        java.util.Arrays.fill(big, (byte) 'x');
        big[big.length - 1] = (byte) 0xE9;
        QueuedMessage seven = store(spool, utf8, "Subject: x\r\n\r\nplain\r\n".getBytes(StandardCharsets.US_ASCII));
        QueuedMessage eight = store(spool, simple("b@baton.test"), "Subject: caf\u00e9\r\n\r\nx\r\n".getBytes(StandardCharsets.UTF_8));
        QueuedMessage late = store(spool, simple("c@baton.test"), big);
        assertThat(seven.eightBit()).isFalse();
        assertThat(eight.eightBit()).isTrue();
        assertThat(late.eightBit()).isTrue();
        assertThat(eight.withStates(eight.states()).eightBit()).isTrue();
        assertThat(spool.load(eight.id()).orElseThrow().eightBit()).isTrue();
        assertThat(spool.load(late.id()).orElseThrow().eightBit()).isTrue();
        assertThat(spool.load(seven.id()).orElseThrow().eightBit()).isFalse();
        assertThat(Files.readString(dir.resolve("queue").resolve(eight.id()), StandardCharsets.ISO_8859_1)).startsWith("BATON-SPOOL 2 8\n");
    }

    @Test
    void aFailingCommitListenerCannotTurnADurableMessageIntoAFailedCommit() throws IOException {
        Spool spool = Spool.open(dir);
        spool.onCommit(m -> {
            throw new IllegalStateException("listener broken");
        });
        QueuedMessage m = store(spool, simple("a@baton.test"), "x\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(spool.load(m.id())).as("committed and kept").isPresent();
        assertThat(names(dir.resolve("incoming"))).isEmpty();
    }

    @Test
    void aQueueFileOfFormat1IsReadWithRecipientIdsByPositionAndItsStatesKept() throws IOException {
        Spool spool = Spool.open(dir);
        QueuedMessage m = store(spool, simple("a@baton.test", "b@baton.test"), "Subject: s\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
        dev.baton.testing.SpoolFormat1.downgrade(dir.resolve("queue").resolve(m.id()));
        // the state file as Baton 0.1 wrote it: an array by position, the last reply as text
        Files.writeString(dir.resolve("state").resolve(m.id() + ".json"), "[{\"status\":\"DELIVERED\",\"attempts\":1,"
                + "\"nextAttempt\":null,\"lastReply\":\"250 2.0.0 ok (mx[192.0.2.1]:25, in reply to end of data)\","
                + "\"updated\":\"2026-11-30T10:00:00Z\",\"delayNotified\":false},{\"status\":\"PENDING\",\"attempts\":2,"
                + "\"nextAttempt\":\"2026-11-30T11:00:00Z\",\"lastReply\":\"mx[192.0.2.1]:25: 451 4.7.1 greylisted (mx[192.0.2.1]:25,"
                + " in reply to RCPT TO)\",\"updated\":\"2026-11-30T10:00:00Z\",\"delayNotified\":true}]");

        QueuedMessage old = Spool.open(dir).load(m.id()).orElseThrow();
        assertThat(old.eightBit()).as("format 1 did not record it").isNull();
        assertThat(old.envelope().recipientIds()).containsExactly(RecipientId.of(1), RecipientId.of(2));
        assertThat(contentOf(spool, old)).isEqualTo("Subject: s\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
        RecipientState b = old.state(RecipientId.of(2));
        assertThat(b.status()).isEqualTo(RecipientStatus.PENDING);
        assertThat(b.attempts()).isEqualTo(2);
        assertThat(b.delayNotified()).isTrue();
        assertThat(b.last().entry()).isEqualTo(DeliveryText.RECORDED);
        assertThat(b.lastReply()).startsWith("mx[192.0.2.1]:25: 451 4.7.1 greylisted");
        assertThat(b.last().status()).as("the status a DSN would carry, as before").isEqualTo("4.7.1");
        assertThat(old.state(RecipientId.of(1)).last().code()).isEqualTo(250);

        // saved again, it is format 2 and reads back the same
        spool.saveStates(old);
        assertThat(spool.load(m.id()).orElseThrow().states()).isEqualTo(old.states());
        assertThat(Files.readString(dir.resolve("state").resolve(m.id() + ".json"))).startsWith("{\"format\":2,");
    }

    @Test
    void aStateFileWrittenBeforeTheHopsSecurityWasKeptReadsWithoutIt() throws IOException {
        Spool spool = Spool.open(dir);
        QueuedMessage m = store(spool, simple("a@baton.test"), "x\r\n".getBytes(StandardCharsets.US_ASCII));
        List<RecipientState> states = List.of(m.states().get(0).deferred(
                DeliveryReply.peer(451, "4.7.1 greylisted", "mx.test[192.0.2.1]:25", DialogueStage.RCPT),
                Instant.parse("2026-12-03T11:00:00Z"), Instant.parse("2026-12-03T10:00:00Z")));
        spool.saveStates(m.withStates(states));
        Path file = dir.resolve("state").resolve(m.id() + ".json");
        String written = Files.readString(file);
        assertThat(written).contains("\"hop\":null");
        Files.writeString(file, written.replace(",\"hop\":null", ""));

        RecipientState read = Spool.open(dir).load(m.id()).orElseThrow().states().get(0);
        assertThat(read).isEqualTo(states.get(0));
        assertThat(read.last().hop()).isNull();
    }

    @Test
    void theSubmitterOfAuthIsKeptAndAnEmptyOneIsNotANullOne() throws IOException {
        Spool spool = Spool.open(dir);
        Envelope e = simple("a@baton.test");
        Envelope alice = withSubmitter(e, "alice+x@baton.test");
        Envelope empty = withSubmitter(e, "");
        QueuedMessage a = store(spool, alice, "x\r\n".getBytes(StandardCharsets.US_ASCII));
        QueuedMessage b = store(spool, empty, "x\r\n".getBytes(StandardCharsets.US_ASCII));
        QueuedMessage none = store(spool, e, "x\r\n".getBytes(StandardCharsets.US_ASCII));
        Spool again = Spool.open(dir);
        assertThat(again.load(a.id()).orElseThrow().envelope()).isEqualTo(alice);
        assertThat(again.load(b.id()).orElseThrow().envelope().submitter()).isEmpty();
        assertThat(again.load(none.id()).orElseThrow().envelope().submitter()).isNull();
    }

    @Test
    void aQueueFileWrittenBeforeAuthParametersIsReadWithoutASubmitter() throws IOException {
        Spool spool = Spool.open(dir);
        String content = "Subject: s\r\n\r\nbody\r\n";
        QueuedMessage m = store(spool, simple("a@baton.test"), content.getBytes(StandardCharsets.US_ASCII));
        // the queue file as Baton wrote it before the envelope had a submitter: no such field at all
        Path file = dir.resolve("queue").resolve(m.id());
        String written = Files.readString(file, StandardCharsets.ISO_8859_1);
        assertThat(written).contains(",\"submitter\":null}");
        Files.writeString(file, written.replace(",\"submitter\":null}", "}"), StandardCharsets.ISO_8859_1);

        QueuedMessage old = Spool.open(dir).load(m.id()).orElseThrow();
        assertThat(old.envelope().submitter()).isNull();
        assertThat(old.envelope()).isEqualTo(m.envelope());
        assertThat(contentOf(spool, old)).isEqualTo(content.getBytes(StandardCharsets.US_ASCII));
    }

    static Envelope withSubmitter(Envelope e, String submitter) {
        return new Envelope(e.sender(), e.recipients(), e.body(), e.smtputf8(), e.ret(), e.envid(), e.declaredSize(), e.heloName(),
                e.clientAddress(), e.protocol(), e.tls(), e.authenticated(), e.receivedBy(), e.arrival(), e.properties(), submitter);
    }

    @Test
    void commitNotifiesTheListenerWithTheCommittedMessage() throws IOException {
        Spool spool = Spool.open(dir);
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        spool.onCommit(m -> seen.add(m.id()));
        QueuedMessage m = store(spool, simple("a@baton.test"), "x\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(seen).containsExactly(m.id());
    }

    @Test
    void abortLeavesNothing() throws IOException {
        Spool spool = Spool.open(dir);
        List<String> seen = new ArrayList<>();
        spool.onCommit(m -> seen.add(m.id()));
        Spool.Receipt r = spool.begin(simple("a@baton.test"));
        r.content().write(new byte[100_000]);
        assertThat(names(dir.resolve("incoming"))).containsExactly(r.id());
        r.abort();
        assertThat(names(dir.resolve("incoming"))).isEmpty();
        assertThat(names(dir.resolve("queue"))).isEmpty();
        assertThat(spool.load(r.id())).isEmpty();
        assertThat(spool.list()).isEmpty();
        assertThat(seen).isEmpty();

        try (Spool.Receipt closed = spool.begin(simple("b@baton.test"))) {
            closed.content().write(1);
        }
        assertThat(names(dir.resolve("incoming"))).isEmpty();
    }

    @Test
    void reopeningRemovesIncomingLeftoversButKeepsEveryCommittedMessage() throws IOException {
        Spool spool = Spool.open(dir);
        List<QueuedMessage> committed = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            committed.add(store(spool, simple("u" + i + "@baton.test"), ("message " + i + "\r\n").getBytes(StandardCharsets.US_ASCII)));
        }
        Spool.Receipt halfReceived = spool.begin(simple("late@baton.test"));
        halfReceived.content().write("half a mess".getBytes(StandardCharsets.US_ASCII));
        halfReceived.content().flush(); // the process "dies" here: never committed, never aborted
        Files.writeString(dir.resolve("incoming").resolve("0ORPHAN0"), "junk");
        // a state file whose message was removed, and a half-written state replacement
        Files.writeString(dir.resolve("state").resolve("ZZZZZZZZZZ.json"), "[]");
        Files.writeString(dir.resolve("state").resolve(committed.get(0).id() + ".json.tmp"), "[");

        Spool reopened = Spool.open(dir);

        assertThat(names(dir.resolve("incoming"))).isEmpty();
        assertThat(names(dir.resolve("state"))).isEmpty();
        assertThat(reopened.list()).extracting(QueuedMessage::id)
                .containsExactlyInAnyOrderElementsOf(committed.stream().map(QueuedMessage::id).toList());
        for (int i = 0; i < 5; i++) {
            QueuedMessage m = reopened.load(committed.get(i).id()).orElseThrow();
            assertThat(new String(contentOf(reopened, m), StandardCharsets.US_ASCII)).isEqualTo("message " + i + "\r\n");
        }
        assertThat(reopened.load(halfReceived.id())).isEmpty();
    }

    @Test
    void stateFilesRoundTrip() throws IOException {
        Spool spool = Spool.open(dir);
        QueuedMessage m = store(spool, simple("a@baton.test", "b@baton.test", "c@baton.test"), "hi\r\n".getBytes(StandardCharsets.US_ASCII));
        Instant now = Instant.parse("2025-03-04T05:06:07.123456Z");
        List<RecipientState> states = List.of(
                m.states().get(0).delivered(DeliveryReply.peer(250, "2.0.0 ok", "mx.test[192.0.2.1]:25", DialogueStage.END_OF_DATA)
                        .over(new HopSecurity("TLSv1.3 with cipher TLS_AES_256_GCM_SHA384", "smtp/mx.test", "X-EXPS GSSAPI")), now),
                m.states().get(1).failed(DeliveryReply.peer(550, "5.1.1 no such user", "mx.test[192.0.2.1]:25", DialogueStage.RCPT), now),
                m.states().get(2).deferred(DeliveryText.DNS_FAILED.reply("c.test", "SERVFAIL"), now.plus(5, ChronoUnit.MINUTES), now));
        spool.saveStates(m.withStates(states));
        assertThat(spool.load(m.id()).orElseThrow().states()).isEqualTo(states);

        List<RecipientState> again = List.of(states.get(0), states.get(1),
                states.get(2).deferred(DeliveryText.EXPIRED.reply("5 days", "451 4.3.0 still later").causedBy(states.get(2).last()),
                        now.plus(15, ChronoUnit.MINUTES), now.plusSeconds(300)));
        spool.saveStates(m.withStates(again));
        assertThat(Spool.open(dir).load(m.id()).orElseThrow().states()).isEqualTo(again);
        assertThat(names(dir.resolve("state"))).containsExactly(m.id() + ".json");

        assertThat(spool.remove(m.id())).isTrue();
        assertThat(names(dir.resolve("state"))).isEmpty();
        assertThat(spool.load(m.id())).isEmpty();
        assertThat(spool.remove(m.id())).isFalse();
    }

    @Test
    void concurrentCommitsAreAllDurableAndDirectoryFsyncsAreGrouped() throws Exception {
        Spool spool = Spool.open(dir);
        int threads = 32;
        int perThread = 8;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<String>>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await();
                    List<String> ids = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        ids.add(store(spool, simple("t" + thread + "@baton.test"),
                                ("Subject: " + thread + "/" + i + "\r\n").getBytes(StandardCharsets.US_ASCII)).id());
                    }
                    return ids;
                }));
            }
            start.countDown();
        }
        Map<String, String> expected = new LinkedHashMap<>();
        for (int t = 0; t < threads; t++) {
            List<String> ids = results.get(t).get();
            for (int i = 0; i < perThread; i++) {
                expected.put(ids.get(i), "Subject: " + t + "/" + i + "\r\n");
            }
        }
        int commits = threads * perThread;
        assertThat(expected).hasSize(commits);
        long syncs = spool.directorySyncs();
        assertThat(syncs).isPositive().isLessThan(commits);

        Spool reopened = Spool.open(dir);
        List<QueuedMessage> all = reopened.list();
        assertThat(all).hasSize(commits);
        for (QueuedMessage m : all) {
            assertThat(new String(contentOf(reopened, m), StandardCharsets.US_ASCII)).isEqualTo(expected.get(m.id()));
        }
    }

    @Test
    void queueIdsAreUniqueValidAndSortableByCreation() throws Exception {
        List<String> inOrder = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            inOrder.add(QueueId.next(Clock.systemUTC()));
        }
        assertThat(new HashSet<>(inOrder)).hasSize(inOrder.size());
        assertThat(inOrder).isSorted();
        assertThat(inOrder).allSatisfy(id -> assertThat(QueueId.looksValid(id)).as(id).isTrue());
        // ids from different milliseconds sort by time
        ManualClock clock = new ManualClock(Instant.parse("2026-12-01T10:00:00Z"));
        String early = QueueId.next(clock);
        clock.advance(Duration.ofMillis(1));
        String late = QueueId.next(clock);
        assertThat(early).isLessThan(late);

        Set<String> concurrent = Collections.synchronizedSet(new HashSet<>());
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 16; t++) {
                pool.execute(() -> {
                    for (int i = 0; i < 2000; i++) {
                        concurrent.add(QueueId.next(Clock.systemUTC()));
                    }
                });
            }
        }
        assertThat(concurrent).hasSize(16 * 2000);
        assertThat(QueueId.looksValid("../../etc")).isFalse();
        assertThat(QueueId.looksValid("abc")).isFalse();
        assertThat(QueueId.looksValid("X.json")).isFalse();
    }
}
