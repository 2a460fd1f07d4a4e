package dev.baton.auth;

/** One client-side attempt; the session does the base64 and the wire. */
public interface ClientExchange extends AutoCloseable {

    /** The octets to send with the verb, or null when the mechanism starts with the server's challenge. */
    byte[] initialResponse() throws AuthenticationException;

    /** The response to one server challenge (the 334's decoded octets). */
    byte[] evaluate(byte[] challenge) throws AuthenticationException;

    /** True once the mechanism has done its part; the server's 235 then ends the exchange. */
    boolean isComplete();

    /** The identity the server proved to be, once complete, when the mechanism authenticates it; else null. */
    default String serverIdentity() {
        return null;
    }

    @Override
    default void close() {
    }
}
