package dev.baton.auth;

import java.util.Objects;

/** What a mechanism answers to one client response. */
public sealed interface Step {

    /** Send these octets (a 334 with their base64) and wait for the next response. */
    record Challenge(byte[] data) implements Step {
        public Challenge {
            Objects.requireNonNull(data, "data");
        }
    }

    /**
     * The client proved who it is.
     *
     * @param identity       the authenticated identity: a user name or address (PLAIN, LOGIN, SCRAM),
     *                       or a Kerberos principal such as {@code smtp/mx2.example.test@EXAMPLE.TEST}
     * @param authorizationId the identity the client asked to act as, or null when it asked none
     * @param finalData      octets the server sends with success (SCRAM's server-final message),
     *                       or null
     */
    record Success(String identity, String authorizationId, byte[] finalData) implements Step {
        public Success {
            Objects.requireNonNull(identity, "identity");
        }
    }

    /** The attempt failed; the reply and the events come from the failure. */
    record Failure(AuthFailure failure) implements Step {
        public Failure {
            Objects.requireNonNull(failure, "failure");
        }
    }
}
