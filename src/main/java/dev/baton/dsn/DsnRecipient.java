package dev.baton.dsn;

import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What one DSN reports about one recipient.
 *
 * @param address           the final recipient address (Final-Recipient: rfc822; address)
 * @param originalRecipient the RFC 3461 ORCPT as "addr-type;address" (decoded), null when none
 * @param action            what happened
 * @param status            RFC 3463 status code such as 5.1.1, 4.4.7 or 2.0.0
 * @param diagnosticCode    "diagnostic-type; text", such as "smtp; 550 5.1.1 unknown user"; text
 *                          without a type is taken as an SMTP reply; null when none
 * @param remoteMta         the host name of the server that gave the reply, null when local
 * @param lastAttempt       when delivery was last tried, null when not known
 * @param willRetryUntil    for {@link Action#DELAYED}: when the message will be given up; null otherwise
 * @param explanation       why, in the sender's words, when this server decided it (an expiry, a
 *                          DNS verdict); null to explain by the status
 */
public record DsnRecipient(String address, String originalRecipient, Action action, String status, String diagnosticCode,
        String remoteMta, Instant lastAttempt, Instant willRetryUntil, String explanation) {

    private static final Pattern STATUS = Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");

    public DsnRecipient {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(status, "status");
        if (!STATUS.matcher(status).matches()) {
            throw new IllegalArgumentException("not an RFC 3463 status code: " + status);
        }
        if (originalRecipient != null && originalRecipient.indexOf(';') <= 0) {
            throw new IllegalArgumentException("ORCPT must be \"addr-type;address\": " + originalRecipient);
        }
    }

    /** Without an explanation: the status says why. */
    public DsnRecipient(String address, String originalRecipient, Action action, String status, String diagnosticCode,
            String remoteMta, Instant lastAttempt, Instant willRetryUntil) {
        this(address, originalRecipient, action, status, diagnosticCode, remoteMta, lastAttempt, willRetryUntil, null);
    }
}
