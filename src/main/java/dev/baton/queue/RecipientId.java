package dev.baton.queue;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A recipient's identity within its message: a number unique in the message, never reused,
 * stable for the message's life in the queue ({@code docs/adr/0007-recipient-identity.md}).
 * Recipients given in RCPT TO are numbered 1, 2, 3, ... in RCPT order; recipients added later
 * (distribution-group expansion, alternates) take the next free numbers. Delivery, the
 * scheduler, DSNs and the tools address recipients by this id, never by list position.
 */
public record RecipientId(int value) implements Comparable<RecipientId> {

    public RecipientId {
        if (value < 1) {
            throw new IllegalArgumentException("recipient ids start at 1: " + value);
        }
    }

    @JsonCreator
    public static RecipientId of(int value) {
        return new RecipientId(value);
    }

    @JsonValue
    @Override
    public int value() {
        return value;
    }

    @Override
    public int compareTo(RecipientId o) {
        return Integer.compare(value, o.value);
    }

    @Override
    public String toString() {
        return "#" + value;
    }
}
