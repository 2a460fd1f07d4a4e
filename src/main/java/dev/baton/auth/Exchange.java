package dev.baton.auth;

/**
 * One authentication attempt: the server's side of the challenge-response dialogue. The session
 * decodes each client line (base64, {@code =} for empty, {@code *} to cancel) and passes the
 * octets here; the mechanism never sees the wire.
 */
public interface Exchange extends AutoCloseable {

    /**
     * The next step.
     *
     * @param response the client's decoded response; on the first call, the initial response, or
     *                 null when the client sent none (the mechanism then usually challenges)
     */
    Step evaluate(byte[] response);

    /** Forgets any secret material of the attempt; called once whatever the outcome. */
    @Override
    default void close() {
    }
}
