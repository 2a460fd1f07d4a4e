package dev.baton.config;

import dev.baton.mail.LineEndingPolicy;
import java.time.Duration;
import java.util.List;

/**
 * One SMTP receive endpoint.
 *
 * @param id            numeric id used in event texts ("virtual server ID 1")
 * @param relayNetworks client networks (CIDR) allowed to relay to domains that are not accepted
 */
public record VirtualServerSettings(
        String name,
        int id,
        String address,
        int port,
        String fqdn,
        TlsSettings tls,
        List<String> relayNetworks,
        Limits limits,
        LineEndingPolicy bareLineEndings,
        boolean protocolLog) {

    public VirtualServerSettings {
        relayNetworks = List.copyOf(relayNetworks);
    }

    public VirtualServerSettings withPort(int newPort) {
        return new VirtualServerSettings(name, id, address, newPort, fqdn, tls, relayNetworks, limits, bareLineEndings, protocolLog);
    }

    /** TLS mode: OFF (no STARTTLS), OFFERED (default), REQUIRED (no MAIL before STARTTLS). */
    public enum TlsMode { OFF, OFFERED, REQUIRED }

    /** certificate and key: PEM files; both null means a self-signed pair in the data directory. */
    public record TlsSettings(TlsMode mode, String certificate, String key) {
    }

    /**
     * Limits on everything a client controls. The server-side timeouts of RFC 5321 4.5.3.2:
     * waiting for a command (4.5.3.2.7) and for each block of data (4.5.3.2.5); the client-side
     * ones (greeting, DATA initiation and termination) belong to outbound delivery.
     */
    public record Limits(
            int maxConnections,
            int maxConnectionsPerClient,
            int maxRecipients,
            long maxMessageSize,
            int commandLineLength,
            int textLineLength,
            int maxErrors,
            int maxHops,
            int minDataRate,
            int maxUnknownRecipients,
            Duration unknownRecipientDelay,
            Duration commandTimeout,
            Duration dataBlockTimeout,
            Duration tlsHandshakeTimeout,
            Duration writeTimeout) {
    }
}
