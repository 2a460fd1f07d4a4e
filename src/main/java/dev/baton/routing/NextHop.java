package dev.baton.routing;

/**
 * One server to try for a destination: a host name or address, a port, and its MX preference
 * (0 for a configured host). Lists of next hops are tried in order.
 */
public record NextHop(String host, int port, int preference) {

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
