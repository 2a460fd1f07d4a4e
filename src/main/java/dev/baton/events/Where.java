package dev.baton.events;

/**
 * Where an event happened, so that the events of two servers about one transaction can be
 * paired: the virtual server (null for the server as a whole), the connection number (0 for
 * none; inbound numbers are the receive session's, outbound ones the delivery connection's) and
 * the queue id of the message (null for none).
 */
public record Where(String virtualServer, long connection, String queueId) {

    /** The server as a whole: no virtual server, connection or message. */
    public static final Where SERVER = new Where(null, 0, null);

    /** A receive session of a virtual server. */
    public static Where session(String virtualServer, long connection) {
        return new Where(virtualServer, connection, null);
    }

    /** One queued message. */
    public static Where message(String queueId) {
        return new Where(null, 0, queueId);
    }
}
