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
        boolean protocolLog,
        Authentication authentication) {

    public VirtualServerSettings {
        relayNetworks = List.copyOf(relayNetworks);
        java.util.Objects.requireNonNull(authentication, "authentication");
    }

    /** A virtual server with the default authentication settings. */
    public VirtualServerSettings(String name, int id, String address, int port, String fqdn, TlsSettings tls, List<String> relayNetworks,
                                 Limits limits, LineEndingPolicy bareLineEndings, boolean protocolLog) {
        this(name, id, address, port, fqdn, tls, relayNetworks, limits, bareLineEndings, protocolLog, Authentication.DEFAULT);
    }

    public VirtualServerSettings withPort(int newPort) {
        return new VirtualServerSettings(name, id, address, newPort, fqdn, tls, relayNetworks, limits, bareLineEndings, protocolLog,
                authentication);
    }

    /**
     * Which clients may send here and how they prove who they are: the administrator's check boxes
     * (anonymous, basic, integrated), whether basic mechanisms are offered outside TLS, and the
     * limits on failed attempts (ADR 0019).
     *
     * @param anonymous       clients that did not authenticate may send (false: MAIL before AUTH gets
     *                        530 5.7.0 Authentication required, event 1709)
     * @param basic           PLAIN, LOGIN and SCRAM-SHA-256 (a password)
     * @param integrated      GSSAPI (Kerberos: users and the organization's servers; NTLM is not offered, ADR 0022)
     * @param basicWithoutTls basic mechanisms are offered and accepted before STARTTLS too
     * @param failures        the limits on failed attempts
     */
    public record Authentication(boolean anonymous, boolean basic, boolean integrated, boolean basicWithoutTls,
                                 FailureLimits failures) {

        public static final Authentication DEFAULT = new Authentication(true, true, true, false, FailureLimits.DEFAULT);

        public Authentication {
            java.util.Objects.requireNonNull(failures, "failures");
        }
    }

    /**
     * Against guessing passwords: each failure in a session waits longer before its reply
     * (n times {@code delay}, at most {@code maxDelay}), a session is closed after
     * {@code perSession} failures, and a client address with {@code perClient} failures within
     * {@code window} (over all its sessions) is refused, even a correct password, until the
     * window has passed.
     */
    public record FailureLimits(Duration delay, Duration maxDelay, int perSession, int perClient, Duration window) {

        public static final FailureLimits DEFAULT = new FailureLimits(Duration.ofSeconds(1), Duration.ofSeconds(10), 3, 10,
                Duration.ofMinutes(15));
    }

    /**
     * TLS mode: OFF (no STARTTLS), OFFERED (default), REQUIRED (no MAIL before STARTTLS), IMPLICIT
     * (TLS from the first octet, RFC 8314 3.3: the handshake comes before the greeting, as on port
     * 465; STARTTLS is then not offered).
     */
    public enum TlsMode { OFF, OFFERED, REQUIRED, IMPLICIT }

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
