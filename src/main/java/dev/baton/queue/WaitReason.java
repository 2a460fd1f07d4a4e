package dev.baton.queue;

import java.time.Instant;
import java.util.Objects;

/**
 * Why a recipient that is not final is still in the queue. Some reasons follow from its saved
 * state ({@link NotYetTried}, {@link RetryAt}); the others live in the running server's memory
 * only (a busy or dead destination, an attempt under way, an administrator's retry, a notice
 * that could not be stored), and the scheduler tells them ({@link Scheduler#whyWaiting}).
 */
public sealed interface WaitReason {

    /** One line for a person; its times as {@link #at} writes them. */
    String describe();

    /**
     * A time as a person reads it, to the second and with its zone (this machine's):
     * "2026-12-02 17:01:02 +00:00"; "-" for none. Every time the queue tools print is written so.
     */
    static String at(Instant t) {
        return t == null ? "-" : java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss xxx")
                .format(t.atZone(java.time.ZoneId.systemDefault()));
    }

    /** A short stable name, for JSON and the event log: "retry", "destination-dead", ... */
    String kind();

    /** Not tried yet; due at {@code due}. */
    record NotYetTried(Instant due) implements WaitReason {
        @Override
        public String describe() {
            return "not tried yet; due " + at(due);
        }

        @Override
        public String kind() {
            return "not-yet-tried";
        }
    }

    /** Tried and deferred: tried again at {@code next}, after {@code after}. */
    record RetryAt(Instant next, DeliveryReply after) implements WaitReason {
        public RetryAt {
            Objects.requireNonNull(after, "after");
        }

        @Override
        public String describe() {
            return "next retry at " + at(next) + " after: " + after.text();
        }

        @Override
        public String kind() {
            return "retry";
        }
    }

    /** Every connection its destination may have is in use; looked at again in a moment, not counting as an attempt. */
    record DestinationBusy(String destination, int connections) implements WaitReason {
        @Override
        public String describe() {
            return "destination " + destination + " busy (all " + connections + " of its connections in use)";
        }

        @Override
        public String kind() {
            return "destination-busy";
        }
    }

    /** Its destination is not answering; nothing goes there before {@code until}. */
    record DestinationDead(String destination, Instant until, DeliveryReply lastError) implements WaitReason {
        @Override
        public String describe() {
            return "destination " + destination + " not answering until " + at(until)
                    + (lastError == null ? "" : " (last error: " + lastError.text() + ")");
        }

        @Override
        public String kind() {
            return "destination-dead";
        }
    }

    /** A delivery attempt is under way since {@code since}. */
    record InDelivery(Instant since) implements WaitReason {
        @Override
        public String describe() {
            return "being delivered (since " + at(since) + ")";
        }

        @Override
        public String kind() {
            return "in-delivery";
        }
    }

    /** An administrator asked for a retry: it is tried at once, due or not. */
    record RetryRequested() implements WaitReason {
        @Override
        public String describe() {
            return "retry requested by the administrator; tried at once";
        }

        @Override
        public String kind() {
            return "retry-requested";
        }
    }

    /** An administrator holds the message; nothing delivers it until it is released. */
    record Held() implements WaitReason {
        @Override
        public String describe() {
            return "held by the administrator; released with 'baton queue release'";
        }

        @Override
        public String kind() {
            return "held";
        }
    }

    /** The queue itself failed (a notice or the state could not be stored); tried again at {@code next}. */
    record QueueTrouble(Instant next, String problem) implements WaitReason {
        @Override
        public String describe() {
            return "the queue could not record the last attempt (" + problem + "); tried again at " + at(next);
        }

        @Override
        public String kind() {
            return "queue-trouble";
        }
    }

    /** What the saved state alone says (all a tool reading the spool without a running server knows). */
    public static WaitReason fromState(RecipientState s) {
        if (s.attempts() == 0 || s.last() == null) {
            return new NotYetTried(s.nextAttempt());
        }
        return new RetryAt(s.nextAttempt(), s.last());
    }
}
