package dev.baton.org;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Stored passwords for basic authentication: Argon2id (RFC 9106) from Bouncy Castle, salted,
 * in the PHC string form {@code $argon2id$v=19$m=19456,t=2,p=1$SALT$HASH} (the OWASP
 * minimum: 19 MiB, 2 passes). Plain text is never stored; verification compares in constant
 * time and takes the parameters from the stored string, so they can be raised later.
 */
public final class Passwords {

    private static final int MEMORY_KIB = 19_456;
    private static final int ITERATIONS = 2;
    private static final int PARALLELISM = 1;
    private static final int SALT_OCTETS = 16;
    private static final int HASH_OCTETS = 32;
    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getDecoder();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Passwords() {
    }

    /** A new hash of the password with a fresh salt. */
    public static String hash(char[] password) {
        byte[] salt = new byte[SALT_OCTETS];
        RANDOM.nextBytes(salt);
        byte[] h = derive(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM, HASH_OCTETS);
        return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + ITERATIONS + ",p=" + PARALLELISM + "$" + B64.encodeToString(salt) + "$"
                + B64.encodeToString(h);
    }

    /** Whether the text has the form {@link #hash} produces. */
    public static boolean isHash(String stored) {
        return parse(stored) != null;
    }

    /** Whether the password matches the stored hash; false for anything that is not one. */
    public static boolean verify(char[] password, String stored) {
        Parsed p = parse(stored);
        if (p == null) {
            return false;
        }
        byte[] h = derive(password, p.salt, p.memory, p.iterations, p.parallelism, p.hash.length);
        return MessageDigest.isEqual(h, p.hash);
    }

    private record Parsed(int memory, int iterations, int parallelism, byte[] salt, byte[] hash) {
    }

    private static Parsed parse(String s) {
        if (s == null) {
            return null;
        }
        String[] parts = s.split("\\$", -1); // "", argon2id, v=19, m=..,t=..,p=.., salt, hash
        if (parts.length != 6 || !parts[0].isEmpty() || !parts[1].equals("argon2id") || !parts[2].equals("v=19")) {
            return null;
        }
        int m = -1;
        int t = -1;
        int p = -1;
        for (String kv : parts[3].split(",")) {
            int eq = kv.indexOf('=');
            if (eq < 0) {
                return null;
            }
            int v;
            try {
                v = Integer.parseInt(kv.substring(eq + 1));
            } catch (NumberFormatException e) {
                return null;
            }
            switch (kv.substring(0, eq)) {
                case "m" -> m = v;
                case "t" -> t = v;
                case "p" -> p = v;
                default -> {
                    return null;
                }
            }
        }
        // bounds: a hash string from a file must not make us allocate gigabytes or spin for minutes
        if (m < 8 || m > 1_048_576 || t < 1 || t > 100 || p < 1 || p > 16) {
            return null;
        }
        try {
            byte[] salt = B64D.decode(parts[4]);
            byte[] hash = B64D.decode(parts[5]);
            if (salt.length < 8 || hash.length < 16 || hash.length > 64) {
                return null;
            }
            return new Parsed(m, t, p, salt, hash);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static byte[] derive(char[] password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt)
                .withMemoryAsKB(memoryKib)
                .withIterations(iterations)
                .withParallelism(parallelism)
                .build();
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(params);
        byte[] out = new byte[length];
        java.nio.ByteBuffer encoded = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(password));
        byte[] pw = new byte[encoded.remaining()]; // the buffer's array may be longer than its content
        encoded.get(pw);
        try {
            gen.generateBytes(pw, out);
        } finally {
            java.util.Arrays.fill(pw, (byte) 0);
            if (encoded.hasArray()) {
                java.util.Arrays.fill(encoded.array(), (byte) 0);
            }
        }
        return out;
    }
}
