package dev.baton.queue;

import java.time.Instant;
import java.util.Objects;

/**
 * The delivery state of one recipient: status, attempts so far, when it is next tried and
 * the last reply (from a remote server or Baton itself) that explains it.
 *
 * @param recipient which recipient of the message
 * @param last      the reply of the last attempt, null before the first
 */
public record RecipientState(RecipientId recipient, RecipientStatus status, int attempts, Instant nextAttempt, DeliveryReply last,
                             Instant updated, boolean delayNotified) {

    public RecipientState {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(status, "status");
    }

    public static RecipientState fresh(RecipientId recipient, Instant now) {
        return new RecipientState(recipient, RecipientStatus.PENDING, 0, now, null, now, false);
    }

    /** The last reply as a mail administrator reads it, null before the first attempt. */
    public String lastReply() {
        return last == null ? null : last.text();
    }

    public RecipientState delivered(DeliveryReply reply, Instant now) {
        return new RecipientState(recipient, RecipientStatus.DELIVERED, attempts + 1, null, reply, now, delayNotified);
    }

    public RecipientState failed(DeliveryReply reply, Instant now) {
        return new RecipientState(recipient, RecipientStatus.FAILED, attempts + 1, null, reply, now, delayNotified);
    }

    /** Failed without a delivery attempt (an administrator's bounce): the attempts stay as they were. */
    public RecipientState returned(DeliveryReply reply, Instant now) {
        return new RecipientState(recipient, RecipientStatus.FAILED, attempts, null, reply, now, delayNotified);
    }

    public RecipientState deferred(DeliveryReply reply, Instant next, Instant now) {
        return new RecipientState(recipient, RecipientStatus.PENDING, attempts + 1, next, reply, now, delayNotified);
    }

    /**
     * Not tried (its destination is marked dead) and so not counted as an attempt: the last
     * reply stays the one of the last real attempt; its next real try is {@code next}.
     */
    public RecipientState notTriedUntil(Instant next) {
        return new RecipientState(recipient, status, attempts, next, last, updated, delayNotified);
    }

    /** The sender has been told this recipient is delayed; it is not told twice. */
    public RecipientState withDelayNotified() {
        return new RecipientState(recipient, status, attempts, nextAttempt, last, updated, true);
    }
}
