package dev.baton.mail;

import java.util.Objects;

/**
 * Who a session has proved to be. Anonymous until authentication succeeds; then a user of the
 * organization (AUTH) or one of its servers (X-EXPS), with the SASL mechanism that proved it.
 * Rights are asked of this value, never of a name in a string.
 */
public sealed interface Principal {

    /** The one anonymous principal. */
    Principal ANONYMOUS = new Anonymous();

    /** The name to record (Received header, envelope), or null when anonymous. */
    String name();

    default boolean isAuthenticated() {
        return !(this instanceof Anonymous);
    }

    /** Nobody has authenticated in this session. */
    record Anonymous() implements Principal {
        @Override
        public String name() {
            return null;
        }
    }

    /** A user who authenticated with AUTH (RFC 4954), e.g. alice@example.test by PLAIN. */
    record User(String name, String mechanism) implements Principal {
        public User {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(mechanism, "mechanism");
        }
    }

    /** A server of the organization that authenticated with X-EXPS, e.g. smtp/mx2.example.test by GSSAPI. */
    record Server(String name, String mechanism) implements Principal {
        public Server {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(mechanism, "mechanism");
        }
    }
}
