package dev.baton.config;

import java.time.Duration;

/**
 * How this server delivers to other servers (RFC 5321 4.5.3.2 client timeouts among them).
 *
 * @param heloName            the name sent in EHLO/HELO; default the server's FQDN
 * @param resolver            DNS server for MX lookups as host:port, or null for the system's
 * @param trustedCertificates PEM file of CA certificates trusted for TLS policy verify (added to the JDK's), or null
 * @param maxPerDestination   connections at once to one destination (the ceiling of its adaptive limit)
 * @param reuseIdleTime       how long a session between transactions is kept for the next message to the same hop
 * @param reuseMaxIdle        how many such sessions are kept at most, over all hops; 0: a new connection per delivery
 */
public record DeliverySettings(
        String heloName,
        String resolver,
        String trustedCertificates,
        int maxPerDestination,
        Duration connectTimeout,
        Duration greetingTimeout,
        Duration commandTimeout,
        Duration dataInitiationTimeout,
        Duration dataBlockTimeout,
        Duration dataTerminationTimeout,
        Duration reuseIdleTime,
        int reuseMaxIdle) {

    public static final Duration REUSE_IDLE_TIME = Duration.ofSeconds(5);
    public static final int REUSE_MAX_IDLE = 32;

    public DeliverySettings(String heloName, String resolver, String trustedCertificates, int maxPerDestination,
            Duration connectTimeout, Duration greetingTimeout, Duration commandTimeout, Duration dataInitiationTimeout,
            Duration dataBlockTimeout, Duration dataTerminationTimeout) {
        this(heloName, resolver, trustedCertificates, maxPerDestination, connectTimeout, greetingTimeout, commandTimeout,
                dataInitiationTimeout, dataBlockTimeout, dataTerminationTimeout, REUSE_IDLE_TIME, REUSE_MAX_IDLE);
    }
}
