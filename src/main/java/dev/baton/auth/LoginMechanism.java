package dev.baton.auth;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * LOGIN (draft-murchison-sasl-login): the server asks {@code Username:} then {@code Password:},
 * the client answers each; an initial response is the user name. Outlook's and many devices'
 * mechanism, kept for them; PLAIN says the same in one message.
 */
public final class LoginMechanism implements ServerMechanism {

    private static final byte[] USERNAME = "Username:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PASSWORD = "Password:".getBytes(StandardCharsets.US_ASCII);

    private final Credentials credentials;

    public LoginMechanism(Credentials credentials) {
        this.credentials = credentials;
        PasswordCheck.prepare();
    }

    @Override
    public String name() {
        return "LOGIN";
    }

    @Override
    public Family family() {
        return Family.BASIC;
    }

    @Override
    public boolean exposesPassword() {
        return true;
    }

    @Override
    public Exchange start(AuthContext context) {
        return new Exchange() {
            private boolean asked;
            private String user;

            @Override
            public Step evaluate(byte[] response) {
                if (user == null) {
                    if (response == null) {
                        if (asked) {
                            return malformed("no user name");
                        }
                        asked = true;
                        return new Step.Challenge(USERNAME.clone());
                    }
                    try {
                        user = PlainMechanism.utf8(response, 0, response.length);
                    } catch (CharacterCodingException e) {
                        return malformed("the user name is not UTF-8");
                    }
                    if (user.isEmpty() || user.length() > 255 || user.indexOf('\0') >= 0) {
                        return malformed("an empty or over-long user name");
                    }
                    return new Step.Challenge(PASSWORD.clone());
                }
                if (response == null) {
                    return malformed("no password");
                }
                char[] password;
                try {
                    password = PlainMechanism.chars(response, 0, response.length);
                } catch (CharacterCodingException e) {
                    return malformed("the password is not UTF-8");
                } finally {
                    Arrays.fill(response, (byte) 0);
                }
                try {
                    String identity = PasswordCheck.verify(credentials, user, password);
                    if (identity == null) {
                        return new Step.Failure(AuthFailure.of(AuthFailure.Kind.INVALID_CREDENTIALS,
                                "LOGIN for \"" + PlainMechanism.printable(user) + "\": unknown user or wrong password"));
                    }
                    return new Step.Success(identity, null, null);
                } finally {
                    Arrays.fill(password, '\0');
                }
            }
        };
    }

    private static Step malformed(String detail) {
        return new Step.Failure(AuthFailure.of(AuthFailure.Kind.MALFORMED, "LOGIN: " + detail));
    }
}
