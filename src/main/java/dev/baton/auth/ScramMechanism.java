package dev.baton.auth;

import dev.baton.org.ScramCredential;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.Supplier;

/**
 * SCRAM-SHA-256 (RFC 5802, RFC 7677) and SCRAM-SHA-256-PLUS with the tls-exporter channel
 * binding (RFC 9266). The password never crosses the wire; the server keeps the user's
 * {@link ScramCredential}. An unknown user, or one without a stored credential, gets a salt
 * derived from the name and a secret of this server, always the same for the name, and then fails
 * at the proof as a wrong password does, so the exchange does not tell which names exist.
 */
public final class ScramMechanism implements ServerMechanism {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private final Credentials credentials;
    private final boolean plus;
    private final Supplier<String> nonces;
    private final byte[] fakeSaltKey = new byte[32];

    /** SCRAM-SHA-256 ({@code plus} false) or SCRAM-SHA-256-PLUS. */
    public ScramMechanism(Credentials credentials, boolean plus) {
        this(credentials, plus, ScramMechanism::nonce);
    }

    /** With the server's nonces from the given source (the RFC 7677 test vector fixes it). */
    public ScramMechanism(Credentials credentials, boolean plus, Supplier<String> nonces) {
        this.credentials = credentials;
        this.plus = plus;
        this.nonces = nonces;
        RANDOM.nextBytes(fakeSaltKey);
    }

    private static String nonce() {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return B64.encodeToString(b);
    }

    @Override
    public String name() {
        return plus ? "SCRAM-SHA-256-PLUS" : "SCRAM-SHA-256";
    }

    @Override
    public Family family() {
        return Family.BASIC;
    }

    @Override
    public boolean exposesPassword() {
        return false;
    }

    /** -PLUS needs a channel binding. */
    @Override
    public boolean available(AuthContext context) {
        return !plus || context.channelBinding() != null;
    }

    @Override
    public Exchange start(AuthContext context) {
        return new ScramExchange(context);
    }

    private final class ScramExchange implements Exchange {
        private final AuthContext context;
        private int step;
        private String gs2Header;
        private String clientFirstBare;
        private String serverFirst;
        private String nonce;
        private String login;
        private String authzid;
        private Credentials.Account account;
        private ScramCredential credential;

        ScramExchange(AuthContext context) {
            this.context = context;
        }

        @Override
        public Step evaluate(byte[] response) {
            step++;
            if (response == null) {
                return step == 1 ? new Step.Challenge(new byte[0]) : malformed("no response");
            }
            String text;
            try {
                text = PlainMechanism.utf8(response, 0, response.length);
            } catch (CharacterCodingException e) {
                return malformed("a message that is not UTF-8");
            }
            if (serverFirst == null) {
                return first(text);
            }
            if (credential == null) {
                return malformed("a message after the exchange ended");
            }
            return last(text);
        }

        private Step first(String m) {
            // gs2-header: cbind-flag "," [authzid] ","
            int c1 = m.indexOf(',');
            int c2 = c1 < 0 ? -1 : m.indexOf(',', c1 + 1);
            if (c2 < 0) {
                return malformed("no GS2 header");
            }
            String flag = m.substring(0, c1);
            String az = m.substring(c1 + 1, c2);
            switch (flag) {
                case "n" -> {
                    if (plus) {
                        return malformed("SCRAM-SHA-256-PLUS without channel binding (flag n)");
                    }
                }
                case "y" -> {
                    // the client could bind but thinks we cannot: when we could, someone removed -PLUS (RFC 5802 6)
                    if (plus || context.channelBinding() != null) {
                        return failure(AuthFailure.Kind.INVALID_CREDENTIALS,
                                "flag y although this server offers SCRAM-SHA-256-PLUS: a downgrade (RFC 5802 6)");
                    }
                }
                case "p=tls-exporter" -> {
                    if (!plus || context.channelBinding() == null) {
                        return malformed("channel binding asked on " + name() + (plus ? " without a channel binding" : ""));
                    }
                }
                default -> {
                    if (flag.startsWith("p=")) {
                        return failure(AuthFailure.Kind.UNSUPPORTED, "channel binding type \"" + PlainMechanism.printable(flag.substring(2))
                                + "\" is not supported (only tls-exporter)");
                    }
                    return malformed("a GS2 flag that is not n, y or p=");
                }
            }
            if (!az.isEmpty()) {
                if (!az.startsWith("a=")) {
                    return malformed("an authzid that is not a=...");
                }
                authzid = saslname(az.substring(2));
                if (authzid == null) {
                    return malformed("a bad authzid");
                }
            }
            gs2Header = m.substring(0, c2 + 1);
            clientFirstBare = m.substring(c2 + 1);
            String[] attrs = clientFirstBare.split(",", -1);
            if (attrs.length < 2 || !attrs[0].startsWith("n=") || !attrs[1].startsWith("r=")) {
                if (clientFirstBare.startsWith("m=")) {
                    return failure(AuthFailure.Kind.UNSUPPORTED, "a mandatory SCRAM extension (m=) is not supported");
                }
                return malformed("client-first-message is not n=...,r=...");
            }
            login = saslname(attrs[0].substring(2));
            String clientNonce = attrs[1].substring(2);
            if (login == null || login.isEmpty() || login.length() > 255) {
                return malformed("a bad user name");
            }
            if (clientNonce.isEmpty() || clientNonce.length() > 255 || !printable(clientNonce)) {
                return malformed("a bad client nonce");
            }
            account = credentials.account(login);
            credential = account == null ? null : account.scram();
            if (credential == null) {
                credential = fake(login);
                account = null;
            }
            nonce = clientNonce + nonces.get();
            serverFirst = "r=" + nonce + ",s=" + B64.encodeToString(credential.salt()) + ",i=" + credential.iterations();
            return new Step.Challenge(serverFirst.getBytes(StandardCharsets.UTF_8));
        }

