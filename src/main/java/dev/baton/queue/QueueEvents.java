package dev.baton.queue;

/**
 * What the scheduler reports to the event log, per recipient and attempt (the node turns it
 * into the Delivery and Queue events of docs/events.md). Called on a delivery thread: an
 * implementation must not block.
 */
public interface QueueEvents {

    QueueEvents NONE = new QueueEvents() { };

    /** The recipient was delivered (or relayed); {@code state} is its new state. */
    default void delivered(QueuedMessage m, Recipient r, RecipientState state) {
    }

    /** The recipient waits for another attempt at {@code state.nextAttempt()}. */
    default void deferred(QueuedMessage m, Recipient r, RecipientState state) {
    }

    /** The recipient failed for good; {@code expired} when it was the queue lifetime that ended it. */
    default void failed(QueuedMessage m, Recipient r, RecipientState state, boolean expired) {
    }

    /** An administrator returned the message to its sender: this recipient, not yet delivered, failed ({@code state}). */
    default void returned(QueuedMessage m, Recipient r, RecipientState state) {
    }

    /** An administrator returned the message to its sender; {@code recipients} had not been delivered. */
    default void returnedByAdministrator(QueuedMessage m, int recipients) {
    }

    /** An administrator held the message. */
    default void held(QueuedMessage m) {
    }

    /** An administrator released the held message. */
    default void released(QueuedMessage m) {
    }

    /** An administrator deleted the message (no report). */
    default void deleted(QueuedMessage m) {
    }

    /** An administrator had the message tried now; {@code how}: "retry", "flush of example.test", "re-route". */
    default void retriedByAdministrator(QueuedMessage m, String how) {
    }
}
