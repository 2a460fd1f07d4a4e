package dev.baton.queue;

import static dev.baton.queue.SchedulerTest.store;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testing.Eventually;
import dev.baton.testing.ManualClock;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The queue says why a recipient waits, including what only the running scheduler knows. */
@Timeout(30)
class WhyWaitingTest {

    @TempDir
    Path dir;

    private Scheduler scheduler;
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        if (scheduler != null) {
            scheduler.close();
        }
    }

    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-01T10:00:00Z"));

    private Spool spool() throws IOException {
        return Spool.open(dir, p -> FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), clock);
    }

    private static final RecipientId FIRST = RecipientId.of(1);

    /** Answers per address: "busy" postponed (its destination busy), "dead" deferred (destination dead), "hold" blocks, else deferred. */
    private final class Agent implements DeliveryAgent {
        final Map<String, Boolean> entered = new ConcurrentHashMap<>();

        @Override
        public List<DeliveryOutcome> deliver(QueuedMessage m, List<RecipientId> recipients) {
            return recipients.stream().map(id -> {
                String a = m.recipient(id).address();
                entered.put(a, true);
                DeliveryReply busy = DeliveryText.DESTINATION_BUSY.reply("mx:busy.test", 3);
                return switch (a.substring(0, a.indexOf('@'))) {
                    case "busy" -> DeliveryOutcome.postponed(id, busy, new WaitReason.DestinationBusy("mx:busy.test", 3));
                    case "dead" -> DeliveryOutcome.deferred(id, DeliveryText.DESTINATION_DEAD.reply("mx:dead.test", "later", "(none)"),
                            new WaitReason.DestinationDead("mx:dead.test", clock.instant().plusSeconds(60), null));
                    case "hold" -> {
                        await(release);
                        yield DeliveryOutcome.deferred(id, DeliveryReply.peer(451, "4.3.0 later", null, null));
                    }
                    default -> DeliveryOutcome.deferred(id, DeliveryReply.peer(451, "4.3.0 later", null, null));
                };
            }).toList();
        }
    }

    private static void await(CountDownLatch l) {
        try {
            l.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aRecipientNeverTriedIsNotYetTriedAndADeferredOneWaitsForItsRetryAfterItsLastReply() throws Exception {
        Spool spool = spool();
        scheduler = new Scheduler(spool, new Agent(), 1, RetryPolicy.DEFAULT, null);
        QueuedMessage m = store(spool, "x@later.test");
        assertThat(scheduler.whyWaiting(m.id())).containsEntry(FIRST, new WaitReason.NotYetTried(clock.instant()));

        scheduler.start();
        Eventually.await("the first attempt", () -> spool.load(m.id()).orElseThrow().state(FIRST).attempts() == 1);
        RecipientState s = spool.load(m.id()).orElseThrow().state(FIRST);
        assertThat(scheduler.whyWaiting(m.id())).containsEntry(FIRST, new WaitReason.RetryAt(s.nextAttempt(), s.last()));
        assertThat(scheduler.whyWaiting(m.id()).get(FIRST).describe()).startsWith("next retry at ").endsWith("451 4.3.0 later");
        assertThat(scheduler.whyWaiting("NOSUCHMESSAGE0")).isEmpty();
    }

    @Test
    void aBusyOrDeadDestinationIsWhatTheSchedulerRemembers() throws Exception {
        Spool spool = spool();
        scheduler = new Scheduler(spool, new Agent(), 1, RetryPolicy.DEFAULT, null);
        scheduler.start();
        QueuedMessage busy = store(spool, "busy@busy.test");
        QueuedMessage dead = store(spool, "dead@dead.test");
        Eventually.await("both were tried", () -> scheduler.whyWaiting(busy.id()).get(FIRST) instanceof WaitReason.DestinationBusy
                && scheduler.whyWaiting(dead.id()).get(FIRST) instanceof WaitReason.DestinationDead);
        assertThat(scheduler.whyWaiting(dead.id()).get(FIRST).describe()).startsWith("destination mx:dead.test not answering until ");
        assertThat(spool.load(busy.id()).orElseThrow().state(FIRST).attempts()).as("a postponement is no attempt").isZero();
    }

    @Test
    void aMessageBeingDeliveredAndOneARetryWasAskedForSaySo() throws Exception {
        Spool spool = spool();
        Agent agent = new Agent();
        scheduler = new Scheduler(spool, agent, 1, RetryPolicy.DEFAULT, null);
        scheduler.start();
        QueuedMessage held = store(spool, "hold@x.test");
        Eventually.await("the attempt has begun", () -> agent.entered.containsKey("hold@x.test"));
        assertThat(scheduler.whyWaiting(held.id()).get(FIRST)).isInstanceOf(WaitReason.InDelivery.class);

        // the only worker is busy: a retry asked for now waits for it, and says so
        QueuedMessage other = store(spool, "other@x.test");
        scheduler.forceRetry(other.id());
        assertThat(scheduler.whyWaiting(other.id()).get(FIRST)).isEqualTo(new WaitReason.RetryRequested());
        var looked = scheduler.nextPass(other.id());
        release.countDown();
        looked.get(20, TimeUnit.SECONDS);
        assertThat(spool.load(other.id()).orElseThrow().state(FIRST).attempts()).isEqualTo(1);
        // (a second look may follow at once: the retry made it due a second time)
        Eventually.eventually(() -> assertThat(scheduler.whyWaiting(other.id()).get(FIRST)).isInstanceOf(WaitReason.RetryAt.class));
    }

    @Test
    void aNoticeThatCannotBeStoredIsQueueTroubleUntilTheNextTry() throws Exception {
        Spool spool = spool();
        scheduler = new Scheduler(spool, (m, ids) -> ids.stream()
                .map(id -> DeliveryOutcome.failed(id, DeliveryReply.peer(550, "5.1.1 unknown", null, null))).toList(),
                1, new RetryPolicy(Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofDays(5), Duration.ZERO), (m, notices) -> {
                    throw new IOException("No space left on device");
                });
        scheduler.start();
        QueuedMessage m = store(spool, "gone@x.test");
        Eventually.await("the failed notice is remembered", () -> scheduler.whyWaiting(m.id()).get(FIRST) instanceof WaitReason.QueueTrouble);
        assertThat(scheduler.whyWaiting(m.id()).get(FIRST).describe()).contains("No space left on device");
    }
}
