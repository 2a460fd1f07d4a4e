package dev.baton.smtp.server;

import java.net.InetAddress;

/**
 * What a policy may know of a session: the client's address, its HELO name, whether TLS is on
 * and, once the organization layer authenticates it, who it is (null when anonymous).
 */
public record SessionInfo(long connection, InetAddress client, String heloName, boolean tls, String authenticatedIdentity) {
}
