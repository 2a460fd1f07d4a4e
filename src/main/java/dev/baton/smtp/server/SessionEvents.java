package dev.baton.smtp.server;

import dev.baton.config.VirtualServerSettings;
import dev.baton.smtp.Command;
import dev.baton.smtp.Response;
import java.net.InetAddress;

/**
 * What a session reports to the event log. The diagnostics layer turns
 * {@link #commandRefused} into event 7010 (at diagnostic level Medium or higher).
 */
public interface SessionEvents {

    SessionEvents NONE = (vs, connection, client, command, reply) -> { };

    /** The server answered a client's command (null for an over-long line or the end of data) with an error reply. */
    void commandRefused(VirtualServerSettings vs, long connection, InetAddress client, Command command, Response reply);
}
