package dev.baton.org;

import java.util.Locale;

/** What an access control entry allows or denies (SYSTEM.md 5), by its name in org.yml and on the command line. */
public enum Right {
    SUBMIT,
    RELAY,
    ACCEPT_ANY_SENDER,
    ACCEPT_PROPERTIES,
    SEND_PROPERTIES,
    ACCEPT_AUTHORITATIVE_DOMAIN,
    BYPASS_ANTI_SPAM,
    ADMINISTER;

    /** The name as written: {@code accept-any-sender}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses {@code relay} or {@code accept-any-sender}; null when it names no right. */
    public static Right parse(String s) {
        for (Right r : values()) {
            if (r.wireName().equalsIgnoreCase(s)) {
                return r;
            }
        }
        return null;
    }

    /** Every name, for error messages. */
    public static String names() {
        StringBuilder b = new StringBuilder();
        for (Right r : values()) {
            b.append(b.isEmpty() ? "" : ", ").append(r.wireName());
        }
        return b.toString();
    }
}
