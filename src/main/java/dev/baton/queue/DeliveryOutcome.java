package dev.baton.queue;

/**
 * What one delivery attempt did for one recipient.
 *
 * @param index   the recipient's position in the envelope
 * @param reply   the reply that explains it, as a mail administrator would want to read it
 * @param relayed delivered to a next hop that does not offer DSN, so this server must send the
 *                "relayed" notification a NOTIFY=SUCCESS asked for (RFC 3461 4.1)
 */
public record DeliveryOutcome(int index, Kind kind, String reply, boolean relayed) {

    public DeliveryOutcome(int index, Kind kind, String reply) {
        this(index, kind, reply, false);
    }

    /** Delivered (final), failed for good (final), or to be tried again later. */
    public enum Kind { DELIVERED, FAILED, DEFERRED }

    public static DeliveryOutcome delivered(int index, String reply) {
        return new DeliveryOutcome(index, Kind.DELIVERED, reply);
    }

    /** Delivered to a hop without DSN support: a NOTIFY=SUCCESS becomes a "relayed" DSN. */
    public static DeliveryOutcome relayed(int index, String reply) {
        return new DeliveryOutcome(index, Kind.DELIVERED, reply, true);
    }

    public static DeliveryOutcome failed(int index, String reply) {
        return new DeliveryOutcome(index, Kind.FAILED, reply);
    }

    public static DeliveryOutcome deferred(int index, String reply) {
        return new DeliveryOutcome(index, Kind.DEFERRED, reply);
    }
}
