package dev.baton.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testing.Eventually;
import dev.baton.testing.ManualClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchedulerTest {

    @TempDir
    Path dir;

    private Scheduler scheduler;

    @AfterEach
    void stop() {
        if (scheduler != null) {
            scheduler.close();
        }
    }

    /** Decides each recipient's outcome by its address; records every call. */
    static final class ScriptedAgent implements DeliveryAgent {
        final Map<String, DeliveryOutcome.Kind> outcomes = new ConcurrentHashMap<>();
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());

        @Override
        public List<DeliveryOutcome> deliver(QueuedMessage message, List<RecipientId> recipients) {
            List<DeliveryOutcome> out = new ArrayList<>();
            for (RecipientId id : recipients) {
                String address = message.recipient(id).address();
                calls.add(message.id() + " " + address);
                DeliveryOutcome.Kind k = outcomes.getOrDefault(address, DeliveryOutcome.Kind.DELIVERED);
                out.add(new DeliveryOutcome(id, k, k == DeliveryOutcome.Kind.DELIVERED ? DeliveryReply.peer(250, "ok", null, null)
                        : k == DeliveryOutcome.Kind.FAILED ? DeliveryReply.peer(550, "5.1.1 no such user", null, null)
                        : DeliveryReply.peer(451, "4.3.0 later", null, null)));
            }
            return out;
        }

        List<String> callsFor(String id) {
            synchronized (calls) {
                return calls.stream().filter(c -> c.startsWith(id + " ")).map(c -> c.substring(id.length() + 1)).toList();
            }
        }
    }

    static void await(String what, BooleanSupplier condition) {
        Eventually.await(what, condition::getAsBoolean);
    }

    /** Makes the message due now and returns once a worker has looked at it (attempted it or found nothing due). */
    static void retryAndWaitForThePass(Scheduler scheduler, String id) throws Exception {
        CompletableFuture<Void> looked = scheduler.nextPass(id);
        scheduler.retryNow(id);
        looked.get(20, TimeUnit.SECONDS);
    }

    /** Stores a message that arrives now by the spool's clock (so its lifetime has not run out). */
    static QueuedMessage store(Spool spool, String... rcpts) throws IOException {
        Envelope e = SpoolTest.simple(rcpts);
        Envelope now = new Envelope(e.sender(), e.recipients(), e.body(), e.smtputf8(), e.ret(), e.envid(), e.declaredSize(),
                e.heloName(), e.clientAddress(), e.protocol(), e.tls(), e.authenticated(), e.receivedBy(),
                spool.clock().instant(), e.properties());
        return SpoolTest.store(spool, now, "Subject: s\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    static RecipientState state(Spool spool, String id, int index) {
        try {
            return spool.load(id).orElseThrow().states().get(index);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void messagesRecoveredFromTheSpoolAreDeliveredAfterRestart() throws Exception {
        Spool before = Spool.open(dir);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(store(before, "u" + i + "@baton.test").id());
        }
        // "restart": a new spool on the same directory, a new scheduler
        Spool spool = Spool.open(dir);
        ScriptedAgent agent = new ScriptedAgent();
        scheduler = new Scheduler(spool, agent, 2, Duration.ofMinutes(5));
        scheduler.start();
        await("the recovered messages are delivered", () -> {
            try {
                return spool.list().isEmpty();
            } catch (IOException e) {
                return false;
            }
        });
        for (String id : ids) {
            assertThat(agent.callsFor(id)).hasSize(1);
        }
    }

    @Test
    void newlyCommittedMessagesAreDeliveredAndRemoved() throws Exception {
        Spool spool = Spool.open(dir);
        ScriptedAgent agent = new ScriptedAgent();
        scheduler = new Scheduler(spool, agent, 2, Duration.ofMinutes(5));
        scheduler.start();
        String id = store(spool, "a@baton.test", "b@baton.test").id();
        await("the message is delivered", () -> {
            try {
                return spool.load(id).isEmpty();
            } catch (IOException e) {
                return false;
            }
        });
        assertThat(agent.callsFor(id)).containsExactlyInAnyOrder("a@baton.test", "b@baton.test");
    }

    @Test
    void backoffDoublesFromTheRetryDelayUpToOneHour() throws IOException {
        Scheduler s = new Scheduler(Spool.open(dir), (m, r) -> List.of(), 1, Duration.ofMinutes(5));
        assertThat(List.of(1, 2, 3, 4, 5, 6, 30).stream().map(s::backoff).toList()).containsExactly(
                Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(20), Duration.ofMinutes(40),
                Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1));
        Scheduler slow = new Scheduler(Spool.open(dir), (m, r) -> List.of(), 1, Duration.ofHours(2));
        assertThat(slow.backoff(1)).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void aDeferredRecipientIsRetriedWithDoublingBackoffAndTheMessageStaysUntilEveryoneIsDelivered() throws Exception {
        ManualClock clock = new ManualClock(Instant.parse("2025-06-01T10:00:00Z"));
        Spool spool = Spool.open(dir, p -> java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE), clock);
        ScriptedAgent agent = new ScriptedAgent();
        agent.outcomes.put("later@baton.test", DeliveryOutcome.Kind.DEFERRED);
        scheduler = new Scheduler(spool, agent, 1, Duration.ofMinutes(1));
        scheduler.start();
        String id = store(spool, "now@baton.test", "later@baton.test").id();

        await("the first attempt is recorded", () -> state(spool, id, 1).attempts() == 1);
        assertThat(state(spool, id, 0).status()).isEqualTo(RecipientStatus.DELIVERED);
        Instant t = clock.instant();
        assertThat(state(spool, id, 1).nextAttempt()).isBetween(t.plus(Duration.ofMinutes(1)), t.plus(Duration.ofSeconds(66)));

        Duration[] expected = {Duration.ofMinutes(2), Duration.ofMinutes(4), Duration.ofMinutes(8)};
        for (int attempt = 2; attempt <= 4; attempt++) {
            RecipientState before = state(spool, id, 1);
            clock.now = before.nextAttempt();
            scheduler.retryNow(id);
            int n = attempt;
            await("attempt " + n + " is recorded", () -> state(spool, id, 1).attempts() == n);
            RecipientState after = state(spool, id, 1);
            assertThat(after.status()).isEqualTo(RecipientStatus.PENDING);
            assertThat(after.lastReply()).isEqualTo("451 4.3.0 later");
            // up to 10 % jitter on top, so that retries of many messages do not stampede
            assertThat(Duration.between(clock.instant(), after.nextAttempt())).as("delay after attempt " + n)
                    .isBetween(expected[n - 2], expected[n - 2].plus(expected[n - 2].dividedBy(10)));
        }
        // a retry before the recipient is due does not try it
        retryAndWaitForThePass(scheduler, id);
        assertThat(state(spool, id, 1).attempts()).isEqualTo(4);
        assertThat(agent.callsFor(id)).containsExactly("now@baton.test", "later@baton.test", "later@baton.test",
                "later@baton.test", "later@baton.test");

        agent.outcomes.remove("later@baton.test");
        clock.now = state(spool, id, 1).nextAttempt();
        scheduler.retryNow(id);
        await("the message leaves the spool", () -> {
            try {
                return spool.load(id).isEmpty();
            } catch (IOException e) {
                return false;
            }
        });
        assertThat(agent.callsFor(id)).filteredOn("now@baton.test"::equals).hasSize(1);
    }

    @Test
    void aMessageRetriedByHandWaitsOnceAndNotAtAllOnceDeleted() throws Exception {
        Spool spool = Spool.open(dir);
        ScriptedAgent agent = new ScriptedAgent();
        agent.outcomes.put("later@baton.test", DeliveryOutcome.Kind.DEFERRED);
        scheduler = new Scheduler(spool, agent, 1, Duration.ofMinutes(5));
        scheduler.start();
        String id = store(spool, "later@baton.test").id();
        await("the first attempt is recorded", () -> state(spool, id, 0).attempts() == 1);
        retryAndWaitForThePass(scheduler, id);
        retryAndWaitForThePass(scheduler, id);
        assertThat(scheduler.waiting()).as("one message waiting, however often it was retried").isEqualTo(1);
        assertThat(scheduler.delete(id)).isTrue();
        assertThat(scheduler.waiting()).as("a deleted message waits for nothing").isZero();
    }

    @Test
    void aRecipientDueLaterIsTriedByTheSchedulerItselfOnceDue() throws Exception {
        Spool spool = Spool.open(dir);
        ScriptedAgent agent = new ScriptedAgent();
        agent.outcomes.put("later@baton.test", DeliveryOutcome.Kind.DEFERRED);
        scheduler = new Scheduler(spool, agent, 1, Duration.ofMillis(300));
        scheduler.start();
        String id = store(spool, "later@baton.test").id();
        await("the first attempt is recorded", () -> state(spool, id, 0).attempts() == 1);
        agent.outcomes.remove("later@baton.test");
        await("the retry delivers it", () -> {
            try {
                return spool.load(id).isEmpty();
            } catch (IOException e) {
                return false;
            }
        });
        assertThat(agent.callsFor(id)).hasSize(2);
    }

    @Test
    void onePermanentFailureDoesNotStopTheOtherRecipients() throws Exception {
        Spool spool = Spool.open(dir);
        ScriptedAgent agent = new ScriptedAgent();
        agent.outcomes.put("gone@baton.test", DeliveryOutcome.Kind.FAILED);
        scheduler = new Scheduler(spool, agent, 1, Duration.ofMinutes(5));
        scheduler.start();
        String id = store(spool, "a@baton.test", "gone@baton.test", "b@baton.test").id();
        await("the attempt is recorded", () -> state(spool, id, 1).status() == RecipientStatus.FAILED);
        QueuedMessage m = spool.load(id).orElseThrow();
        assertThat(m.states()).extracting(RecipientState::status)
                .containsExactly(RecipientStatus.DELIVERED, RecipientStatus.FAILED, RecipientStatus.DELIVERED);
        assertThat(m.states().get(1).lastReply()).isEqualTo("550 5.1.1 no such user");
        assertThat(m.isFinished()).isTrue();
        // kept (a failed recipient is not delivered) but never tried again, not even when made due
        retryAndWaitForThePass(scheduler, id);
        assertThat(agent.callsFor(id)).containsExactlyInAnyOrder("a@baton.test", "gone@baton.test", "b@baton.test");
        assertThat(Scheduler.nextAttempt(m)).isEmpty();
    }
}
