package dev.baton.dsn;

import dev.baton.queue.DeliveryReply;
import dev.baton.queue.DeliveryText;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What a DSN says about why, for one recipient (ADR 0013): a remote server's reply goes in
 * verbatim as {@code smtp;} with that server as Remote-MTA; a condition of Baton's own (an
 * expiry, a dead destination, a DNS verdict) is typed {@value #BATON_TYPE} and said in the
 * sender's words, without queue timestamps or destination keys.
 *
 * @param diagnosticCode "type; text" for Diagnostic-Code, null when there is nothing to say
 * @param remoteMta      the host name (or address, for an address literal) of the server that
 *                       answered, null when none did
 * @param explanation    Baton's own condition in the sender's words, for the human-readable
 *                       part; null when a server's reply or the status says it all
 */
public record Diagnosis(String diagnosticCode, String remoteMta, String explanation) {

    /** The diagnostic type of conditions Baton itself decided (RFC 3464 2.3.6 allows X- types). */
    public static final String BATON_TYPE = "X-Baton";

    /** @param lifetime the queue lifetime, named when a message expired */
    public static Diagnosis of(DeliveryReply reply, Duration lifetime) {
        if (reply == null) {
            return new Diagnosis(null, null, null);
        }
        DeliveryReply server = reply.lastPeerReply();
        String own = reply.fromPeer() ? null : batonSays(reply, lifetime);
        if (server != null) {
            return new Diagnosis("smtp; " + server.said(), server.peerHost(), own);
        }
        String remote = switch (reply.entry()) {
            // the server answered EHLO, and its answer is why the message cannot go there
            case NEEDS_SMTPUTF8, NEEDS_BINARYMIME, NEEDS_8BITMIME, TOO_BIG_FOR_PEER -> reply.peerHost();
            default -> null;
        };
        return new Diagnosis(own == null ? null : BATON_TYPE + "; " + own, remote, own);
    }

    /**
     * The chain of Baton's conditions in the sender's words, outermost first: "a; last: b". Each
     * reads after "because", as the human-readable part uses it.
     */
    private static String batonSays(DeliveryReply reply, Duration lifetime) {
        List<String> parts = new ArrayList<>();
        for (DeliveryReply r = reply; r != null && !r.fromPeer(); r = r.cause()) {
            String s = words(r, lifetime);
            if (s != null && !parts.contains(s)) {
                parts.add(s);
            }
        }
        return parts.isEmpty() ? null : String.join("; last: ", parts);
    }

    private static String words(DeliveryReply r, Duration lifetime) {
        return switch (r.entry()) {
            case PEER_REPLY, MAILDIR_DELIVERED, DISCARDED -> null;
            case RECORDED -> r.text();
            case MAILBOX_FULL -> "the recipient's mailbox is full";
            case MAILDIR_FAILED, CONTENT_UNREADABLE, INTERNAL_ERROR, HOP_INTERNAL_ERROR, OUTBOUND_NOT_SET_UP ->
                    "this mail server had a local problem";
            case NO_ROUTE -> "this mail server has no route for the recipient's domain";
            // the error that made it dead says more, when it is known
            case DESTINATION_DEAD -> r.cause() != null ? null : "the recipient's mail server is not answering";
            case DESTINATION_BUSY -> "the recipient's mail server is busy";
            case DNS_EMPTY_DOMAIN, DNS_INVALID_DOMAIN, DNS_INVALID_LITERAL -> "the recipient's domain is not a valid domain name";
            case DNS_NO_SUCH_DOMAIN -> "the recipient's domain does not exist (DNS: no such domain)";
            case DNS_NULL_MX -> "the recipient's domain does not accept mail (null MX)";
            case DNS_NO_MAIL_HOST -> "the recipient's domain has no mail server (no MX and no address records)";
            case DNS_FAILED -> "the DNS lookup of the recipient's domain failed";
            case HOP_UNRESOLVABLE, HOP_NO_ADDRESS, HOP_HOST_UNKNOWN -> "the name of the recipient's mail server could not be resolved";
            case HOP_CONNECTION_REFUSED -> "the recipient's mail server refused the connection";
            case HOP_CONNECT_FAILED, HOP_IO_ERROR -> "the connection to the recipient's mail server failed";
            case HOP_CONNECT_TIMED_OUT -> "the recipient's mail server did not answer the connection";
            case HOP_REPLY_TIMED_OUT -> "the recipient's mail server stopped answering";
            case HOP_CONNECTION_CLOSED -> "the recipient's mail server closed the connection";
            case HOP_REPLY_TOO_LONG, HOP_MALFORMED_REPLY -> "the recipient's mail server sent a reply that could not be read";
            case HOP_TLS_CERTIFICATE_REFUSED -> "the certificate of the recipient's mail server was not accepted";
            case HOP_TLS_FAILED -> "TLS with the recipient's mail server failed";
            case HOP_TLS_NOT_OFFERED -> "the recipient's mail server does not offer TLS, which this route requires";
            case HOP_REFUSED -> "the recipient's mail server refused the message";
            case HOP_ORGANIZATION_TLS_NOT_OFFERED, HOP_ORGANIZATION_NO_MECHANISM ->
                    "the organization's mail server does not offer the secure session its servers need";
            case HOP_AUTHENTICATION_REFUSED -> "the organization's mail server did not accept this server's authentication";
            case HOP_AUTHENTICATION_FAILED_HERE -> "this mail server could not authenticate to the organization's mail server";
            case HOP_ORGANIZATION_WRONG_SERVER -> "the organization's mail server for the recipient could not be reached as itself";
            case HOP_ORGANIZATION_NO_KERBEROS -> "this mail server is not set up to authenticate to the organization's mail servers";
            case NO_NEXT_HOP -> "no mail server was left to try";
            case NEEDS_SMTPUTF8 -> "the message has internationalized addresses and the recipient's mail server does not"
                    + " offer SMTPUTF8";
            case NEEDS_BINARYMIME -> "the message is binary and the recipient's mail server does not offer BINARYMIME";
            case NEEDS_8BITMIME -> "the message has 8-bit content and the recipient's mail server does not offer 8BITMIME";
            case TOO_BIG_FOR_PEER -> "the message is larger than the recipient's mail server accepts";
            case UNEXPECTED_REPLY -> "the recipient's mail server gave an unexpected reply";
            case NO_REPLY_TO_END_OF_DATA -> "the recipient's mail server did not answer the end of the message";
            case EXPIRED -> "delivery did not succeed within " + DeliveryText.duration(lifetime);
            case RETURNED_BY_ADMINISTRATOR -> "the mail administrator returned the message";
        };
    }
}
