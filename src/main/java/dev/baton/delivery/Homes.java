package dev.baton.delivery;

import java.util.Optional;

/**
 * Where the directory says a recipient's mailbox is, for the {@code organization} transport
 * (ADR 0020): on this server, or on another server of the organization reached at its
 * {@code smtp} address. Delivery asks the node, and does not depend on the directory itself.
 */
@FunctionalInterface
public interface Homes {

    /** Nobody's home is known: an organization route takes no recipient. */
    Homes NONE = address -> Optional.empty();

    /**
     * The home of a mailbox.
     *
     * @param server the directory's name of the server
     * @param fqdn   its FQDN: the name it must announce and prove (X-EXPS GSSAPI to smtp/fqdn)
     * @param here   whether that is this server (deliver to the local Maildir)
     * @param host   where the others reach it: a host name or an address literal in brackets
     * @param port   its SMTP port
     */
    record Home(String server, String fqdn, boolean here, String host, int port) {
    }

    /** The home of the user with this address (lower case), or empty when the directory knows no such user. */
    Optional<Home> of(String address);
}
