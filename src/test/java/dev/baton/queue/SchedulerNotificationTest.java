package dev.baton.queue;

import static dev.baton.queue.SchedulerTest.await;
import static dev.baton.queue.SchedulerTest.state;
import static dev.baton.queue.SchedulerTest.store;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testing.ManualClock;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Lifetime, delay notices and failure notices: what the scheduler tells the notifier, and when. */
@Timeout(30)
class SchedulerNotificationTest {

    @TempDir
    Path dir;

    private Scheduler scheduler;

    @AfterEach
    void stop() {
        if (scheduler != null) {
            scheduler.close();
        }
    }

    /** Records every notice; can be made to fail like a full disk. */
    static final class RecordingNotifier implements Notifier {
        final List<String> notices = new CopyOnWriteArrayList<>();
        final List<Notice> received = new CopyOnWriteArrayList<>();
        final AtomicBoolean broken = new AtomicBoolean();

        @Override
        public void notify(QueuedMessage message, List<Notice> list) throws IOException {
            if (broken.get()) {
                throw new IOException("No space left on device");
            }
            received.addAll(list);
            for (Notice n : list) {
                notices.add(n.event() + " " + message.recipient(n.recipient()).address() + " " + n.reply());
            }
        }
    }

    private Spool spool(ManualClock clock) throws IOException {
        return Spool.open(dir, p -> FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), clock);
    }

    @Test
    void aPermanentFailureIsNotifiedAndTheMessageLeavesTheSpool() throws Exception {
        Spool spool = Spool.open(dir);
        SchedulerTest.ScriptedAgent agent = new SchedulerTest.ScriptedAgent();
        agent.outcomes.put("gone@baton.test", DeliveryOutcome.Kind.FAILED);
        RecordingNotifier notifier = new RecordingNotifier();
        scheduler = new Scheduler(spool, agent, 1, RetryPolicy.DEFAULT, notifier);
        scheduler.start();
        String id = store(spool, "ok@baton.test", "gone@baton.test").id();
        await("the message leaves the spool", () -> load(spool, id) == null);
        assertThat(notifier.notices).contains("FAILED gone@baton.test 550 5.1.1 no such user", "DELIVERED ok@baton.test 250 ok");
    }

    @Test
    void aMessageOlderThanItsLifetimeFailsWithTheLastReplyInTheNotice() throws Exception {
        ManualClock clock = new ManualClock(Instant.parse("2025-06-01T10:00:00Z"));
        Spool spool = spool(clock);
        SchedulerTest.ScriptedAgent agent = new SchedulerTest.ScriptedAgent();
        agent.outcomes.put("slow@baton.test", DeliveryOutcome.Kind.DEFERRED);
        RecordingNotifier notifier = new RecordingNotifier();
        scheduler = new Scheduler(spool, agent, 1, new RetryPolicy(Duration.ofMinutes(5), Duration.ofHours(1),
                Duration.ofHours(2), Duration.ZERO), notifier);
        scheduler.start();
        String id = store(spool, "slow@baton.test").id();
        await("the first attempt", () -> state(spool, id, 0).attempts() == 1);
        assertThat(notifier.notices).isEmpty();

        clock.advance(Duration.ofHours(3));
        scheduler.retryNow(id);
        await("the message leaves the spool", () -> load(spool, id) == null);
        assertThat(notifier.notices).singleElement().asString()
                .startsWith("FAILED slow@baton.test 4.4.7 message expired").contains("last reply: 451 4.3.0 later");
    }

    @Test
    void aDelayIsNotifiedOnceAfterTheWarningTime() throws Exception {
        ManualClock clock = new ManualClock(Instant.parse("2025-06-01T10:00:00Z"));
        Spool spool = spool(clock);
        SchedulerTest.ScriptedAgent agent = new SchedulerTest.ScriptedAgent();
        agent.outcomes.put("slow@baton.test", DeliveryOutcome.Kind.DEFERRED);
        RecordingNotifier notifier = new RecordingNotifier();
        scheduler = new Scheduler(spool, agent, 1, new RetryPolicy(Duration.ofMinutes(5), Duration.ofHours(1),
                Duration.ofDays(5), Duration.ofHours(4)), notifier);
        scheduler.start();
        String id = store(spool, "slow@baton.test").id();
        await("the first attempt", () -> state(spool, id, 0).attempts() == 1);
        assertThat(notifier.notices).isEmpty();

        for (int attempt = 2; attempt <= 3; attempt++) {
            clock.advance(Duration.ofHours(5));
            scheduler.retryNow(id);
            int n = attempt;
            await("attempt " + n, () -> state(spool, id, 0).attempts() == n);
        }
        assertThat(notifier.notices).containsExactly("DELAYED slow@baton.test 451 4.3.0 later");
        assertThat(state(spool, id, 0).delayNotified()).isTrue();
    }

    @Test
    void whenTheNotificationCannotBeStoredTheMessageStaysAndIsTriedAgain() throws Exception {
        Spool spool = Spool.open(dir);
        SchedulerTest.ScriptedAgent agent = new SchedulerTest.ScriptedAgent();
        agent.outcomes.put("gone@baton.test", DeliveryOutcome.Kind.FAILED);
        RecordingNotifier notifier = new RecordingNotifier();
        notifier.broken.set(true);
        scheduler = new Scheduler(spool, agent, 1, new RetryPolicy(Duration.ofMillis(200), Duration.ofSeconds(1),
                Duration.ofDays(5), Duration.ZERO), notifier);
        scheduler.start();
        String id = store(spool, "gone@baton.test").id();
        await("the attempt was made", () -> agent.callsFor(id).size() == 1);
        scheduler.nextPass(id).get(20, TimeUnit.SECONDS); // the next try, whose DSN fails to be stored again
        assertThat(load(spool, id)).as("kept while its DSN cannot be stored").isNotNull();

        notifier.broken.set(false);
        await("the message leaves the spool once the DSN is stored", () -> load(spool, id) == null);
        assertThat(notifier.notices).contains("FAILED gone@baton.test 550 5.1.1 no such user");
    }

    @Test
    void anAdministratorsRetryAndBounceRequestsAreCarriedOut() throws Exception {
        Spool spool = Spool.open(dir);
        SchedulerTest.ScriptedAgent agent = new SchedulerTest.ScriptedAgent();
        agent.outcomes.put("slow@baton.test", DeliveryOutcome.Kind.DEFERRED);
        RecordingNotifier notifier = new RecordingNotifier();
        scheduler = new Scheduler(spool, agent, 1, RetryPolicy.DEFAULT, notifier);
        scheduler.start();
        String id = store(spool, "slow@baton.test").id();
        await("the first attempt", () -> agent.callsFor(id).size() == 1);

        spool.request(Spool.ControlAction.RETRY, id);
        await("the retry", () -> agent.callsFor(id).size() == 2);

        spool.request(Spool.ControlAction.BOUNCE, id);
        await("the bounce", () -> load(spool, id) == null);
        assertThat(notifier.notices).singleElement().asString()
                .startsWith("FAILED slow@baton.test 5.0.0 returned to the sender by the mail administrator")
                .contains("451 4.3.0 later");
        assertThat(agent.callsFor(id)).hasSize(2);
    }

    @Test
    void anAdministratorsBounceGivesTheLastDeliveryAttemptAsItsTimeNotTheTimeOfTheBounce() throws Exception {
        ManualClock clock = new ManualClock(Instant.parse("2025-06-01T10:00:00Z"));
        Spool spool = spool(clock);
        SchedulerTest.ScriptedAgent agent = new SchedulerTest.ScriptedAgent();
        agent.outcomes.put("slow@baton.test", DeliveryOutcome.Kind.DEFERRED);
        RecordingNotifier notifier = new RecordingNotifier();
        scheduler = new Scheduler(spool, agent, 1, RetryPolicy.DEFAULT, notifier);
        scheduler.start();
        String id = store(spool, "slow@baton.test").id();
        await("the first attempt", () -> state(spool, id, 0).attempts() == 1);

        clock.advance(Duration.ofHours(2));
        scheduler.bounceNow(id);
        assertThat(notifier.received).singleElement().satisfies(n -> {
            assertThat(n.event()).isEqualTo(Notifier.Event.FAILED);
            assertThat(n.when()).as("the attempt, two hours before the bounce").isEqualTo(Instant.parse("2025-06-01T10:00:00Z"));
        });
    }

    @Test
    void anAdministratorsBounceOfAMessageNeverTriedGivesNoLastAttempt() throws Exception {
        Spool spool = spool(new ManualClock(Instant.parse("2025-06-01T10:00:00Z")));
        RecordingNotifier notifier = new RecordingNotifier();
        SchedulerTest.ScriptedAgent agent = new SchedulerTest.ScriptedAgent();
        scheduler = new Scheduler(spool, agent, 1, RetryPolicy.DEFAULT, notifier); // not started: nothing is attempted
        String id = store(spool, "waiting@baton.test").id();
        scheduler.bounceNow(id);
        assertThat(agent.callsFor(id)).isEmpty();
        assertThat(notifier.received).singleElement().satisfies(n -> assertThat(n.when()).isNull());
    }

    private static QueuedMessage load(Spool spool, String id) {
        try {
            return spool.load(id).orElse(null);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
