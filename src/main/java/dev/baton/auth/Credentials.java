package dev.baton.auth;

import dev.baton.org.ScramCredential;

/**
 * Where the basic mechanisms (PLAIN, LOGIN, SCRAM) find what a user's password is checked against:
 * the organization's directory as it is now. A lookup never fails for an unknown user in a way the
 * client could tell; the mechanisms make the unknown user cost what a known one costs.
 */
public interface Credentials {

    /**
     * The account a client logs in as, by the name it gives (a user name or one of the user's
     * addresses, any case), or null when there is none.
     */
    Account account(String login);

    /**
     * What is stored for one user.
     *
     * @param identity     the user's name in the directory: what the session becomes
     * @param passwordHash the Argon2id hash, or null when the user has no password
     * @param scram        the SCRAM-SHA-256 credential, or null when none is stored
     */
    record Account(String identity, String passwordHash, ScramCredential scram) {
        public Account {
            java.util.Objects.requireNonNull(identity, "identity");
        }
    }
}
