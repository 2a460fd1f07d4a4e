package dev.baton.smtp;

import dev.baton.mail.MailAddress;
import java.util.Locale;
import java.util.Map;

/**
 * The ESMTP parameters of MAIL FROM: that Baton knows, parsed and validated (server side) or
 * chosen for a peer (client side), and rendered back onto the wire in one fixed order.
 *
 * @param body     BODY (RFC 6152, RFC 3030): 7BIT, 8BITMIME or BINARYMIME, upper case
 * @param smtputf8 SMTPUTF8 was given (RFC 6531)
 * @param ret      RET (RFC 3461): FULL or HDRS, null when not given
 * @param envid    ENVID (RFC 3461), xtext-decoded, null when not given
 * @param size     SIZE (RFC 1870) in octets, -1 when not given
 * @param auth     AUTH (RFC 4954 5): the mailbox that submitted the message, xtext-decoded, ""
 *                 for {@code AUTH=<>}, null when not given
 */
public record MailParameters(String body, boolean smtputf8, String ret, String envid, long size, String auth) {

    /** No parameters: BODY=7BIT implied. */
    public static final MailParameters NONE = new MailParameters("7BIT", false, null, null, -1);

    /** Without AUTH=. */
    public MailParameters(String body, boolean smtputf8, String ret, String envid, long size) {
        this(body, smtputf8, ret, envid, size, null);
    }

    private static final int MAX_ENVID = 100;

    /**
     * Validates the parameters of a MAIL command, in the order given; the first bad one refuses
     * the command. After HELO (not EHLO) no parameter is accepted.
     *
     * @param params  keywords upper case, values as sent (null for a keyword without value)
     * @param maxSize the largest message this server takes; a larger SIZE is refused with 552
     */
    public static MailParameters parse(Map<String, String> params, boolean esmtp, long maxSize) throws ParameterException {
        if (params.isEmpty()) {
            return NONE;
        }
        String body = "7BIT";
        boolean utf8 = false;
        String ret = null;
        String envid = null;
        long size = -1;
        String auth = null;
        for (Map.Entry<String, String> p : params.entrySet()) {
            String v = p.getValue();
            switch (esmtp ? p.getKey() : "") {
                case "SIZE" -> {
                    size = digits(v);
                    if (size < 0) {
                        throw new ParameterException(Reply.SIZE_NOT_A_NUMBER.response());
                    }
                    if (size > maxSize) {
                        throw new ParameterException(Reply.MESSAGE_TOO_BIG.with(maxSize));
                    }
                }
                case "BODY" -> {
                    String b = v == null ? "" : v.toUpperCase(Locale.ROOT);
                    if (!b.equals("7BIT") && !b.equals("8BITMIME") && !b.equals("BINARYMIME")) {
                        throw new ParameterException(Reply.BODY_UNKNOWN.response());
                    }
                    body = b;
                }
                case "SMTPUTF8" -> {
                    if (v != null) {
                        throw new ParameterException(Reply.SMTPUTF8_TAKES_NO_VALUE.response());
                    }
                    utf8 = true;
                }
                case "RET" -> {
                    String r = v == null ? "" : v.toUpperCase(Locale.ROOT);
                    if (!r.equals("FULL") && !r.equals("HDRS")) {
                        throw new ParameterException(Reply.RET_UNKNOWN.response());
                    }
                    ret = r;
                }
                case "ENVID" -> {
                    if (v == null || v.isEmpty() || v.length() > MAX_ENVID) {
                        throw new ParameterException(Reply.ENVID_INVALID.with("ENVID must be 1 to 100 characters of xtext"));
                    }
                    try {
                        envid = Xtext.decode(v);
                    } catch (IllegalArgumentException e) {
                        throw new ParameterException(Reply.ENVID_INVALID.with(e.getMessage()));
                    }
                }
                case "AUTH" -> auth = authMailbox(v);
                default -> throw new ParameterException(Reply.PARAMETER_UNRECOGNIZED.with(Reply.printable(p.getKey())));
            }
        }
        return new MailParameters(body, utf8, ret, envid, size, auth);
    }

    /** RFC 4954 5: {@code AUTH=} xtext of an addr-spec, or of {@code <>}; "" for {@code <>}. */
    private static String authMailbox(String v) throws ParameterException {
        if (v == null || v.isEmpty()) {
            throw new ParameterException(Reply.PARAMETER_SYNTAX.with("AUTH= needs a mailbox in xtext or <>"));
        }
        String decoded;
        try {
            decoded = Xtext.decode(v);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(Reply.PARAMETER_SYNTAX.with("AUTH=: " + e.getMessage()));
        }
        if (decoded.equals("<>")) {
            return "";
        }
        try {
            MailAddress a = MailAddress.parse(decoded);
            if (a.domain().isEmpty()) {
                throw new MailAddress.AddressException("no domain");
            }
            return a.toString();
        } catch (MailAddress.AddressException e) {
            throw new ParameterException(Reply.PARAMETER_SYNTAX.with("AUTH= is not a mailbox or <>: " + e.getMessage()));
        }
    }

    /** 1 to 18 decimal digits as a number, else -1. */
    static long digits(String v) {
        if (v == null || v.isEmpty() || v.length() > 18) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** The declared size, 0 when none was given (as the envelope keeps it). */
    public long declaredSize() {
        return Math.max(0, size);
    }

    /**
     * Appends the parameters as a client sends them, each after a space: SIZE, BODY (not when
     * 7BIT), SMTPUTF8, RET, ENVID (xtext-encoded), AUTH ({@code <>} or the xtext-encoded
     * mailbox). The caller leaves out what the peer does not offer.
     */
    public StringBuilder appendTo(StringBuilder b) {
        if (size >= 0) {
            b.append(" SIZE=").append(size);
        }
        if (!body.equals("7BIT")) {
            b.append(" BODY=").append(body);
        }
        if (smtputf8) {
            b.append(" SMTPUTF8");
        }
        if (ret != null) {
            b.append(" RET=").append(ret);
        }
        if (envid != null) {
            b.append(" ENVID=").append(Xtext.encode(envid));
        }
        if (auth != null) {
            b.append(" AUTH=").append(auth.isEmpty() ? "<>" : Xtext.encode(auth));
        }
        return b;
    }
}
