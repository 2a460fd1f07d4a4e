package dev.baton.org;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A user's stored SCRAM-SHA-256 credential (RFC 5802 3, RFC 7677): the salt, the iteration count,
 * StoredKey and ServerKey. SCRAM proves a password without sending it, so the server must keep
 * what SCRAM derives from the password; it cannot be derived from the Argon2id hash, and is kept
 * beside it. Written as PostgreSQL writes it:
 * {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}, base64. Knowing it lets one
 * impersonate the server to the user but not log in as the user; it is still to be kept as
 * secret as the hash.
 */
public record ScramCredential(byte[] salt, int iterations, byte[] storedKey, byte[] serverKey) {

    /** RFC 7677 asks at least 4096; this is four times that, still quick for a client that derives it at every login. */
    public static final int DEFAULT_ITERATIONS = 16_384;
    private static final String PREFIX = "SCRAM-SHA-256$";
    private static final SecureRandom RANDOM = new SecureRandom();

    public ScramCredential {
        Objects.requireNonNull(salt, "salt");
        Objects.requireNonNull(storedKey, "storedKey");
        Objects.requireNonNull(serverKey, "serverKey");
        if (iterations < 4096 || iterations > 10_000_000) {
            throw new IllegalArgumentException("SCRAM iterations " + iterations + " outside 4096..10000000");
        }
        if (storedKey.length != 32 || serverKey.length != 32 || salt.length < 8 || salt.length > 64) {
            throw new IllegalArgumentException("SCRAM-SHA-256 keys are 32 octets and the salt 8 to 64");
        }
        salt = salt.clone();
        storedKey = storedKey.clone();
        serverKey = serverKey.clone();
    }

    /** A new credential for the password, with a fresh salt. */
    public static ScramCredential create(char[] password) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return derive(password, salt, DEFAULT_ITERATIONS);
    }

    /** The credential a password gives with this salt and iteration count (RFC 5802 3). */
    public static ScramCredential derive(char[] password, byte[] salt, int iterations) {
        byte[] salted = saltedPassword(password, salt, iterations);
        try {
            byte[] clientKey = hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
            byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
            byte[] serverKey = hmac(salted, "Server Key".getBytes(StandardCharsets.US_ASCII));
            return new ScramCredential(salt, iterations, storedKey, serverKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        } finally {
            Arrays.fill(salted, (byte) 0);
        }
    }

    /** Hi(Normalize(password), salt, i): PBKDF2 with HMAC-SHA-256 and one block (RFC 5802 2.2). */
    public static byte[] saltedPassword(char[] password, byte[] salt, int iterations) {
        byte[] pw = normalize(password);
        try {
            byte[] block = new byte[salt.length + 4];
            System.arraycopy(salt, 0, block, 0, salt.length);
            block[block.length - 1] = 1;
            Mac mac = Mac.getInstance("HmacSHA256");
            // an empty password is no HMAC key the JDK takes: one zero octet is the same key (RFC 2104 pads with zeros)
            mac.init(new SecretKeySpec(pw.length == 0 ? new byte[1] : pw, "HmacSHA256"));
            byte[] u = mac.doFinal(block);
            byte[] result = u.clone();
            for (int i = 1; i < iterations; i++) {
                u = mac.doFinal(u);
                for (int j = 0; j < result.length; j++) {
                    result[j] ^= u[j];
                }
            }
            return result;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        } finally {
            Arrays.fill(pw, (byte) 0);
        }
    }

    public static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /**
     * The password's octets as SCRAM hashes them: UTF-8 of its NFKC form. That is SASLprep (RFC
     * 4013) for every password without control or unassigned characters, which SASLprep would
     * refuse; Baton does not refuse them, so a client that does never gets to send them.
     */
    private static byte[] normalize(char[] password) {
        String n = Normalizer.normalize(CharBuffer.wrap(password), Normalizer.Form.NFKC);
        ByteBuffer b = StandardCharsets.UTF_8.encode(n);
        byte[] out = new byte[b.remaining()];
        b.get(out);
        if (b.hasArray()) {
            Arrays.fill(b.array(), (byte) 0);
        }
        return out;
    }

    /** {@code SCRAM-SHA-256$16384:<salt>$<StoredKey>:<ServerKey>}. */
    public String encode() {
        Base64.Encoder b = Base64.getEncoder();
        return PREFIX + iterations + ":" + b.encodeToString(salt) + "$" + b.encodeToString(storedKey) + ":" + b.encodeToString(serverKey);
    }

    /** The credential the text holds, or null when it is not one. */
    public static ScramCredential parse(String text) {
        if (text == null || !text.startsWith(PREFIX)) {
            return null;
        }
        String[] parts = text.substring(PREFIX.length()).split("\\$", -1);
        if (parts.length != 2) {
            return null;
        }
        String[] head = parts[0].split(":", -1);
        String[] keys = parts[1].split(":", -1);
        if (head.length != 2 || keys.length != 2) {
            return null;
        }
        try {
            Base64.Decoder d = Base64.getDecoder();
            return new ScramCredential(d.decode(head[1]), Integer.parseInt(head[0]), d.decode(keys[0]), d.decode(keys[1]));
        } catch (IllegalArgumentException e) {
            return null; // bad base64, a bad number, keys of the wrong length
        }
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] storedKey() {
        return storedKey.clone();
    }

    @Override
    public byte[] serverKey() {
        return serverKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramCredential c && iterations == c.iterations && Arrays.equals(salt, c.salt)
                && MessageDigest.isEqual(storedKey, c.storedKey) && MessageDigest.isEqual(serverKey, c.serverKey);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(salt) * 31 + iterations;
    }

    @Override
    public String toString() {
        return "ScramCredential[SCRAM-SHA-256, " + iterations + " iterations]";
    }
}
