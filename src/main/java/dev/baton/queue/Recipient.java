package dev.baton.queue;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One recipient of a message with its RFC 3461 parameters and its own properties.
 *
 * @param id         its identity in the message; null until the envelope numbers it
 * @param address    the forward-path as given in RCPT TO
 * @param notifyOn   NOTIFY values (NEVER, or any of SUCCESS, FAILURE, DELAY); empty when not given
 * @param orcpt      ORCPT as "addr-type;address" with the address decoded, null when not given
 * @param properties per-recipient properties (expansion history, ...), empty when none
 */
public record Recipient(RecipientId id, String address, Set<String> notifyOn, String orcpt, Map<String, String> properties) {

    public Recipient {
        notifyOn = Set.copyOf(notifyOn);
        properties = Map.copyOf(properties);
    }

    /** A recipient not numbered yet: the {@link Envelope} it goes into gives it the next id. */
    public Recipient(String address, Set<String> notifyOn, String orcpt, Map<String, String> properties) {
        this(null, address, notifyOn, orcpt, properties);
    }

    public static Recipient of(String address) {
        return new Recipient(null, address, Set.of(), null, Map.of());
    }

    public Recipient withId(RecipientId newId) {
        return new Recipient(newId, address, notifyOn, orcpt, properties);
    }

    public String domain() {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    public String localPart() {
        int at = address.lastIndexOf('@');
        return at < 0 ? address : address.substring(0, at);
    }
}
