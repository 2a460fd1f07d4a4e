package dev.baton.auth;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * PLAIN (RFC 4616) on the client side, for a user submitting with a password ({@code baton send
 * --user}): the whole exchange is the initial response {@code \0user\0password}. It proves nothing
 * about the server, so it belongs inside TLS only.
 */
public final class PlainClientMechanism implements ClientMechanism {

    private final String user;
    private final char[] password;

    /** @param password kept (a copy) until {@link #clear()} */
    public PlainClientMechanism(String user, char[] password) {
        this.user = user;
        this.password = password.clone();
    }

    @Override
    public String name() {
        return "PLAIN";
    }

    @Override
    public ClientExchange start(String peerFqdn) {
        return new ClientExchange() {
            private boolean sent;

            @Override
            public byte[] initialResponse() {
                sent = true;
                return ("\0" + user + "\0" + new String(password)).getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public byte[] evaluate(byte[] challenge) throws AuthenticationException {
                throw new AuthenticationException(AuthFailure.of(AuthFailure.Kind.MALFORMED,
                        "the server sent a challenge to PLAIN, whose only message is the initial response"), null);
            }

            @Override
            public boolean isComplete() {
                return sent;
            }
        };
    }

    /** Overwrites the password. */
    public void clear() {
        Arrays.fill(password, '\0');
    }
}
