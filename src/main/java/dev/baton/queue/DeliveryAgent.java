package dev.baton.queue;

import java.util.List;

/** Delivers a message to some of its recipients; implemented by the delivery layer. */
@FunctionalInterface
public interface DeliveryAgent {

    /**
     * Attempts delivery to the given recipients and returns one outcome for each (in any
     * order). Must not throw for a delivery problem: a failure is an outcome.
     */
    List<DeliveryOutcome> deliver(QueuedMessage message, List<RecipientId> recipients);

    /**
     * An administrator's retry: as {@link #deliver}, but a destination marked dead is tried
     * anyway (the administrator says it is back).
     */
    default List<DeliveryOutcome> deliverDespiteDeadDestinations(QueuedMessage message, List<RecipientId> recipients) {
        return deliver(message, recipients);
    }

    /** The route a recipient takes now and its next hop, for a person ("smtp to [192.0.2.1]:25"); null when unknown. */
    default String route(QueuedMessage message, RecipientId recipient) {
        return null;
    }
}
