package dev.baton.smtp.client;

import java.time.Duration;

/**
 * How long a client waits at each step (RFC 5321 4.5.3.2): for the connection, the greeting,
 * the reply to a command, the 354 after DATA, each block of data (and each BDAT chunk's reply),
 * and the reply to the end of data. Each is a deadline for the whole reply, not per octet read.
 */
public record ClientTimeouts(Duration connect, Duration greeting, Duration command, Duration dataInitiation,
                             Duration dataBlock, Duration dataTermination) {

    /** The same limit for every step (a submission tool). */
    public static ClientTimeouts all(Duration d) {
        return new ClientTimeouts(d, d, d, d, d, d);
    }
}
