package dev.baton.smtp;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The ESMTP parameters of RCPT TO: that Baton knows (RFC 3461 DSN), parsed and validated
 * (server side) or passed on to a peer (client side).
 *
 * @param notifyOn NOTIFY: NEVER, or any of SUCCESS, FAILURE, DELAY; empty when not given
 * @param orcpt  ORCPT as "addr-type;address" with the address decoded, null when not given
 */
public record RcptParameters(Set<String> notifyOn, String orcpt) {

    public static final RcptParameters NONE = new RcptParameters(Set.of(), null);

    private static final int MAX_ORCPT = 500;

    public RcptParameters {
        notifyOn = Set.copyOf(notifyOn);
    }

    /**
     * Validates the parameters of a RCPT command, in the order given; the first bad one refuses
     * the command. After HELO (not EHLO) no parameter is accepted.
     */
    public static RcptParameters parse(Map<String, String> params, boolean esmtp) throws ParameterException {
        if (params.isEmpty()) {
            return NONE;
        }
        Set<String> notify = Set.of();
        String orcpt = null;
        for (Map.Entry<String, String> p : params.entrySet()) {
            String v = p.getValue();
            switch (esmtp ? p.getKey() : "") {
                case "NOTIFY" -> notify = notify(v);
                case "ORCPT" -> orcpt = orcpt(v);
                default -> throw new ParameterException(Reply.PARAMETER_UNRECOGNIZED.with(Reply.printable(p.getKey())));
            }
        }
        return new RcptParameters(notify, orcpt);
    }

    private static Set<String> notify(String v) throws ParameterException {
        Set<String> n = new TreeSet<>();
        String list = v == null ? "" : v.toUpperCase(Locale.ROOT);
        int at = 0;
        while (true) {
            int comma = list.indexOf(',', at);
            String part = list.substring(at, comma < 0 ? list.length() : comma);
            boolean known = part.equals("NEVER") || part.equals("SUCCESS") || part.equals("FAILURE") || part.equals("DELAY");
            if (!known || !n.add(part)) {
                throw new ParameterException(Reply.NOTIFY_UNKNOWN.response());
            }
            if (comma < 0) {
                break;
            }
            at = comma + 1;
        }
        if (n.contains("NEVER") && n.size() > 1) {
            throw new ParameterException(Reply.NOTIFY_NEVER_COMBINED.response());
        }
        return n;
    }

    private static String orcpt(String v) throws ParameterException {
        int semi = v == null ? -1 : v.indexOf(';');
        if (semi <= 0 || semi == v.length() - 1 || v.length() > MAX_ORCPT) {
            throw new ParameterException(Reply.ORCPT_FORMAT.response());
        }
        String type = v.substring(0, semi);
        if (!isAddressType(type)) {
            throw new ParameterException(Reply.ORCPT_TYPE.response());
        }
        try {
            String decoded = type.equalsIgnoreCase("utf-8") ? v.substring(semi + 1) : Xtext.decode(v.substring(semi + 1));
            return type + ";" + decoded;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(Reply.ORCPT_XTEXT.with(e.getMessage()));
        }
    }

    /** RFC 3461 addr-type: an atom; Baton takes letters, digits and '-', starting with a letter or digit. */
    private static boolean isAddressType(String t) {
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            boolean alnum = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
            if (!alnum && (c != '-' || i == 0)) {
                return false;
            }
        }
        return !t.isEmpty();
    }

    /** Appends NOTIFY (values sorted) and ORCPT (address xtext-encoded) as a client sends them, each after a space. */
    public StringBuilder appendTo(StringBuilder b) {
        if (!notifyOn.isEmpty()) {
            b.append(" NOTIFY=").append(String.join(",", new TreeSet<>(notifyOn)));
        }
        if (orcpt != null) {
            int semi = orcpt.indexOf(';');
            String type = semi < 0 ? "rfc822" : orcpt.substring(0, semi);
            String addr = semi < 0 ? orcpt : orcpt.substring(semi + 1);
            b.append(" ORCPT=").append(type).append(';').append(Xtext.encode(addr));
        }
        return b;
    }
}
