package dev.baton.queue;

/**
 * What one delivery attempt did for one recipient.
 *
 * @param index the recipient's position in the envelope
 * @param reply the reply that explains it, as a mail administrator would want to read it
 */
public record DeliveryOutcome(int index, Kind kind, String reply) {

    /** Delivered (final), failed for good (final), or to be tried again later. */
    public enum Kind { DELIVERED, FAILED, DEFERRED }

    public static DeliveryOutcome delivered(int index, String reply) {
        return new DeliveryOutcome(index, Kind.DELIVERED, reply);
    }

    public static DeliveryOutcome failed(int index, String reply) {
        return new DeliveryOutcome(index, Kind.FAILED, reply);
    }

    public static DeliveryOutcome deferred(int index, String reply) {
        return new DeliveryOutcome(index, Kind.DEFERRED, reply);
    }
}
