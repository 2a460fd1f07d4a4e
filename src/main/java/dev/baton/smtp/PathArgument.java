package dev.baton.smtp;

import dev.baton.mail.MailAddress;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The argument of MAIL FROM: or RCPT TO:, split into the address and the ESMTP parameters
 * (keyword upper-cased, value as sent; null for a keyword without value).
 */
public record PathArgument(MailAddress address, Map<String, String> parameters) {

    /**
     * @param arg    the text after the verb, e.g. {@code FROM:<a@b.example> SIZE=100}
     * @param prefix "FROM:" or "TO:"
     */
    public static PathArgument parse(String arg, String prefix) throws MailAddress.AddressException, ParameterException {
        if (!arg.regionMatches(true, 0, prefix, 0, prefix.length())) {
            throw new MailAddress.AddressException("expected " + prefix + "<address>");
        }
        String rest = arg.substring(prefix.length()).stripLeading();
        if (!rest.startsWith("<")) {
            throw new MailAddress.AddressException("address must be enclosed in <>");
        }
        int close = findClose(rest);
        if (close < 0) {
            throw new MailAddress.AddressException("missing closing >");
        }
        String inner = rest.substring(1, close);
        if (inner.length() > MailAddress.MAX_PATH - 2) {
            throw new MailAddress.AddressException("path longer than " + MailAddress.MAX_PATH + " octets");
        }
        if (inner.startsWith("@")) { // source route (RFC 5321 4.1.2): accepted and ignored
            int colon = inner.indexOf(':');
            if (colon < 0) {
                throw new MailAddress.AddressException("bad source route");
            }
            inner = inner.substring(colon + 1);
        }
        MailAddress address = inner.isEmpty() ? MailAddress.NULL_SENDER : MailAddress.parse(inner);
        String params = rest.substring(close + 1);
        if (!params.isEmpty() && params.charAt(0) != ' ') {
            throw new MailAddress.AddressException("text after > must be separated by a space");
        }
        Map<String, String> map = new LinkedHashMap<>();
        String list = params.strip();
        int at = 0;
        while (at < list.length()) {
            int sp = list.indexOf(' ', at);
            int end = sp < 0 ? list.length() : sp;
            if (end > at) {
                String p = list.substring(at, end);
                int eq = p.indexOf('=');
                String key = (eq < 0 ? p : p.substring(0, eq)).toUpperCase(Locale.ROOT);
                if (!isKeyword(key)) {
                    throw new ParameterException(Reply.PARAMETER_SYNTAX.with("\"" + key + "\" is not a parameter keyword"));
                }
                if (map.containsKey(key)) {
                    throw new ParameterException(Reply.PARAMETER_SYNTAX.with("parameter " + key + " given twice"));
                }
                map.put(key, eq < 0 ? null : p.substring(eq + 1));
            }
            at = end + 1;
        }
        return new PathArgument(address, map);
    }

    /** RFC 5321 esmtp-keyword, upper-cased: (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"). */
    private static boolean isKeyword(String k) {
        if (k.isEmpty()) {
            return false;
        }
        for (int i = 0; i < k.length(); i++) {
            char c = k.charAt(i);
            boolean alnum = c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
            if (!alnum && (c != '-' || i == 0)) {
                return false;
            }
        }
        return true;
    }

    private static int findClose(String s) {
        boolean quoted = false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '>' && !quoted) {
                return i;
            }
        }
        return -1;
    }
}
