package dev.baton.queue;

/**
 * What one delivery attempt did for one recipient.
 *
 * @param index              the recipient's position in the envelope
 * @param reply              the reply that explains it, as a mail administrator would want to read it
 * @param relayedToNonDsnHop delivered to a next hop that does not offer DSN while the recipient
 *                           asked for NOTIFY=SUCCESS: the sender is owed a "relayed" DSN (RFC 3461 4.1)
 */
public record DeliveryOutcome(int index, Kind kind, String reply, boolean relayedToNonDsnHop) {

    /**
     * Delivered (final), failed for good (final), to be tried again later (an attempt that
     * counts), or postponed: not attempted at all (its destination had no free connection), to
     * be looked at again in a moment without counting as an attempt.
     */
    public enum Kind { DELIVERED, FAILED, DEFERRED, POSTPONED }

    public DeliveryOutcome(int index, Kind kind, String reply) {
        this(index, kind, reply, false);
    }

    public static DeliveryOutcome delivered(int index, String reply) {
        return new DeliveryOutcome(index, Kind.DELIVERED, reply, false);
    }

    /** Delivered; relayedToNonDsnHop when a "relayed" DSN is owed (see the record's parameters). */
    public static DeliveryOutcome delivered(int index, String reply, boolean relayedToNonDsnHop) {
        return new DeliveryOutcome(index, Kind.DELIVERED, reply, relayedToNonDsnHop);
    }

    public static DeliveryOutcome failed(int index, String reply) {
        return new DeliveryOutcome(index, Kind.FAILED, reply, false);
    }

    public static DeliveryOutcome deferred(int index, String reply) {
        return new DeliveryOutcome(index, Kind.DEFERRED, reply, false);
    }

    public static DeliveryOutcome postponed(int index, String reason) {
        return new DeliveryOutcome(index, Kind.POSTPONED, reason, false);
    }
}
