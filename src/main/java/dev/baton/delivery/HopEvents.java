package dev.baton.delivery;

import dev.baton.auth.AuthFailure;

/**
 * What outbound delivery reports to the event log. The node turns {@link #commandRefused}
 * into event 7004 (written at diagnostic level Medium or higher of SMTP Protocol).
 */
@FunctionalInterface
public interface HopEvents {

    HopEvents NONE = (queueId, connection, host, verb, command, reply) -> { };

    /**
     * The next hop answered one of our commands with an error reply (400 or more). Called on
     * the delivering thread: an implementation must not block.
     *
     * @param queueId    the message being delivered
     * @param connection this server's number for the outbound connection (from 1, per server run)
     * @param host       the peer as "host[address]:port"
     * @param verb       the command's verb ("RCPT"); DATA or BDAT for the end of data
     * @param command    the full command line sent, or "&lt;end of data&gt;"
     * @param reply      the reply as received, its lines joined with " / " (made safe to show)
     */
    void commandRefused(String queueId, long connection, String host, String verb, String command, String reply);

    /**
     * Authentication to an organization server failed (the node: event 7006, and 1706 when
     * {@code security} says why this side failed). Called on the delivering thread.
     *
     * @param command  "X-EXPS GSSAPI" or "AUTH GSSAPI"
     * @param reply    the peer's reply, or, when this side failed, what failed here
     * @param security the security component's error when the failure was local, else null
     */
    default void authenticationFailed(String queueId, long connection, String host, String command, String reply,
            AuthFailure.SecurityError security) {
    }
}
