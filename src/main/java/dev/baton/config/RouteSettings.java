package dev.baton.config;

/**
 * Where mail for a domain goes.
 *
 * @param domain    a domain, "*.example.test" for its subdomains, or "*" for any
 * @param transport local (Maildir), discard, smtp (to host:port), mx (by DNS), lmtp (to host:port),
 *                  organization (to the home server of the recipient's mailbox per the directory, ADR 0020)
 * @param host      next hop for smtp and lmtp: a host name or an address literal such as [192.0.2.1]
 * @param port      next hop port for smtp and mx (default 25) and lmtp (default 24)
 * @param tls       TLS policy for smtp, mx and lmtp
 */
public record RouteSettings(String domain, Transport transport, String host, int port, TlsPolicy tls) {

    /** The transports Baton delivers with. */
    public enum Transport { LOCAL, DISCARD, SMTP, MX, LMTP, ORGANIZATION }

    /**
     * STARTTLS towards the next hop: NONE never; OPPORTUNISTIC when offered, any certificate
     * (RFC 7435); REQUIRED always, any certificate; VERIFY always, with a trusted chain that
     * names the next hop.
     */
    public enum TlsPolicy { NONE, OPPORTUNISTIC, REQUIRED, VERIFY }

    public static RouteSettings of(String domain, Transport transport) {
        return new RouteSettings(domain, transport, null, 0, TlsPolicy.OPPORTUNISTIC);
    }

    public boolean matches(String d) {
        if (domain.equals("*")) {
            return true;
        }
        if (domain.startsWith("*.")) {
            return d.endsWith(domain.substring(1));
        }
        return domain.equalsIgnoreCase(d);
    }
}
