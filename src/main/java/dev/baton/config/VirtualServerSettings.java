package dev.baton.config;

import dev.baton.smtp.LineEndingPolicy;
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

    /** Limits on everything a client controls. */
    public record Limits(
            int maxConnections,
            int maxConnectionsPerClient,
            int maxRecipients,
            long maxMessageSize,
            int commandLineLength,
            int textLineLength,
            int maxErrors,
            Duration greetingTimeout,
            Duration commandTimeout,
            Duration dataInitiationTimeout,
            Duration dataBlockTimeout,
            Duration dataTerminationTimeout,
            Duration writeTimeout) {
    }
}
