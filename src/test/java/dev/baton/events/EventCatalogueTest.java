package dev.baton.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The catalogue as docs/events.md shows it is the catalogue in the code, entry for entry; ids are where they belong. */
class EventCatalogueTest {

    @Test
    void eventsDocumentListsEveryEventAsTheCatalogueHasIt() throws Exception {
        List<String> catalogue = Arrays.stream(Event.values()).map(DocumentedEvents::rowOf).toList();
        assertThat(DocumentedEvents.lines()).containsExactlyElementsOf(catalogue);
    }

    @Test
    void idsAreUniqueExchangeIdsAreExchangesAndBatonsOwnAreInTheirCategorysRange() {
        assertThat(Arrays.stream(Event.values()).map(Event::id).distinct().count()).isEqualTo(Event.values().length);
        Map<Category, Integer> ranges = Map.of(Category.DIRECTORY, 40, Category.QUEUE, 41, Category.ROUTING, 42,
                Category.DELIVERY, 43, Category.AUTHENTICATION, 44, Category.SERVICE, 49);
        List<Integer> exchange = List.of(7004, 7010, 7006, 1704, 1706, 1709);
        for (Event e : Event.values()) {
            if (exchange.contains(e.id())) {
                assertThat(e.category()).as(e.name()).isIn(Category.SMTP_PROTOCOL, Category.AUTHENTICATION);
            } else {
                assertThat(e.id() / 100).as(e.name() + " (" + e.id() + ")").isEqualTo(ranges.get(e.category()));
            }
        }
        assertThat(Arrays.stream(Event.values()).map(Event::id).toList()).containsAll(exchange);
    }

    @Test
    void protocolEventsHaveExchangesTextsAndAreWrittenFromMedium() {
        assertThat(Event.CLIENT_COMMAND_REFUSED.render("1", "7", "192.0.2.7", "RCPT", "550 5.1.1 unknown", "RCPT TO:<x@y.test>"))
                .isEqualTo("This is an SMTP protocol log for virtual server ID 1, connection #7. The client at \"192.0.2.7\" sent a"
                        + " \"RCPT\" command, and the SMTP server responded with \"550 5.1.1 unknown\". The full command sent was"
                        + " \"RCPT TO:<x@y.test>\". This will probably cause the connection to fail.");
        assertThat(Event.REMOTE_COMMAND_REFUSED.render("1", "3", "mx.y.test[192.0.2.9]:25", "RCPT", "550 5.1.1 unknown",
                "RCPT TO:<x@y.test>"))
                .isEqualTo("This is an SMTP protocol error log for virtual server ID 1, connection #3. The remote host"
                        + " \"mx.y.test[192.0.2.9]:25\", responded to the SMTP command \"RCPT\" with \"550 5.1.1 unknown\". The full"
                        + " command sent was \"RCPT TO:<x@y.test>\". This will probably cause the connection to fail.");
        assertThat(Event.CLIENT_COMMAND_REFUSED.threshold()).isEqualTo(DiagnosticLevel.MEDIUM);
        assertThat(Event.REMOTE_COMMAND_REFUSED.threshold()).isEqualTo(DiagnosticLevel.MEDIUM);
    }

    @Test
    void levelsAndCategoriesAreReadByNameOrNumber() {
        assertThat(DiagnosticLevel.parse("medium")).isEqualTo(DiagnosticLevel.MEDIUM);
        assertThat(DiagnosticLevel.parse("3")).isEqualTo(DiagnosticLevel.MEDIUM);
        assertThat(DiagnosticLevel.parse("Maximum")).isEqualTo(DiagnosticLevel.MAXIMUM);
        assertThat(DiagnosticLevel.parse("2")).isNull();
        assertThat(Category.parse("smtp-protocol")).isEqualTo(Category.SMTP_PROTOCOL);
        assertThat(Category.parse("SMTP Protocol")).isEqualTo(Category.SMTP_PROTOCOL);
        assertThat(Category.parse("nonsense")).isNull();
        assertThat(Severity.parse("info")).isEqualTo(Severity.INFORMATION);
    }
}
