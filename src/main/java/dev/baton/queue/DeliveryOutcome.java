package dev.baton.queue;

import java.util.Objects;

/**
 * What one delivery attempt did for one recipient.
 *
 * @param recipient          which recipient of the message
 * @param reason             why, as data: a peer's reply or one of Baton's own conditions
 * @param handoff            for a delivered recipient, who reports its success (RFC 3461 5.2): this
 *                           server ({@link Handoff#FINAL}, {@link Handoff#RELAYED}) or the next hop
 *                           ({@link Handoff#NOTIFY_PASSED_ON}); {@link Handoff#FINAL} for the other kinds
 * @param waiting            for a deferral or postponement that the queue cannot see in the
 *                           reply itself (a dead or busy destination), why the recipient waits; else null
 */
public record DeliveryOutcome(RecipientId recipient, Kind kind, DeliveryReply reason, Handoff handoff,
                              WaitReason waiting) {

    /**
     * Delivered (final), failed for good (final), to be tried again later (an attempt that
     * counts), or postponed: not attempted at all, without counting as an attempt: its destination
     * had no free connection (looked at again in a moment) or is marked dead (waits until the
     * {@link WaitReason.DestinationDead#until} of its {@code waiting}).
     */
    public enum Kind { DELIVERED, FAILED, DEFERRED, POSTPONED }

    /** Where a delivered recipient went, as far as its success DSN is concerned. */
    public enum Handoff {
        /** Delivered here or by a final delivery agent (Maildir, LMTP): "delivered" is ours to report. */
        FINAL,
        /** Passed to a next hop without DSN: "relayed" is ours to report (RFC 3461 5.2.3). */
        RELAYED,
        /** Passed to a next hop that offers DSN, with NOTIFY: it reports, not we (RFC 3461 5.2.1). */
        NOTIFY_PASSED_ON,
        /**
         * Discarded by a route with the discard transport: not delivered (RFC 3461 5.2.2 "delivered"
         * would be untrue) and not relayed, so no success DSN is owed or sent (ADR 0016).
         */
        DISCARDED
    }

    public DeliveryOutcome {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(handoff, "handoff");
    }

    public DeliveryOutcome(RecipientId recipient, Kind kind, DeliveryReply reason) {
        this(recipient, kind, reason, Handoff.FINAL, null);
    }

    /** The same outcome with its reason said over a session protected as {@code hop} says ({@link DeliveryReply#over}). */
    public DeliveryOutcome over(HopSecurity hop) {
        return hop == null ? this : new DeliveryOutcome(recipient, kind, reason.over(hop), handoff, waiting);
    }

    /** Delivered to a next hop without DSN: the sender is owed a "relayed" DSN if it asked for success. */
    public boolean relayedToNonDsnHop() {
        return handoff == Handoff.RELAYED;
    }

    /** The reason as a mail administrator reads it. */
    public String reply() {
        return reason.text();
    }

    public static DeliveryOutcome delivered(RecipientId recipient, DeliveryReply reason) {
        return new DeliveryOutcome(recipient, Kind.DELIVERED, reason, Handoff.FINAL, null);
    }

    /** Delivered, and who reports the success (see the record's parameters). */
    public static DeliveryOutcome delivered(RecipientId recipient, DeliveryReply reason, Handoff handoff) {
        return new DeliveryOutcome(recipient, Kind.DELIVERED, reason, handoff, null);
    }

    public static DeliveryOutcome failed(RecipientId recipient, DeliveryReply reason) {
        return new DeliveryOutcome(recipient, Kind.FAILED, reason, Handoff.FINAL, null);
    }

    public static DeliveryOutcome deferred(RecipientId recipient, DeliveryReply reason) {
        return new DeliveryOutcome(recipient, Kind.DEFERRED, reason, Handoff.FINAL, null);
    }

    /** Deferred for a reason the scheduler keeps in memory (a dead destination). */
    public static DeliveryOutcome deferred(RecipientId recipient, DeliveryReply reason, WaitReason waiting) {
        return new DeliveryOutcome(recipient, Kind.DEFERRED, reason, Handoff.FINAL, waiting);
    }

    public static DeliveryOutcome postponed(RecipientId recipient, DeliveryReply reason, WaitReason waiting) {
        return new DeliveryOutcome(recipient, Kind.POSTPONED, reason, Handoff.FINAL, waiting);
    }
}
