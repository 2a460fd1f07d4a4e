package dev.baton.queue;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes committed messages from the spool and hands them to the delivery agent, each when its
 * pending recipients are due. Deferred recipients are tried again per the {@link RetryPolicy};
 * a message older than its lifetime fails with the last reply it got. Failures, delays and
 * successes the sender asked for are reported through the {@link Notifier} (DSNs); a message
 * leaves the spool when every recipient has a final outcome and its notifications are queued.
 * Without a notifier, a message with a failed recipient stays in the spool (visible in
 * {@code baton queue list}) rather than vanish unreported.
 */
public final class Scheduler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
    /** How soon a message whose destination had no free connection is looked at again. */
    private static final Duration POSTPONE = Duration.ofMillis(200);
    /** Put in the queue once per worker at close, so each wakes and leaves at once. */
    private static final Due STOP = new Due("", Instant.EPOCH, Clock.systemUTC());

    private final Spool spool;
    private final DeliveryAgent agent;
    private final RetryPolicy retry;
    private final Notifier notifier;
    private final QueueEvents events;
    private final Clock clock;
    private final DelayQueue<Due> due = new DelayQueue<>();
    private final Set<String> scheduled = ConcurrentHashMap.newKeySet();
    private final Set<String> attempting = ConcurrentHashMap.newKeySet();
    /** Messages an administrator asked to try now, and which of their recipients (flush: one domain's). */
    private final Map<String, java.util.function.Predicate<Recipient>> forced = new ConcurrentHashMap<>();
    private final Map<String, QueuedMessage> fresh = new ConcurrentHashMap<>();
    /** Why recipients wait, where only this scheduler knows it: message id -> recipient -> reason. */
    private final Map<String, Map<RecipientId, WaitReason>> remembered = new ConcurrentHashMap<>();
    /** Messages being attempted now, and since when. */
    private final Map<String, Instant> attemptStarted = new ConcurrentHashMap<>();
    /** Who waits for the next pass over a message (see {@link #nextPass}). */
    private final Map<String, List<CompletableFuture<Void>>> passWaiters = new ConcurrentHashMap<>();
    private final ExecutorService workers;
    private final int workerCount;
    private volatile boolean running = true;
    private Thread requests;

    /** A scheduler without notifications: retries from retryDelay doubling up to one hour. */
    public Scheduler(Spool spool, DeliveryAgent agent, int workers, Duration retryDelay) {
        this(spool, agent, workers, new RetryPolicy(retryDelay, Duration.ofHours(1), Duration.ofDays(5), Duration.ZERO), null);
    }

    /** @param notifier where DSNs go; null to keep messages with failed recipients in the spool */
    public Scheduler(Spool spool, DeliveryAgent agent, int workers, RetryPolicy retry, Notifier notifier) {
        this(spool, agent, workers, retry, notifier, QueueEvents.NONE);
    }

    /** As the constructor before, reporting each recipient's outcome to {@code events}. */
    public Scheduler(Spool spool, DeliveryAgent agent, int workers, RetryPolicy retry, Notifier notifier, QueueEvents events) {
        this.spool = spool;
        this.agent = agent;
        this.retry = retry;
        this.notifier = notifier;
        this.events = events;
        this.clock = spool.clock();
        this.workerCount = workers;
        this.workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("delivery-", 0).factory());
    }

    /** Schedules everything already in the spool, then follows new commits. */
    public void start() throws IOException {
        spool.onCommit(m -> {
            fresh.put(m.id(), m);
            schedule(m.id(), clock.instant());
        });
        int n = 0;
        for (QueuedMessage m : spool.list()) {
            if (!spool.isHeld(m.id())) {
                nextAttempt(m).ifPresent(at -> schedule(m.id(), at));
            }
            n++;
        }
        if (n > 0) {
            LOG.info("queue: {} message(s) recovered from the spool", n);
        }
        for (int i = 0; i < workerCount; i++) {
            workers.execute(this::work);
        }
        requests = Thread.ofVirtual().name("queue-requests").start(this::followRequests);
    }

    /** Failed tries in a row to read the administrators' requests; only the request thread uses it. */
    private long requestFailures;

    /** Carries out administrators' retry and bounce requests left in the spool. */
    private void followRequests() {
        while (running) {
            try {
                for (var r : spool.takeRequests()) {
                    switch (r.getKey()) {
                        case RETRY -> {
                            if (r.getValue().equals("all")) {
                                for (QueuedMessage m : spool.list()) {
                                    forceRetry(m.id());
                                }
                            } else {
                                forceRetry(r.getValue());
                            }
                        }
                        case BOUNCE -> bounceNow(r.getValue());
                    }
                }
                if (requestFailures > 0) {
                    LOG.info("queue: administrator requests readable again after {} failed tries", requestFailures);
                    requestFailures = 0;
                }
            } catch (IOException | RuntimeException e) {
                // once, then once a minute: out of descriptors this would say the same every second
                if (requestFailures++ % 60 == 0) {
                    LOG.error("queue: cannot read administrator requests ({} tries so far): {}", requestFailures, e.toString());
                }
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * Returns a message to its sender now (an administrator's bounce): every recipient not yet
     * delivered fails, the sender gets a DSN, and the message leaves the queue.
     */
    public boolean bounceNow(String id) throws IOException {
        if (notifier == null) {
            throw new IOException("bounces need a notifier");
        }
        return exclusively(id, () -> {
            Optional<QueuedMessage> loaded = spool.load(id);
            if (loaded.isEmpty()) {
                return false;
            }
            QueuedMessage m = loaded.get();
            Instant now = clock.instant();
            List<RecipientState> states = new ArrayList<>(m.states());
            List<Notifier.Notice> notices = new ArrayList<>();
            for (int i = 0; i < states.size(); i++) {
                RecipientState s = states.get(i);
                if (!s.status().isFinal()) {
                    DeliveryReply why = DeliveryText.RETURNED_BY_ADMINISTRATOR
                            .reply(s.last() == null ? "none, not tried yet" : s.last().text()).causedBy(s.last());
                    states.set(i, s.returned(why, now));
                    // Last-Attempt-Date is the last delivery attempt, not this bounce; none when never tried
                    notices.add(new Notifier.Notice(s.recipient(), Notifier.Event.FAILED, why, s.attempts() > 0 ? s.updated() : null));
                }
            }
            for (RecipientState s : states) {
                if (s.status() == RecipientStatus.FAILED && m.state(s.recipient()).status() != RecipientStatus.FAILED) {
                    events.returned(m, m.recipient(s.recipient()), s);
                }
            }
            if (!notices.isEmpty()) {
                notifier.notify(m.withStates(states), notices);
            }
            spool.remove(id);
            remembered.remove(id);
            forced.remove(id);
            scheduled.remove(id);
            events.returnedByAdministrator(m, notices.size());
            LOG.info("queue: {} returned to <{}> by the administrator", id, m.envelope().sender());
            return true;
        });
    }

    /**
     * Makes a message due now (an administrator's retry). A message being attempted right now
     * is not attempted twice at once: it is picked up again once the attempt ends.
     */
    public void retryNow(String id) {
        scheduled.remove(id);
        schedule(id, clock.instant());
    }

    /**
     * An administrator's retry: every pending recipient is tried now, due or not, and a
     * destination marked dead is tried anyway (the administrator says it is back). A held
     * message stays held.
     */
    public void forceRetry(String id) {
        forceRetry(id, "retry");
    }

    /** As {@link #forceRetry(String)}, logged as {@code how}; false when the message is not queued or is held. */
    public boolean forceRetry(String id, String how) {
        Optional<QueuedMessage> m;
        try {
            m = spool.load(id);
        } catch (IOException e) {
            m = Optional.empty();
        }
        if (m.isEmpty() || spool.isHeld(id)) {
            return false;
        }
        events.retriedByAdministrator(m.get(), how);
        forced.put(id, r -> true);
        retryNow(id);
        return true;
    }

    /**
     * Re-routes a message after a change of the routes (postsuper -r): Baton looks its routes up
     * at every attempt, so this is a retry now under the routes in force, forgetting what the old
     * route's destinations were (dead, busy).
     */
    public boolean reroute(String id) {
        remembered.remove(id);
        return forceRetry(id, "re-route under the routes in force");
    }

    /**
     * Flushes one destination (postqueue -s): every queued message with a recipient not yet final
     * in {@code domain} has those recipients tried now, as {@link #forceRetry} does. Returns the
     * ids made due.
     */
    public List<String> flush(String domain) throws IOException {
        String d = domain.toLowerCase(java.util.Locale.ROOT);
        java.util.function.Predicate<Recipient> inDomain = r -> r.domain().equalsIgnoreCase(d);
        List<String> ids = new ArrayList<>();
        for (QueuedMessage m : spool.list()) {
            boolean any = false;
            for (RecipientState s : m.states()) {
                any |= !s.status().isFinal() && inDomain.test(m.recipient(s.recipient()));
            }
            if (any && !spool.isHeld(m.id())) {
                events.retriedByAdministrator(m, "flush of " + d);
                forced.merge(m.id(), inDomain, java.util.function.Predicate::or);
                retryNow(m.id());
                ids.add(m.id());
            }
        }
        return ids;
    }

    /** The queued messages a filter selects, oldest first. */
    public List<QueuedMessage> select(QueueFilter f) throws IOException {
        return spool.list().stream().filter(f::matches).toList();
    }

    /** Runs {@code action} on a message while no worker attempts it (and none starts to). */
    private <T> T exclusively(String id, IoSupplier<T> action) throws IOException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!attempting.add(id)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("message " + id + " is still being delivered; try again later");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the delivery of " + id + " to end");
            }
        }
        try {
            return action.get();
        } finally {
            attempting.remove(id);
        }
    }

    @FunctionalInterface
    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    /**
     * Holds a message (postsuper -h): no worker delivers it until {@link #release}; an attempt
     * under way ends first. The hold is on disk, so it outlasts a restart. False when the message
     * is not queued or held already.
     */
    public boolean hold(String id) throws IOException {
        return exclusively(id, () -> {
            Optional<QueuedMessage> m = spool.load(id);
            if (m.isEmpty() || !spool.hold(id)) {
                return false;
            }
            scheduled.remove(id);
            forced.remove(id);
            events.held(m.get());
            LOG.info("queue: {} held by the administrator", id);
            return true;
        });
    }

    /**
     * Releases a held message (postsuper -H): it is tried at once, as by {@link #forceRetry}
     * (the administrator released it to go). False when it was not held.
     */
    public boolean release(String id) throws IOException {
        return exclusively(id, () -> {
            Optional<QueuedMessage> m = spool.load(id);
            if (m.isEmpty() || !spool.release(id)) {
                return false;
            }
            events.released(m.get());
            LOG.info("queue: {} released by the administrator", id);
            // released to go: tried at once, as a retry is
            forced.put(id, r -> true);
            retryNow(id);
            return true;
        });
    }

    /** Deletes a message without a report (postsuper -d); false when it is not queued. */
    public boolean delete(String id) throws IOException {
        return exclusively(id, () -> {
            Optional<QueuedMessage> m = spool.load(id);
            if (m.isEmpty() || !spool.remove(id)) {
                return false;
            }
            remembered.remove(id);
            forced.remove(id);
            fresh.remove(id);
            scheduled.remove(id);
            events.deleted(m.get());
            LOG.info("queue: {} deleted by the administrator", id);
            return true;
        });
    }

    private void schedule(String id, Instant at) {
        if (scheduled.add(id)) {
            due.add(new Due(id, at, clock));
        }
    }

    static Optional<Instant> nextAttempt(QueuedMessage m) {
        return m.states().stream().filter(s -> !s.status().isFinal()).map(RecipientState::nextAttempt)
                .min(Instant::compareTo);
    }

    private void work() {
        while (running) {
            Due d;
            try {
                d = due.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (d == null) {
                continue;
            }
            if (d == STOP) {
                return;
            }
            scheduled.remove(d.id);
            if (!attempting.add(d.id)) {
                // another worker holds this message; look again shortly rather than deliver twice
                schedule(d.id, clock.instant().plus(Duration.ofSeconds(1)));
                continue;
            }
            attemptStarted.put(d.id, clock.instant());
            List<CompletableFuture<Void>> waiters = passWaiters.remove(d.id);
            try {
                attempt(d.id);
            } catch (IOException | RuntimeException e) {
                Instant next = clock.instant().plus(retry.first());
                LOG.error("queue: delivery of {} failed unexpectedly; trying again in {}: {}", d.id, retry.first(), e.toString());
                rememberForAll(d.id, new WaitReason.QueueTrouble(next, e.toString()));
                schedule(d.id, next);
            } finally {
                attemptStarted.remove(d.id);
                attempting.remove(d.id);
                if (waiters != null) {
                    waiters.forEach(w -> w.complete(null));
                }
            }
        }
    }

    private void attempt(String id) throws IOException {
        if (spool.isHeld(id)) {
            fresh.remove(id);
            return; // held: release schedules it again
        }
        QueuedMessage m = fresh.remove(id);
        // only a message that came straight from its commit has never had a state file
        boolean hasStateFile = m == null;
        if (m == null) {
            Optional<QueuedMessage> loaded = spool.load(id);
            if (loaded.isEmpty()) {
                return; // deleted meanwhile
            }
            m = loaded.get();
        }
        Instant now = clock.instant();
        java.util.function.Predicate<Recipient> force = forced.remove(id);
        List<RecipientId> todo = new ArrayList<>();
        for (RecipientState s : m.states()) {
            if (!s.status().isFinal() && ((force != null && force.test(m.recipient(s.recipient()))) || !s.nextAttempt().isAfter(now))) {
                todo.add(s.recipient());
            }
        }
        if (todo.isEmpty()) {
            nextAttempt(m).ifPresent(at -> schedule(id, at));
            if (!hasStateFile) {
                fresh.put(id, m);
            }
            return;
        }
        List<DeliveryOutcome> outcomes = force != null ? agent.deliverDespiteDeadDestinations(m, todo) : agent.deliver(m, todo);
        QueuedMessage updated = m;
        List<Notifier.Notice> notices = new ArrayList<>();
        Map<RecipientId, WaitReason> memory = new java.util.HashMap<>();
        Instant expires = m.envelope().arrival().plus(retry.lifetime());
        boolean warnDelay = !retry.delayWarning().isZero() && !now.isBefore(m.envelope().arrival().plus(retry.delayWarning()));
        boolean postponed = false;
        boolean changed = false;
        List<Runnable> reports = new ArrayList<>(outcomes.size());
        for (DeliveryOutcome o : outcomes) {
            RecipientState s = updated.state(o.recipient());
            if (o.waiting() != null) {
                memory.put(o.recipient(), o.waiting());
            }
            if (o.kind() == DeliveryOutcome.Kind.POSTPONED) {
                if (!(o.waiting() instanceof WaitReason.DestinationDead dead) || dead.until() == null) {
                    postponed = true; // busy: not attempted, its state stays as it is
                    continue;
                }
                if (now.isBefore(expires)) {
                    // dead: not attempted and not counted; looked at again when the destination may be tried, or it expires
                    updated = updated.withState(s.notTriedUntil(dead.until().isBefore(expires) ? dead.until() : expires));
                    changed = true;
                    continue;
                }
                // dead at the end of its lifetime: it expires below, as a deferral would
            }
            changed = true;
            // a dead destination at the end of the lifetime: it expires as a deferral would, with the last real reply
            DeliveryReply why = o.kind() == DeliveryOutcome.Kind.POSTPONED && s.last() != null ? s.last() : o.reason();
            RecipientState next = switch (o.kind()) {
                case DELIVERED -> s.delivered(o.reason(), now);
                case FAILED -> s.failed(o.reason(), now);
                case DEFERRED -> now.isBefore(expires)
                        ? s.deferred(o.reason(), now.plus(retry.jittered(s.attempts() + 1)), now)
                        : s.failed(DeliveryText.EXPIRED.reply(DeliveryText.duration(retry.lifetime()), o.reason().text()).causedBy(o.reason()), now);
                case POSTPONED -> s.returned(DeliveryText.EXPIRED.reply(DeliveryText.duration(retry.lifetime()), why.text()).causedBy(why), now);
            };
            switch (next.status()) {
                case FAILED -> notices.add(new Notifier.Notice(o.recipient(), Notifier.Event.FAILED, next.last(), now));
                case DELIVERED -> {
                    switch (o.handoff()) {
                        case RELAYED -> notices.add(new Notifier.Notice(o.recipient(), Notifier.Event.RELAYED, next.last(), now));
                        case FINAL -> notices.add(new Notifier.Notice(o.recipient(), Notifier.Event.DELIVERED, next.last(), now));
                        case NOTIFY_PASSED_ON -> {
                            // the next hop got NOTIFY and reports the success itself (RFC 3461 5.2.1)
                        }
                        case DISCARDED -> {
                            // not delivered and not relayed: no success DSN is true of it (ADR 0016)
                        }
                    }
                }
                case PENDING -> {
                    if (warnDelay && !s.delayNotified()) {
                        notices.add(new Notifier.Notice(o.recipient(), Notifier.Event.DELAYED, next.last(), now));
                        next = next.withDelayNotified();
                    }
                }
            }
            updated = updated.withState(next);
            Recipient rcpt = m.recipient(o.recipient());
            RecipientState reported = next;
            QueuedMessage about = m;
            boolean expired = (o.kind() == DeliveryOutcome.Kind.DEFERRED || o.kind() == DeliveryOutcome.Kind.POSTPONED)
                    && next.status() == RecipientStatus.FAILED;
            reports.add(switch (next.status()) {
                case DELIVERED -> () -> events.delivered(about, rcpt, reported);
                case FAILED -> () -> events.failed(about, rcpt, reported, expired);
                case PENDING -> () -> events.deferred(about, rcpt, reported);
            });
            if (next.status() != RecipientStatus.DELIVERED) {
                LOG.warn("queue: {} to <{}> {}: {}", id, m.recipient(o.recipient()).address(),
                        next.status() == RecipientStatus.FAILED ? "failed" : "deferred", next.lastReply());
            }
        }
        if (memory.isEmpty()) {
            remembered.remove(id);
        } else {
            remembered.put(id, Map.copyOf(memory));
        }
        if (!changed) {
            // nothing was attempted: look again shortly, without touching the disk
            if (!hasStateFile) {
                fresh.put(id, updated);
            }
            schedule(id, now.plus(POSTPONE));
            return;
        }
        reports.forEach(Runnable::run); // what happened, before the reports it causes
        if (notifier != null && !notices.isEmpty()) {
            // durable before the states that caused them: a crash repeats a DSN, never loses one
            notifier.notify(updated, notices);
        }
        boolean finished = notifier != null ? updated.isFinished()
                : updated.states().stream().allMatch(s -> s.status() == RecipientStatus.DELIVERED);
        if (finished) {
            spool.remove(id, hasStateFile);
            remembered.remove(id);
            return;
        }
        spool.saveStates(updated);
        if (postponed) {
            schedule(id, now.plus(POSTPONE));
        } else {
            nextAttempt(updated).ifPresent(at -> schedule(id, at));
        }
    }

    private void rememberForAll(String id, WaitReason reason) {
        remembered.compute(id, (k, old) -> {
            Map<RecipientId, WaitReason> all = new java.util.HashMap<>(old == null ? Map.of() : old);
            try {
                spool.load(id).ifPresent(m -> m.states().stream().filter(s -> !s.status().isFinal())
                        .forEach(s -> all.put(s.recipient(), reason)));
            } catch (IOException e) {
                // the reason is a courtesy to the administrator; the retry is scheduled anyway
            }
            return Map.copyOf(all);
        });
    }

    /**
     * Why each recipient of a message that is not final waits, as this scheduler knows it: an
     * attempt under way, an administrator's retry, a busy or dead destination, trouble in the
     * queue itself; else what its saved state says. Empty when the message is not queued.
     */
    public Map<RecipientId, WaitReason> whyWaiting(String id) throws IOException {
        Optional<QueuedMessage> loaded = spool.load(id);
        if (loaded.isEmpty()) {
            return Map.of();
        }
        Map<RecipientId, WaitReason> out = new java.util.LinkedHashMap<>();
        Instant since = attemptStarted.get(id);
        Map<RecipientId, WaitReason> memory = remembered.getOrDefault(id, Map.of());
        for (RecipientState s : loaded.get().states()) {
            if (s.status().isFinal()) {
                continue;
            }
            WaitReason r;
            if (since != null) {
                r = new WaitReason.InDelivery(since);
            } else if (forced.containsKey(id)) {
                r = new WaitReason.RetryRequested();
            } else if (spool.isHeld(id)) {
                r = new WaitReason.Held();
            } else {
                r = memory.getOrDefault(s.recipient(), WaitReason.fromState(s));
            }
            out.put(s.recipient(), r);
        }
        return out;
    }

    /** The route each recipient not yet final takes now, and its next hop (see {@link DeliveryAgent#route}). */
    public Map<RecipientId, String> routes(String id) throws IOException {
        Optional<QueuedMessage> loaded = spool.load(id);
        Map<RecipientId, String> out = new java.util.LinkedHashMap<>();
        loaded.ifPresent(m -> m.states().forEach(s -> {
            String r = agent.route(m, s.recipient());
            if (r != null) {
                out.put(s.recipient(), r);
            }
        }));
        return out;
    }

    /**
     * Completes when a worker has next looked at the message: a pass that starts after this call
     * (an attempt, or finding nothing due) and has ended. Ask before making the message due
     * ({@link #retryNow}); then "nothing was attempted" is a fact, not a guess after a sleep.
     */
    public CompletableFuture<Void> nextPass(String id) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        passWaiters.compute(id, (k, l) -> {
            List<CompletableFuture<Void>> list = l == null ? new ArrayList<>() : l;
            list.add(f);
            return list;
        });
        return f;
    }

    /** The delay before the next attempt after {@code attempts} attempts, without jitter. */
    Duration backoff(int attempts) {
        return retry.backoff(attempts);
    }

    /**
     * Messages waiting for their next attempt: each once (a retry now leaves the earlier entry in
     * the delay queue, to be skipped when it falls due), and none the administrator removed.
     */
    public int waiting() {
        return scheduled.size();
    }

    @Override
    public void close() {
        running = false;
        passWaiters.values().forEach(l -> l.forEach(f -> f.cancel(false)));
        if (requests != null) {
            requests.interrupt();
        }
        for (int i = 0; i < workerCount; i++) {
            due.add(STOP);
        }
        workers.shutdown();
        try {
            workers.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Due(String id, Instant at, Clock clock) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(Duration.between(clock.instant(), at));
        }

        @Override
        public int compareTo(Delayed o) {
            return at.compareTo(((Due) o).at);
        }
    }
}
