package dev.baton.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
        assertThat(loaded.envelope().recipients()).containsExactly(bob, carol);
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
    void commitTellsWhetherTheContentHadEightBitOctetsAndALoadedMessageDoesNotKnow() throws IOException {
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
        assertThat(spool.load(eight.id()).orElseThrow().eightBit()).isNull();
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
                m.states().get(0).delivered("250 2.0.0 ok", now),
                m.states().get(1).failed("550 5.1.1 no such user", now),
                m.states().get(2).deferred("451 4.3.0 later", now.plus(5, ChronoUnit.MINUTES), now));
        spool.saveStates(m.withStates(states));
        assertThat(spool.load(m.id()).orElseThrow().states()).isEqualTo(states);

        List<RecipientState> again = List.of(states.get(0), states.get(1),
                states.get(2).deferred("451 4.3.0 still later", now.plus(15, ChronoUnit.MINUTES), now.plusSeconds(300)));
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
            inOrder.add(QueueId.next());
        }
        assertThat(new HashSet<>(inOrder)).hasSize(inOrder.size());
        assertThat(inOrder).isSorted();
        assertThat(inOrder).allSatisfy(id -> assertThat(QueueId.looksValid(id)).as(id).isTrue());
        // ids from different milliseconds sort by time
        String early = QueueId.next();
        Thread.sleep(5);
        String late = QueueId.next();
        assertThat(early).isLessThan(late);

        Set<String> concurrent = Collections.synchronizedSet(new HashSet<>());
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 16; t++) {
                pool.execute(() -> {
                    for (int i = 0; i < 2000; i++) {
                        concurrent.add(QueueId.next());
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
