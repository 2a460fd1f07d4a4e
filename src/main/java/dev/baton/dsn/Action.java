package dev.baton.dsn;

import java.util.Locale;

/** The Action field of a per-recipient DSN block (RFC 3464 2.3.3). */
public enum Action {
    /** Could not be delivered and will not be tried again. */
    FAILED,
    /** Not delivered yet; still being tried. */
    DELAYED,
    /** Delivered to the recipient's mailbox. */
    DELIVERED,
    /** Passed on to a system that does not send DSNs; no further notice will come. */
    RELAYED,
    /** Delivered to an alias or list, which passed it on to its members. */
    EXPANDED;

    /** The value as written in the Action field. */
    public String field() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The NOTIFY condition (RFC 3461 4.1) under which this action is reported. */
    public String notifyCondition() {
        return switch (this) {
            case FAILED -> "FAILURE";
            case DELAYED -> "DELAY";
            case DELIVERED, RELAYED, EXPANDED -> "SUCCESS";
        };
    }
}
