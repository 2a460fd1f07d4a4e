package dev.baton.smtp.server;

import dev.baton.mail.Principal;
import java.net.InetAddress;

/**
 * What a policy may know of a session: the client's address, its HELO name (null before HELO),
 * whether TLS is on, and who it has proved to be ({@link Principal#ANONYMOUS} until it
 * authenticates).
 */
public record SessionInfo(long connection, InetAddress client, String heloName, boolean tls, Principal principal) {
}
