package dev.baton.smtp;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The argument of MAIL FROM: or RCPT TO:, split into the address and the ESMTP parameters
 * (keyword upper-cased, value as sent; null for a keyword without value).
 */
public record PathArgument(MailAddress address, Map<String, String> parameters) {

    private static final java.util.regex.Pattern SPACES = java.util.regex.Pattern.compile(" +");
    private static final java.util.regex.Pattern KEYWORD = java.util.regex.Pattern.compile("[A-Z0-9][A-Z0-9-]*");

    /**
     * @param arg    the text after the verb, e.g. {@code FROM:<a@b.example> SIZE=100}
     * @param prefix "FROM:" or "TO:"
     */
    public static PathArgument parse(String arg, String prefix) throws MailAddress.AddressException {
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
        for (String p : params.isBlank() ? new String[0] : SPACES.split(params.strip())) {
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            String key = (eq < 0 ? p : p.substring(0, eq)).toUpperCase(Locale.ROOT);
            if (!KEYWORD.matcher(key).matches()) {
                throw new MailAddress.AddressException("bad parameter keyword \"" + key + "\"");
            }
            if (map.containsKey(key)) {
                throw new MailAddress.AddressException("parameter " + key + " given twice");
            }
            map.put(key, eq < 0 ? null : p.substring(eq + 1));
        }
        return new PathArgument(address, map);
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
