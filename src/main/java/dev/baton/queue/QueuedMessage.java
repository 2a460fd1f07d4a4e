package dev.baton.queue;

import java.util.List;

/**
 * A committed message as the queue knows it: id, envelope, per-recipient state (same order as
 * the envelope's recipients), where its content starts in the queue file and how long it is.
 */
public record QueuedMessage(String id, Envelope envelope, List<RecipientState> states, long contentOffset, long contentSize) {

    public QueuedMessage {
        states = List.copyOf(states);
        if (states.size() != envelope.recipients().size()) {
            throw new IllegalArgumentException("one state per recipient expected");
        }
    }

    public boolean isFinished() {
        return states.stream().allMatch(s -> s.status().isFinal());
    }

    public QueuedMessage withStates(List<RecipientState> newStates) {
        return new QueuedMessage(id, envelope, newStates, contentOffset, contentSize);
    }
}
