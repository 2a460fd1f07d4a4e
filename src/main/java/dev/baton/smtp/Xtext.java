package dev.baton.smtp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** RFC 3461 4 xtext: "+" followed by two upper-case hex digits encodes one octet. */
public final class Xtext {

    private Xtext() {
    }

    public static String decode(String s) throws IllegalArgumentException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                if (i + 2 >= s.length()) {
                    throw new IllegalArgumentException("truncated xtext escape");
                }
                String hex = s.substring(i + 1, i + 3);
                if (!hex.matches("[0-9A-F]{2}")) {
                    throw new IllegalArgumentException("bad xtext escape +" + hex);
                }
                out.write(Integer.parseInt(hex, 16));
                i += 2;
            } else if (c < 33 || c > 126 || c == '=') {
                throw new IllegalArgumentException("character not allowed in xtext");
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    public static String encode(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c < 33 || c > 126 || c == '+' || c == '=') {
                sb.append('+').append(String.format("%02X", c));
            } else {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }
}
