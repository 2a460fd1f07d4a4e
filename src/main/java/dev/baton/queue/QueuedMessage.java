package dev.baton.queue;

import java.util.List;

/**
 * A committed message as the queue knows it: id, envelope, per-recipient state (same order as
 * the envelope's recipients), where its content starts in the queue file and how long it is.
 *
 * @param eightBit whether the content has an octet above 127, as seen while it was received;
 *                 null when not known (a message loaded from the spool), so a reader looks
 */
public record QueuedMessage(String id, Envelope envelope, List<RecipientState> states, long contentOffset, long contentSize,
        Boolean eightBit) {

    public QueuedMessage {
        states = List.copyOf(states);
        if (states.size() != envelope.recipients().size()) {
            throw new IllegalArgumentException("one state per recipient expected");
        }
    }

    /** A message whose content was not looked at for 8-bit octets. */
    public QueuedMessage(String id, Envelope envelope, List<RecipientState> states, long contentOffset, long contentSize) {
        this(id, envelope, states, contentOffset, contentSize, null);
    }

    public boolean isFinished() {
        return states.stream().allMatch(s -> s.status().isFinal());
    }

    public QueuedMessage withStates(List<RecipientState> newStates) {
        return new QueuedMessage(id, envelope, newStates, contentOffset, contentSize, eightBit);
    }
}
