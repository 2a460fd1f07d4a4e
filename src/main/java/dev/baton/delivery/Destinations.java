package dev.baton.delivery;

import dev.baton.queue.DeliveryReply;
import dev.baton.queue.DeliveryText;
import dev.baton.queue.WaitReason;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Concurrency per destination, as Postfix's queue manager does it: each destination starts with
 * a few connections at once, gets one more after every attempt the peer answered, and half as
 * many after every attempt it did not (nobody listening, a 4xx greeting, a broken session).
 * Failing at one connection marks it dead for a while (one minute, doubling up to half an hour):
 * its messages wait until then without an attempt (none is counted), naming the reason, so a
 * broken peer holds no delivery worker and delays nobody else. An administrator's retry tries a
 * dead destination anyway.
 */
final class Destinations {

    static final int INITIAL = 5;
    private static final Duration FIRST_DEAD = Duration.ofMinutes(1);
    private static final Duration MAX_DEAD = Duration.ofMinutes(30);

    private final int max;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, State> states = new HashMap<>();

    Destinations(int maxPerDestination, Clock clock) {
        this.max = maxPerDestination;
        this.clock = clock;
    }

    private static final class State {
        int limit;
        int active;
        Instant deadUntil;
        Duration deadFor = FIRST_DEAD;
        DeliveryReply lastError;

        State(int limit) {
            this.limit = limit;
        }
    }

    /** Why a destination cannot take a delivery now: the reply for its recipients, and why they wait. */
    sealed interface Refusal {
        DeliveryReply reply();

        WaitReason waiting();

        /** The reply as a mail administrator reads it. */
        default String reason() {
            return reply().text();
        }
    }

    /** Dead: wait until it may be tried again, not counting an attempt. */
    record Dead(DeliveryReply reply, WaitReason.DestinationDead waiting) implements Refusal {
    }

    /** Every connection slot is taken: try again in a moment, not counting an attempt. */
    record Busy(DeliveryReply reply, WaitReason.DestinationBusy waiting) implements Refusal {
    }

    /** Takes a connection slot; returns null when taken, else why not. */
    Refusal acquire(String destination) {
        return acquire(destination, false);
    }

    /** As {@link #acquire(String)}; {@code despiteDead}: an administrator's retry, which tries a dead destination anyway. */
    Refusal acquire(String destination, boolean despiteDead) {
        Instant now = clock.instant();
        lock.lock();
        try {
            State s = states.computeIfAbsent(destination, k -> new State(Math.min(INITIAL, max)));
            if (!despiteDead && s.deadUntil != null && now.isBefore(s.deadUntil)) {
                DeliveryReply why = DeliveryText.DESTINATION_DEAD
                        .reply(destination, s.deadUntil, s.lastError == null ? "(none)" : s.lastError.text()).causedBy(s.lastError);
                return new Dead(why, new WaitReason.DestinationDead(destination, s.deadUntil, s.lastError));
            }
            if (s.active >= s.limit) {
                return new Busy(DeliveryText.DESTINATION_BUSY.reply(destination, s.limit),
                        new WaitReason.DestinationBusy(destination, s.limit));
            }
            s.active++;
            return null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives the slot back with what the attempt showed: answered (the peer took part in a
     * session) or not, with the error then (null when there was none to show).
     */
    void release(String destination, boolean answered, DeliveryReply error) {
        Instant now = clock.instant();
        lock.lock();
        try {
            State s = states.get(destination);
            if (s == null) {
                return;
            }
            s.active = Math.max(0, s.active - 1);
            if (answered) {
                s.limit = Math.min(max, s.limit + 1);
                s.deadUntil = null;
                s.deadFor = FIRST_DEAD;
                return;
            }
            s.lastError = error;
            if (s.limit <= 1) {
                s.deadUntil = now.plus(s.deadFor);
                Duration next = s.deadFor.multipliedBy(2);
                s.deadFor = next.compareTo(MAX_DEAD) > 0 ? MAX_DEAD : next;
            } else {
                s.limit = Math.max(1, s.limit / 2);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The current limit of a destination (for tests and diagnostics). */
    int limit(String destination) {
        lock.lock();
        try {
            State s = states.get(destination);
            return s == null ? Math.min(INITIAL, max) : s.limit;
        } finally {
            lock.unlock();
        }
    }
}
