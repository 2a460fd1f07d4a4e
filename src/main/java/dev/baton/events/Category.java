package dev.baton.events;

import java.util.Locale;

/**
 * What an event is about. Each category has a diagnostic logging level (Exchange's "diagnostic
 * logging"): per virtual server for what happens in a receive session, per server for the rest.
 */
public enum Category {
    SMTP_PROTOCOL("SMTP Protocol", true),
    AUTHENTICATION("Authentication", true),
    DIRECTORY("Directory", false),
    QUEUE("Queue", false),
    ROUTING("Routing", false),
    DELIVERY("Delivery", false),
    SERVICE("Service", false);

    private final String title;
    private final boolean perVirtualServer;

    Category(String title, boolean perVirtualServer) {
        this.title = title;
        this.perVirtualServer = perVirtualServer;
    }

    /** As the log and docs/events.md show it: "SMTP Protocol". */
    public String title() {
        return title;
    }

    /** As the command line and levels.json write it: "smtp-protocol". */
    public String key() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether its level is set per virtual server (else once for the server). */
    public boolean perVirtualServer() {
        return perVirtualServer;
    }

    /** "smtp-protocol", "SMTP Protocol", "smtp_protocol" in any case; null when none matches. */
    public static Category parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT).replace('_', '-').replace(' ', '-');
        for (Category c : values()) {
            if (c.key().equals(t)) {
                return c;
            }
        }
        return null;
    }

    /** The keys, for messages: "smtp-protocol, authentication, ...". */
    public static String keys() {
        StringBuilder b = new StringBuilder();
        for (Category c : values()) {
            b.append(b.isEmpty() ? "" : ", ").append(c.key());
        }
        return b.toString();
    }
}
