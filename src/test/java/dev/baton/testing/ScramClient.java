package dev.baton.testing;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The client side of SCRAM-SHA-256 (RFC 5802 3), written from the RFC with the JDK's own PBKDF2
 * (not Baton's code), for tests that talk to the server: first message, final message with the
 * proof, and a check of the server's signature.
 */
public final class ScramClient {

    private final String user;
    private final char[] password;
    private final String nonce;
    private final String gs2Header;
    private final byte[] channelBinding;
    private String clientFirstBare;
    private byte[] authMessage;
    private byte[] saltedPassword;

    /** Without channel binding (gs2 flag "n"). */
    public ScramClient(String user, String password, String nonce) {
        this(user, password, nonce, "n,,", null);
    }

    /**
     * @param gs2Header      "n,,", "y,," or "p=tls-exporter,,"
     * @param channelBinding the binding data for "p=", else null
     */
    public ScramClient(String user, String password, String nonce, String gs2Header, byte[] channelBinding) {
        this.user = user;
        this.password = password.toCharArray();
        this.nonce = nonce;
        this.gs2Header = gs2Header;
        this.channelBinding = channelBinding;
    }

    public String first() {
        clientFirstBare = "n=" + user.replace("=", "=3D").replace(",", "=2C") + ",r=" + nonce;
        return gs2Header + clientFirstBare;
    }

    /** The client-final-message for the server-first-message. */
    public String last(String serverFirst) throws Exception {
        String r = null;
        String s = null;
        int i = 0;
        for (String attr : serverFirst.split(",")) {
            switch (attr.charAt(0)) {
                case 'r' -> r = attr.substring(2);
                case 's' -> s = attr.substring(2);
                case 'i' -> i = Integer.parseInt(attr.substring(2));
                default -> { }
            }
        }
        if (r == null || !r.startsWith(nonce)) {
            throw new IllegalStateException("the server's nonce does not extend ours: " + serverFirst);
        }
        byte[] salt = Base64.getDecoder().decode(s);
        SecretKeyFactory f = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
        saltedPassword = f.generateSecret(new PBEKeySpec(password, salt, i, 256)).getEncoded();
        byte[] header = gs2Header.getBytes(StandardCharsets.UTF_8);
        byte[] cbind = header;
        if (channelBinding != null) {
            cbind = java.util.Arrays.copyOf(header, header.length + channelBinding.length);
            System.arraycopy(channelBinding, 0, cbind, header.length, channelBinding.length);
        }
        String withoutProof = "c=" + Base64.getEncoder().encodeToString(cbind) + ",r=" + r;
        authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        byte[] clientKey = hmac(saltedPassword, "Client Key");
        byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
        byte[] signature = hmac(storedKey, authMessage);
        byte[] proof = new byte[clientKey.length];
        for (int k = 0; k < proof.length; k++) {
            proof[k] = (byte) (clientKey[k] ^ signature[k]);
        }
        return withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof);
    }

    /** Whether the server-final-message proves the server knows the user's ServerKey. */
    public boolean verifies(String serverFinal) throws Exception {
        byte[] serverKey = hmac(saltedPassword, "Server Key");
        String expected = "v=" + Base64.getEncoder().encodeToString(hmac(serverKey, authMessage));
        return expected.equals(serverFinal);
    }

    private static byte[] hmac(byte[] key, String data) throws Exception {
        return hmac(key, data.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] hmac(byte[] key, byte[] data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data);
    }
}
