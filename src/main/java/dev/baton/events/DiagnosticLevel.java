package dev.baton.events;

import java.util.Locale;

/** How much a category writes: None (0), Minimum (1), Medium (3), Maximum (5), as Exchange numbers them. */
public enum DiagnosticLevel {
    NONE(0, "None"),
    MINIMUM(1, "Minimum"),
    MEDIUM(3, "Medium"),
    MAXIMUM(5, "Maximum");

    private final int number;
    private final String title;

    DiagnosticLevel(int number, String title) {
        this.number = number;
        this.title = title;
    }

    public int number() {
        return number;
    }

    /** "Medium". */
    public String title() {
        return title;
    }

    /** "medium", as levels.json writes it. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether a category at this level writes an event whose threshold is the given one. */
    public boolean reaches(DiagnosticLevel threshold) {
        return number >= threshold.number;
    }

    /** A name ("medium", any case) or a number (0, 1, 3, 5); null when neither. */
    public static DiagnosticLevel parse(String text) {
        String t = text.strip();
        for (DiagnosticLevel l : values()) {
            if (l.name().equalsIgnoreCase(t) || String.valueOf(l.number).equals(t)) {
                return l;
            }
        }
        return null;
    }
}
