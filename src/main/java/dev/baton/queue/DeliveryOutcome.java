package dev.baton.queue;

import java.util.Objects;

/**
 * What one delivery attempt did for one recipient.
 *
 * @param recipient          which recipient of the message
 * @param reason             why, as data: a peer's reply or one of Baton's own conditions
 * @param relayedToNonDsnHop delivered to a next hop that does not offer DSN while the recipient
 *                           asked for NOTIFY=SUCCESS: the sender is owed a "relayed" DSN (RFC 3461 4.1)
 * @param waiting            for a deferral or postponement that the queue cannot see in the
 *                           reply itself (a dead or busy destination), why the recipient waits; else null
 */
public record DeliveryOutcome(RecipientId recipient, Kind kind, DeliveryReply reason, boolean relayedToNonDsnHop,
                              WaitReason waiting) {

    /**
     * Delivered (final), failed for good (final), to be tried again later (an attempt that
     * counts), or postponed: not attempted at all (its destination had no free connection), to
     * be looked at again in a moment without counting as an attempt.
     */
    public enum Kind { DELIVERED, FAILED, DEFERRED, POSTPONED }

    public DeliveryOutcome {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reason, "reason");
    }

    public DeliveryOutcome(RecipientId recipient, Kind kind, DeliveryReply reason) {
        this(recipient, kind, reason, false, null);
    }

    /** The reason as a mail administrator reads it. */
    public String reply() {
        return reason.text();
    }

    public static DeliveryOutcome delivered(RecipientId recipient, DeliveryReply reason) {
        return new DeliveryOutcome(recipient, Kind.DELIVERED, reason, false, null);
    }

    /** Delivered; relayedToNonDsnHop when a "relayed" DSN is owed (see the record's parameters). */
    public static DeliveryOutcome delivered(RecipientId recipient, DeliveryReply reason, boolean relayedToNonDsnHop) {
        return new DeliveryOutcome(recipient, Kind.DELIVERED, reason, relayedToNonDsnHop, null);
    }

    public static DeliveryOutcome failed(RecipientId recipient, DeliveryReply reason) {
        return new DeliveryOutcome(recipient, Kind.FAILED, reason, false, null);
    }

    public static DeliveryOutcome deferred(RecipientId recipient, DeliveryReply reason) {
        return new DeliveryOutcome(recipient, Kind.DEFERRED, reason, false, null);
    }

    /** Deferred for a reason the scheduler keeps in memory (a dead destination). */
    public static DeliveryOutcome deferred(RecipientId recipient, DeliveryReply reason, WaitReason waiting) {
        return new DeliveryOutcome(recipient, Kind.DEFERRED, reason, false, waiting);
    }

    public static DeliveryOutcome postponed(RecipientId recipient, DeliveryReply reason, WaitReason waiting) {
        return new DeliveryOutcome(recipient, Kind.POSTPONED, reason, false, waiting);
    }
}
