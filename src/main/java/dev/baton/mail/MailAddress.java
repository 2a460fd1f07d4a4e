package dev.baton.mail;

import java.util.Locale;

/**
 * A mailbox as it appears in a path: local part and domain (RFC 5321 4.1.2, RFC 6531 for
 * UTF-8). The null reverse-path is {@link #NULL_SENDER}; "postmaster" without a domain is
 * allowed as a recipient.
 */
public record MailAddress(String localPart, String domain) {

    public static final MailAddress NULL_SENDER = new MailAddress("", "");
    public static final int MAX_LOCAL_PART = 64;
    public static final int MAX_DOMAIN = 255;
    public static final int MAX_PATH = 256;

    public boolean isNull() {
        return localPart.isEmpty() && domain.isEmpty();
    }

    public boolean isAscii() {
        return isAscii(localPart) && isAscii(domain);
    }

    /** Domain in lower case, for routing and comparison. */
    public String domainKey() {
        return domain.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        if (isNull()) {
            return "";
        }
        return domain.isEmpty() ? localPart : localPart + "@" + domain;
    }

    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 127) {
                return false;
            }
        }
        return true;
    }

    /** Parses an address without angle brackets; throws with the reason when it is bad. */
    public static MailAddress parse(String s) throws AddressException {
        if (s.isEmpty()) {
            throw new AddressException("empty address");
        }
        int at;
        String local;
        if (s.charAt(0) == '"') {
            int i = 1;
            boolean closed = false;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '\\') {
                    if (i + 1 >= s.length() || s.charAt(i + 1) < 32 && s.charAt(i + 1) != '\t') {
                        throw new AddressException("bad quoted pair in local part");
                    }
                    i += 2;
                    continue;
                }
                if (c == '"') {
                    closed = true;
                    i++;
                    break;
                }
                if (c < 32 || c == 127) {
                    throw new AddressException("control character in quoted local part");
                }
                i++;
            }
            if (!closed) {
                throw new AddressException("unterminated quoted local part");
            }
            local = s.substring(0, i);
            if (i == s.length()) {
                if (local.equalsIgnoreCase("\"postmaster\"")) {
                    return new MailAddress(local, "");
                }
                throw new AddressException("missing @domain");
            }
            if (s.charAt(i) != '@') {
                throw new AddressException("text after the quoted local part");
            }
            at = i;
        } else {
            at = s.lastIndexOf('@');
            if (at < 0) {
                if (s.equalsIgnoreCase("postmaster")) {
                    return new MailAddress(s, "");
                }
                throw new AddressException("missing @domain");
            }
            local = s.substring(0, at);
            checkDotString(local);
        }
        if (local.length() > MAX_LOCAL_PART) {
            throw new AddressException("local part longer than " + MAX_LOCAL_PART + " octets");
        }
        String domain = s.substring(at + 1);
        checkDomain(domain);
        return new MailAddress(local, domain);
    }

    private static void checkDotString(String local) throws AddressException {
        if (local.isEmpty()) {
            throw new AddressException("empty local part");
        }
        if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
            throw new AddressException("misplaced dot in local part");
        }
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            boolean atext = c > 127 || Character.isLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~.".indexOf(c) >= 0;
            if (!atext || c < 32) {
                throw new AddressException("character '" + printable(c) + "' not allowed in local part (quote it)");
            }
        }
    }

    private static void checkDomain(String d) throws AddressException {
        if (d.isEmpty()) {
            throw new AddressException("empty domain");
        }
        if (d.length() > MAX_DOMAIN) {
            throw new AddressException("domain longer than " + MAX_DOMAIN + " octets");
        }
        if (d.startsWith("[")) {
            if (!d.endsWith("]") || d.length() < 3) {
                throw new AddressException("bad address literal");
            }
            String lit = d.substring(1, d.length() - 1);
            if (lit.regionMatches(true, 0, "IPv6:", 0, 5)) {
                if (!isIpv6Text(lit, 5)) {
                    throw new AddressException("bad IPv6 address literal");
                }
            } else if (!isDottedQuad(lit)) {
                throw new AddressException("bad IPv4 address literal");
            }
            return;
        }
        int start = 0;
        while (true) {
            int dot = d.indexOf('.', start);
            int end = dot < 0 ? d.length() : dot;
            checkLabel(d, start, end);
            if (dot < 0) {
                return;
            }
            start = dot + 1;
        }
    }

    private static void checkLabel(String d, int from, int to) throws AddressException {
        if (from == to) {
            throw new AddressException("empty label in domain");
        }
        if (to - from > 63) {
            throw new AddressException("domain label longer than 63 octets");
        }
        if (d.charAt(from) == '-' || d.charAt(to - 1) == '-') {
            throw new AddressException("domain label starts or ends with '-'");
        }
        for (int i = from; i < to; i++) {
            char c = d.charAt(i);
            if (!(c > 127 || Character.isLetterOrDigit(c) || c == '-')) {
                throw new AddressException("character '" + printable(c) + "' not allowed in domain");
            }
        }
    }

    /** Four decimal octets 0-255 separated by dots (RFC 5321 4.1.3 IPv4-address-literal). */
    static boolean isDottedQuad(String s) {
        int parts = 0;
        int i = 0;
        while (i <= s.length()) {
            int value = 0;
            int digits = 0;
            int first = i;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                value = value * 10 + (s.charAt(i) - '0');
                if (++digits > 3) {
                    return false;
                }
                i++;
            }
            if (digits == 0 || value > 255 || digits == 3 && s.charAt(first) == '0') {
                return false; // as RFC 5321 Snum: "001" is not an octet, "01" is
            }
            parts++;
            if (i == s.length()) {
                return parts == 4;
            }
            if (s.charAt(i) != '.' || parts == 4) {
                return false;
            }
            i++;
        }
        return false;
    }

    private static boolean isIpv6Text(String s, int from) {
        return isIpv6Address(s.substring(from));
    }

    /**
     * RFC 5321 4.1.3 IPv6-addr: eight groups of 1 to 4 hex digits (IPv6-full); or fewer around
     * one "::" that stands for at least two groups, so at most six beside it (IPv6-comp); or
     * either form with its last two groups written as an IPv4 address (IPv6v4-full: six groups
     * and the address; IPv6v4-comp: at most four beside the "::").
     */
    public static boolean isIpv6Address(String s) {
        if (s.isEmpty()) {
            return false;
        }
        int groups = 8;
        String hex = s;
        int lastColon = s.lastIndexOf(':');
        if (lastColon < 0) {
            return false;
        }
        if (s.indexOf('.', lastColon) >= 0) {
            if (!isDottedQuad(s.substring(lastColon + 1))) {
                return false;
            }
            groups = 6;
            // keep the colon before the IPv4 part when it belongs to a "::"
            hex = lastColon > 0 && s.charAt(lastColon - 1) == ':' ? s.substring(0, lastColon + 1) : s.substring(0, lastColon);
        }
        int gap = hex.indexOf("::");
        if (gap < 0) {
            return countGroups(hex) == groups;
        }
        if (hex.indexOf("::", gap + 1) >= 0) {
            return false; // one "::" at most
        }
        String left = hex.substring(0, gap);
        String right = hex.substring(gap + 2);
        int l = left.isEmpty() ? 0 : countGroups(left);
        int r = right.isEmpty() ? 0 : countGroups(right);
        return l >= 0 && r >= 0 && l + r <= groups - 2;
    }

    /** Groups of 1 to 4 hex digits separated by single colons: how many, or -1 when it is not that. */
    private static int countGroups(String s) {
        int groups = 0;
        int digits = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ':') {
                if (digits == 0) {
                    return -1;
                }
                groups++;
                digits = 0;
            } else if (c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
                if (++digits > 4) {
                    return -1;
                }
            } else {
                return -1;
            }
        }
        return digits == 0 ? -1 : groups + 1;
    }

    private static String printable(char c) {
        return c < 32 || c == 127 ? String.format("\\x%02x", (int) c) : String.valueOf(c);
    }

    /** Why an address could not be parsed. */
    public static final class AddressException extends Exception {
        public AddressException(String message) {
            super(message);
        }
    }
}
