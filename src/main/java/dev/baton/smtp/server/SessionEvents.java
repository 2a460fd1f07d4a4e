package dev.baton.smtp.server;

import dev.baton.auth.AuthFailure;
import dev.baton.config.VirtualServerSettings;
import dev.baton.queue.QueuedMessage;
import dev.baton.smtp.Command;
import dev.baton.smtp.Response;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;

/**
 * What a session reports to the event log and the delivery log. The node turns {@link
 * #commandRefused} into event 7010 (written at diagnostic level Medium or higher of the virtual
 * server's SMTP Protocol) and {@link #received} into the delivery log's receipt line.
 */
public interface SessionEvents {

    SessionEvents NONE = (vs, connection, client, command, reply, enhancedCodes) -> { };

    /**
     * The server answered a client's command (null for an over-long line or the end of data)
     * with an error reply; enhancedCodes says whether the reply went out with its enhanced code
     * (after EHLO). Called on the session's thread: an implementation must not block.
     */
    void commandRefused(VirtualServerSettings vs, long connection, InetAddress client, Command command, Response reply,
                        boolean enhancedCodes);

    /** MAIL came before authentication where it is required (event 1709). */
    default void authenticationRequired(VirtualServerSettings vs, long connection, InetAddress client) {
    }

    /** An AUTH attempt failed; the failure's detail is for the log alone (event 4401). */
    default void authenticationFailed(VirtualServerSettings vs, long connection, InetAddress client, String mechanism,
                                      AuthFailure failure) {
    }

    /**
     * A server-to-server authentication (X-EXPS) failed (event 1704); when the security component
     * failed, {@code failure.security()} says how (event 1706 too).
     */
    default void serverAuthenticationFailed(VirtualServerSettings vs, long connection, InetAddress client, String mechanism,
                                            AuthFailure failure) {
    }

    /** A client address reached its limit of failures within the window: refused until the given time (event 4402). */
    default void clientBlocked(VirtualServerSettings vs, long connection, InetAddress client, int failures, Duration window,
                               Instant until) {
    }

    /**
     * A message was committed to the queue; the 250 goes out next. {@code session} says who sent
     * it (its principal once authentication is in). Called on the session's thread: an
     * implementation must not block.
     */
    default void received(VirtualServerSettings vs, SessionInfo session, QueuedMessage m) {
    }
}
