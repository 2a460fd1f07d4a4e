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
}
