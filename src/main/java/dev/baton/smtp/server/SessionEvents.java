package dev.baton.smtp.server;

import dev.baton.config.VirtualServerSettings;
import dev.baton.queue.QueuedMessage;
import dev.baton.smtp.Command;
import dev.baton.smtp.Response;
import java.net.InetAddress;

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

    /**
     * A message was committed to the queue; the 250 goes out next. {@code session} says who sent
     * it (its principal once authentication is in). Called on the session's thread: an
     * implementation must not block.
     */
    default void received(VirtualServerSettings vs, SessionInfo session, QueuedMessage m) {
    }
}
