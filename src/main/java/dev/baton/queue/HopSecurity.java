package dev.baton.queue;

/**
 * How the session with the next hop that said a reply was protected: its TLS and whom this server
 * authenticated to, as the sender's delivery log writes them ({@code tls=}, {@code auth_to=},
 * {@code auth_method=}; docs/logs.md). Kept with the reply in the spool, so a queued recipient's
 * last reply says whether the hop it came over was encrypted and authenticated.
 *
 * @param tls             "TLSv1.3 with cipher ...", null without TLS
 * @param authenticatedTo the identity the next hop proved in the exchange ({@code smtp/<fqdn>}), null
 *                        when this server did not authenticate to it
 * @param method          the verb and mechanism ("X-EXPS GSSAPI"), null when this server did not
 *                        authenticate to it
 */
public record HopSecurity(String tls, String authenticatedTo, String method) {

    /** The security of a session, or null for a plain, unauthenticated one (nothing to write). */
    public static HopSecurity of(String tls, String authenticatedTo, String method) {
        return tls == null && method == null ? null : new HopSecurity(tls, authenticatedTo, method);
    }
}
