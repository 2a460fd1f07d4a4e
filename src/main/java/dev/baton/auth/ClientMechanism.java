package dev.baton.auth;

/**
 * One SASL mechanism on the client side, as the sender runs it for X-EXPS or AUTH to the next hop:
 * the session sends {@link ClientExchange#initialResponse()} with the verb, then answers each 334
 * challenge with {@link ClientExchange#evaluate}, until the server's 235 (or a failure). A failure
 * carries the security error the sender logs in 1706 with 7006.
 */
public interface ClientMechanism {

    /** The IANA name, upper case: GSSAPI. */
    String name();

    /**
     * Begins one attempt with a server.
     *
     * @param peerFqdn the FQDN the next hop announced: Kerberos asks a ticket for {@code smtp/<peerFqdn>}
     * @throws AuthenticationException when this side cannot even start (no credentials, say)
     */
    ClientExchange start(String peerFqdn) throws AuthenticationException;
}
