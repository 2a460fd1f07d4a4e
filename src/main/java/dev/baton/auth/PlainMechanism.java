package dev.baton.auth;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * PLAIN (RFC 4616): one message, {@code [authzid] NUL authcid NUL password}, in UTF-8. A client
 * that sends no initial response gets an empty challenge first. Acting as another identity than
 * the one proven (an authzid that is not the user) is not supported and fails as bad
 * credentials.
 */
public final class PlainMechanism implements ServerMechanism {

    private static final int MAX_FIELD = 255;

    private final Credentials credentials;

    public PlainMechanism(Credentials credentials) {
        this.credentials = credentials;
        PasswordCheck.prepare();
    }

    @Override
    public String name() {
        return "PLAIN";
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
            private boolean challenged;

            @Override
            public Step evaluate(byte[] response) {
                if (response == null) {
                    if (challenged) {
                        return new Step.Failure(AuthFailure.of(AuthFailure.Kind.MALFORMED, "no response"));
                    }
                    challenged = true;
                    return new Step.Challenge(new byte[0]);
                }
                try {
                    return check(response);
                } finally {
                    Arrays.fill(response, (byte) 0);
                }
            }
        };
    }

    private Step check(byte[] message) {
        int first = indexOf(message, 0);
        int second = first < 0 ? -1 : indexOf(message, first + 1);
        if (second < 0 || indexOf(message, second + 1) >= 0) {
            return new Step.Failure(AuthFailure.of(AuthFailure.Kind.MALFORMED, "the PLAIN message is not authzid NUL authcid NUL password"));
        }
        String authzid;
        String authcid;
        char[] password;
        try {
            authzid = utf8(message, 0, first);
            authcid = utf8(message, first + 1, second);
            password = chars(message, second + 1, message.length);
        } catch (CharacterCodingException e) {
            return new Step.Failure(AuthFailure.of(AuthFailure.Kind.MALFORMED, "the PLAIN message is not UTF-8"));
        }
        try {
            if (authcid.isEmpty() || authcid.length() > MAX_FIELD || authzid.length() > MAX_FIELD || password.length > 1024) {
                return new Step.Failure(AuthFailure.of(AuthFailure.Kind.MALFORMED, "an empty or over-long PLAIN field"));
            }
            String identity = PasswordCheck.verify(credentials, authcid, password);
            if (identity == null) {
                return new Step.Failure(AuthFailure.of(AuthFailure.Kind.INVALID_CREDENTIALS,
                        "PLAIN for \"" + printable(authcid) + "\": unknown user or wrong password"));
            }
            if (!authzid.isEmpty() && !authzid.equalsIgnoreCase(authcid) && !authzid.equalsIgnoreCase(identity)) {
                return new Step.Failure(AuthFailure.of(AuthFailure.Kind.INVALID_CREDENTIALS,
                        "PLAIN: " + identity + " asked to act as \"" + printable(authzid) + "\", which is not supported"));
            }
            return new Step.Success(identity, authzid.isEmpty() ? null : authzid, null);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    static String utf8(byte[] b, int from, int to) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, from, to - from)).toString();
    }

    /** The octets as characters without a String that would outlive the attempt. */
    static char[] chars(byte[] b, int from, int to) throws CharacterCodingException {
        CharBuffer c = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, from, to - from));
        char[] out = new char[c.remaining()];
        c.get(out);
        if (c.hasArray()) {
            Arrays.fill(c.array(), '\0');
        }
        return out;
    }

    /** A name a client sent, fit for the event log: at most 64 characters, control characters as '?'. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 64));
        for (int i = 0; i < s.length() && i < 64; i++) {
            char ch = s.charAt(i);
            b.append(ch < 32 || ch == 127 ? '?' : ch);
        }
        return b.toString();
    }
}