        private Step last(String m) {
            int p = m.lastIndexOf(",p=");
            if (p < 0) {
                return malformed("client-final-message without a proof");
            }
            String withoutProof = m.substring(0, p);
            String[] attrs = withoutProof.split(",", -1);
            if (attrs.length < 2 || !attrs[0].startsWith("c=") || !attrs[1].startsWith("r=")) {
                return malformed("client-final-message is not c=...,r=...,p=...");
            }
            byte[] cbind;
            byte[] proof;
            try {
                cbind = B64D.decode(attrs[0].substring(2));
                proof = B64D.decode(m.substring(p + 3));
            } catch (IllegalArgumentException e) {
                return malformed("bad base64 in client-final-message");
            }
            byte[] header = gs2Header.getBytes(StandardCharsets.UTF_8);
            byte[] expected = header;
            if (gs2Header.startsWith("p=")) {
                byte[] binding = context.channelBinding();
                expected = Arrays.copyOf(header, header.length + binding.length);
                System.arraycopy(binding, 0, expected, header.length, binding.length);
            }
            if (!MessageDigest.isEqual(cbind, expected)) {
                return failure(AuthFailure.Kind.INVALID_CREDENTIALS, "the channel binding does not match this connection's");
            }
            if (!attrs[1].substring(2).equals(nonce)) {
                return malformed("the nonce is not the one of this exchange");
            }
            if (proof.length != 32) {
                return malformed("a proof that is not 32 octets");
            }
            byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
            byte[] signature = ScramCredential.hmac(credential.storedKey(), authMessage);
            byte[] clientKey = new byte[32];
            for (int i = 0; i < 32; i++) {
                clientKey[i] = (byte) (proof[i] ^ signature[i]);
            }
            byte[] stored;
            try {
                stored = MessageDigest.getInstance("SHA-256").digest(clientKey);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is part of every JDK", e);
            }
            boolean ok = MessageDigest.isEqual(stored, credential.storedKey());
            ScramCredential used = credential;
            credential = null; // one proof per exchange
            if (!ok || account == null) {
                return failure(AuthFailure.Kind.INVALID_CREDENTIALS, name() + " for \"" + PlainMechanism.printable(login) + "\": "
                        + (account != null ? "wrong password"
                        : credentials.account(login) == null ? "unknown user" : "no SCRAM credential stored (set the password again)"));
            }
            if (authzid != null && !authzid.equalsIgnoreCase(login) && !authzid.equalsIgnoreCase(account.identity())) {
                return failure(AuthFailure.Kind.INVALID_CREDENTIALS, name() + ": " + account.identity() + " asked to act as \""
                        + PlainMechanism.printable(authzid) + "\", which is not supported");
            }
            byte[] serverSignature = ScramCredential.hmac(used.serverKey(), authMessage);
            String serverFinal = "v=" + B64.encodeToString(serverSignature);
            return new Step.Success(account.identity(), authzid, serverFinal.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The same salt for the same unknown name every time, and keys that match no password. */
    private ScramCredential fake(String login) {
        byte[] salt = Arrays.copyOf(ScramCredential.hmac(fakeSaltKey, login.toLowerCase(java.util.Locale.ROOT)
                .getBytes(StandardCharsets.UTF_8)), 16);
        byte[] keys = new byte[64];
        RANDOM.nextBytes(keys);
        return new ScramCredential(salt, ScramCredential.DEFAULT_ITERATIONS, Arrays.copyOf(keys, 32), Arrays.copyOfRange(keys, 32, 64));
    }

    /** RFC 5802 saslname: "=2C" is ',', "=3D" is '='; any other '=' (and a bare ',') is an error (null). */
    static String saslname(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ',') {
                return null;
            }
            if (c == '=') {
                if (s.startsWith("=2C", i)) {
                    b.append(',');
                } else if (s.startsWith("=3D", i)) {
                    b.append('=');
                } else {
                    return null;
                }
                i += 2;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean printable(String nonce) {
        for (int i = 0; i < nonce.length(); i++) {
            char c = nonce.charAt(i);
            if (c < 0x21 || c > 0x7e || c == ',') {
                return false;
            }
        }
        return true;
    }

    private static Step malformed(String detail) {
        return new Step.Failure(AuthFailure.of(AuthFailure.Kind.MALFORMED, detail));
    }

    private static Step failure(AuthFailure.Kind kind, String detail) {
        return new Step.Failure(AuthFailure.of(kind, detail));
    }
}
