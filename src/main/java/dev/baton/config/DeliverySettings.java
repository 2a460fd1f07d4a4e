package dev.baton.config;

import java.time.Duration;

/**
 * How this server delivers to other servers (RFC 5321 4.5.3.2 client timeouts among them).
 *
 * @param heloName            the name sent in EHLO/HELO; default the server's FQDN
 * @param resolver            DNS server for MX lookups as host:port, or null for the system's
 * @param trustedCertificates PEM file of CA certificates trusted for TLS policy verify (added to the JDK's), or null
 * @param maxPerDestination   connections at once to one destination (the ceiling of its adaptive limit)
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
        Duration dataTerminationTimeout) {
}
