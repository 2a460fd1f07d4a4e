package dev.baton.queue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;

/**
 * Everything about a message except its content, as accepted: the reverse-path, the
 * recipients (each with its own DSN parameters and properties), the DSN parameters of the
 * message, who handed it over and how, and the message properties that the organization
 * layer (XEXCH50) carries from hop to hop.
 *
 * @param sender         the reverse-path, "" for the null sender
 * @param body           BODY= parameter: 7BIT, 8BITMIME or BINARYMIME
 * @param ret            RFC 3461 RET (FULL or HDRS), null when not given
 * @param envid          RFC 3461 ENVID, decoded, null when not given
 * @param authenticated  the identity the session authenticated as, null when anonymous
 * @param properties     message properties (tracking id, SCL, ...), empty when none arrived
 * @param submitter      RFC 4954 5 AUTH=: the mailbox that submitted the message, as this server
 *                       trusts it (ADR 0023); "" for {@code AUTH=<>}; null when none is known
 *                       (the MAIL had none, or the spool file is older than AUTH=)
 */
public record Envelope(
        String sender,
        List<Recipient> recipients,
        String body,
        boolean smtputf8,
        String ret,
        String envid,
        long declaredSize,
        String heloName,
        String clientAddress,
        String protocol,
        String tls,
        String authenticated,
        String receivedBy,
        Instant arrival,
        Map<String, String> properties,
        String submitter) {

    public Envelope {
        recipients = numbered(recipients);
        properties = Map.copyOf(properties);
    }

    /** An envelope without a submitter (a message Baton makes itself, such as a DSN, which relays as AUTH=<>). */
    public Envelope(String sender, List<Recipient> recipients, String body, boolean smtputf8, String ret, String envid,
                    long declaredSize, String heloName, String clientAddress, String protocol, String tls, String authenticated,
                    String receivedBy, Instant arrival, Map<String, String> properties) {
        this(sender, recipients, body, smtputf8, ret, envid, declaredSize, heloName, clientAddress, protocol, tls, authenticated,
                receivedBy, arrival, properties, null);
    }

    /**
     * Gives every recipient without an id the next free one, in order (RCPT order at receipt;
     * position order for a spool file written before ids existed); refuses duplicate ids.
     */
    private static List<Recipient> numbered(List<Recipient> given) {
        int max = 0;
        boolean missing = false;
        Set<RecipientId> seen = new HashSet<>();
        for (Recipient r : given) {
            if (r.id() == null) {
                missing = true;
            } else if (!seen.add(r.id())) {
                throw new IllegalArgumentException("recipient id " + r.id() + " given twice");
            } else {
                max = Math.max(max, r.id().value());
            }
        }
        if (!missing) {
            return List.copyOf(given);
        }
        List<Recipient> out = new ArrayList<>(given.size());
        for (Recipient r : given) {
            out.add(r.id() != null ? r : r.withId(RecipientId.of(++max)));
        }
        return List.copyOf(out);
    }

    /** The recipient with this id; throws when the message has none (a caller's bug). */
    public Recipient recipient(RecipientId id) {
        for (Recipient r : recipients) {
            if (r.id().equals(id)) {
                return r;
            }
        }
        throw new IllegalArgumentException("no recipient " + id + " in this envelope");
    }

    /** The ids of all recipients, in envelope order. */
    public List<RecipientId> recipientIds() {
        List<RecipientId> ids = new ArrayList<>(recipients.size());
        for (Recipient r : recipients) {
            ids.add(r.id());
        }
        return ids;
    }

    public boolean nullSender() {
        return sender.isEmpty();
    }
}
