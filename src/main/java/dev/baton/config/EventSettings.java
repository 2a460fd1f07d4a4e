package dev.baton.config;

/**
 * The event log's files ({@code DIR/events/events.log}, docs/events.md).
 *
 * @param maxFileSize a file is rotated before it would grow past this many octets
 * @param maxFiles    how many files are kept, the current one included ({@code events.log},
 *                    {@code events.log.1}, ...); the oldest beyond it is deleted
 */
public record EventSettings(long maxFileSize, int maxFiles) {

    public static final EventSettings DEFAULT = new EventSettings(10L * 1024 * 1024, 10);
}
