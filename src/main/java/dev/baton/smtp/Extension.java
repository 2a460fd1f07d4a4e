package dev.baton.smtp;

import java.util.Locale;

/**
 * The ESMTP extensions Baton knows, by their EHLO keyword. The order of the constants is the
 * order of the lines in Baton's EHLO reply; the client side looks up what a peer offers by the
 * same constants.
 */
public enum Extension {
    PIPELINING("PIPELINING"),
    SIZE("SIZE"),
    EIGHT_BIT_MIME("8BITMIME"),
    ENHANCED_STATUS_CODES("ENHANCEDSTATUSCODES"),
    STARTTLS("STARTTLS"),
    AUTH("AUTH"),
    /** Server-to-server authentication of the organization (SYSTEM.md 2): X-EXPS GSSAPI. */
    X_EXPS("X-EXPS"),
    CHUNKING("CHUNKING"),
    BINARYMIME("BINARYMIME"),
    SMTPUTF8("SMTPUTF8"),
    DSN("DSN"),
    HELP("HELP");

    private final String keyword;

    Extension(String keyword) {
        this.keyword = keyword;
    }

    /** The EHLO keyword (RFC 5321 4.1.1.1 ehlo-keyword), upper case. */
    public String keyword() {
        return keyword;
    }

    /** The EHLO line for this extension, with its parameters ("" for none). */
    public String line(String parameters) {
        return parameters.isEmpty() ? keyword : keyword + " " + parameters;
    }

    /** The extension a keyword names (any case), or null when Baton does not know it. */
    public static Extension of(String keyword) {
        String k = keyword.toUpperCase(Locale.ROOT);
        for (Extension e : values()) {
            if (e.keyword.equals(k)) {
                return e;
            }
        }
        return null;
    }
}
