package dev.baton.config;

/**
 * The delivery log ({@code DIR/logs/delivery.log}, docs/logs.md): one line per receipt, per
 * recipient outcome and per removal.
 *
 * @param enabled     whether it is written at all
 * @param json        JSON lines instead of Postfix-style text lines
 * @param maxFileSize a file is rotated before it would grow past this many octets
 * @param maxFiles    how many files are kept, the current one included; the oldest beyond it is deleted
 */
public record DeliveryLogSettings(boolean enabled, boolean json, long maxFileSize, int maxFiles) {

    public static final DeliveryLogSettings DEFAULT = new DeliveryLogSettings(true, false, 10L * 1024 * 1024, 10);
}
