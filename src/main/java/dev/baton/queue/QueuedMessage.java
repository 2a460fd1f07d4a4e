package dev.baton.queue;

import java.util.ArrayList;
import java.util.List;

/**
 * A committed message as the queue knows it: id, envelope, per-recipient state (one per
 * recipient, in envelope order, each naming its recipient), where its content starts in the
 * queue file and how long it is.
 *
 * @param eightBit whether the content has an octet above 127, as seen while it was received
 *                 (kept in the queue file); null only for a file of spool format 1, so a reader looks
 */
public record QueuedMessage(String id, Envelope envelope, List<RecipientState> states, long contentOffset, long contentSize,
        Boolean eightBit) {

    public QueuedMessage {
        states = List.copyOf(states);
        List<Recipient> rs = envelope.recipients();
        if (states.size() != rs.size()) {
            throw new IllegalArgumentException("one state per recipient expected");
        }
        for (int i = 0; i < rs.size(); i++) {
            if (!states.get(i).recipient().equals(rs.get(i).id())) {
                throw new IllegalArgumentException("state " + i + " is for recipient " + states.get(i).recipient()
                        + ", not " + rs.get(i).id());
            }
        }
    }

    /** A message whose content was not looked at for 8-bit octets. */
    public QueuedMessage(String id, Envelope envelope, List<RecipientState> states, long contentOffset, long contentSize) {
        this(id, envelope, states, contentOffset, contentSize, null);
    }

    public boolean isFinished() {
        return states.stream().allMatch(s -> s.status().isFinal());
    }

    public RecipientState state(RecipientId recipient) {
        for (RecipientState s : states) {
            if (s.recipient().equals(recipient)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no recipient " + recipient + " in message " + id);
    }

    public Recipient recipient(RecipientId recipient) {
        return envelope.recipient(recipient);
    }

    public QueuedMessage withStates(List<RecipientState> newStates) {
        return new QueuedMessage(id, envelope, newStates, contentOffset, contentSize, eightBit);
    }

    /** This message with the state of one recipient replaced. */
    public QueuedMessage withState(RecipientState changed) {
        List<RecipientState> next = new ArrayList<>(states);
        for (int i = 0; i < next.size(); i++) {
            if (next.get(i).recipient().equals(changed.recipient())) {
                next.set(i, changed);
                return withStates(next);
            }
        }
        throw new IllegalArgumentException("no recipient " + changed.recipient() + " in message " + id);
    }

    /** Fresh states for every recipient of an envelope (nothing tried yet). */
    static List<RecipientState> freshStates(Envelope envelope) {
        List<RecipientState> s = new ArrayList<>(envelope.recipients().size());
        for (Recipient r : envelope.recipients()) {
            s.add(RecipientState.fresh(r.id(), envelope.arrival()));
        }
        return s;
    }
}
