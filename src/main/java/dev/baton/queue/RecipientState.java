package dev.baton.queue;

import java.time.Instant;

/**
 * The delivery state of one recipient: status, attempts so far, when it is next tried and
 * the last reply (from a remote server or a local transport) that explains it.
 */
public record RecipientState(RecipientStatus status, int attempts, Instant nextAttempt, String lastReply, Instant updated,
                             boolean delayNotified) {

    public RecipientState(RecipientStatus status, int attempts, Instant nextAttempt, String lastReply, Instant updated) {
        this(status, attempts, nextAttempt, lastReply, updated, false);
    }

    public static RecipientState fresh(Instant now) {
        return new RecipientState(RecipientStatus.PENDING, 0, now, null, now);
    }

    public RecipientState delivered(String reply, Instant now) {
        return new RecipientState(RecipientStatus.DELIVERED, attempts + 1, null, reply, now, delayNotified);
    }

    public RecipientState failed(String reply, Instant now) {
        return new RecipientState(RecipientStatus.FAILED, attempts + 1, null, reply, now, delayNotified);
    }

    public RecipientState deferred(String reply, Instant next, Instant now) {
        return new RecipientState(RecipientStatus.PENDING, attempts + 1, next, reply, now, delayNotified);
    }

    /** The sender has been told this recipient is delayed; it is not told twice. */
    public RecipientState withDelayNotified() {
        return new RecipientState(status, attempts, nextAttempt, lastReply, updated, true);
    }
}
