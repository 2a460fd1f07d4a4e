package dev.baton.events;

import java.time.Instant;
import java.util.Map;

/**
 * One event as the log holds it (one JSON line of {@code events.log}).
 *
 * @param virtualServer null when the event is about the server as a whole
 * @param connection    0 when there is none
 * @param queueId       null when there is none
 * @param fields        the named fields of the text, in catalogue order
 */
public record LoggedEvent(Instant time, int id, Severity level, Category category, String server, String virtualServer,
                          long connection, String queueId, String text, Map<String, String> fields) {

    public LoggedEvent {
        fields = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fields));
    }
}
