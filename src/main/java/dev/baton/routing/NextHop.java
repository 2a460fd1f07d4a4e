package dev.baton.routing;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * One server to try for a destination: a host name or address, a port, its MX preference
 * (0 for a configured host or an implicit MX), and the addresses DNS gave for it. Lists of
 * next hops are tried in order.
 * <p>
 * The host name stays the MX host's name even when it was reached through a CNAME, so TLS can
 * verify the certificate against it. {@code addresses} is empty for a configured host, which
 * is resolved when connecting; for a host found by {@link MxResolver} it holds the A addresses
 * first, then the AAAA addresses.
 */
public record NextHop(String host, int port, int preference, List<InetAddress> addresses) {

    public NextHop {
        Objects.requireNonNull(host, "host");
        addresses = List.copyOf(addresses);
    }

    /** A configured host, resolved when connecting. */
    public NextHop(String host, int port, int preference) {
        this(host, port, preference, List.of());
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
