package dev.baton.queue;

import java.time.Instant;
import java.util.List;
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
        Map<String, String> properties) {

    public Envelope {
        recipients = List.copyOf(recipients);
        properties = Map.copyOf(properties);
    }

    public boolean nullSender() {
        return sender.isEmpty();
    }
}
