package dev.baton.auth;

import java.net.InetAddress;

/**
 * What a mechanism may know of the session it runs in.
 *
 * @param client         the client's address (for events and rate limits, never for the decision)
 * @param serverFqdn     this virtual server's FQDN: the service principal is {@code smtp/<fqdn>}
 * @param tlsActive      whether the session is inside TLS
 * @param channelBinding the tls-exporter channel binding (RFC 9266), or null when the connection
 *                       has none (no TLS, or the JDK cannot export keying material)
 */
public record AuthContext(InetAddress client, String serverFqdn, boolean tlsActive, byte[] channelBinding) {
}
