package dev.baton.config;

/**
 * Where mail for a domain goes.
 *
 * @param domain    a domain, "*.example.test" for its subdomains, or "*" for any
 * @param transport local (Maildir) or discard
 */
public record RouteSettings(String domain, Transport transport) {

    /** The transports this version can deliver with. */
    public enum Transport { LOCAL, DISCARD }

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
