package dev.baton.delivery;

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
}
