package dev.baton.auth;

import dev.baton.org.Passwords;
import java.security.SecureRandom;

/**
 * A password checked against a user's Argon2id hash, in the same time whether or not the user
 * exists or has a password: an unknown name is checked against a dummy hash made with the same
 * parameters, so the reply's timing does not tell which names are users.
 */
final class PasswordCheck {

    private PasswordCheck() {
    }

    /** A hash of a random password nobody knows, made once, on first need. */
    private static final class Dummy {
        static final String HASH;

        static {
            char[] pw = new char[24];
            SecureRandom r = new SecureRandom();
            for (int i = 0; i < pw.length; i++) {
                pw[i] = (char) ('a' + r.nextInt(26));
            }
            HASH = Passwords.hash(pw);
        }
    }

    /** The identity the password proves, or null (unknown user, no password, wrong password). */
    static String verify(Credentials credentials, String login, char[] password) {
        Credentials.Account a = credentials.account(login);
        boolean real = a != null && a.passwordHash() != null && Passwords.isHash(a.passwordHash());
        boolean ok = Passwords.verify(password, real ? a.passwordHash() : Dummy.HASH);
        return ok && real ? a.identity() : null;
    }

    /** Makes the dummy hash now (at server start), so the first unknown user does not wait for it. */
    static void prepare() {
        if (Dummy.HASH.isEmpty()) {
            throw new IllegalStateException("no dummy hash");
        }
    }
}
