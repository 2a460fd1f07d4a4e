package dev.baton.events;

import java.util.Locale;

/** An event's level, as the event log shows it. */
public enum Severity {
    ERROR, WARNING, INFORMATION;

    /** "error", as the log writes it. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** "error", "warning", "information" (or "info"), any case; null when none. */
    public static Severity parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("info")) {
            return INFORMATION;
        }
        for (Severity s : values()) {
            if (s.key().equals(t)) {
                return s;
            }
        }
        return null;
    }
}
