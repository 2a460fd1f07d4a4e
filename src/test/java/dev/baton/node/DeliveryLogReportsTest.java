package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.queue.QueueEvents;
import dev.baton.smtp.server.SessionEvents;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The delivery log's reports stand between the parts and the event log's reports: a report
 * they do not pass on is an event that is never written (held, released, 1709 were lost so
 * once, silently, because the interfaces' methods have empty defaults).
 */
class DeliveryLogReportsTest {

    @Test
    void everySessionAndQueueReportIsPassedOnNotLeftToItsEmptyDefault() throws Exception {
        List<String> missing = new ArrayList<>();
        for (Class<?> reports : List.of(SessionEvents.class, QueueEvents.class)) {
            for (Method m : reports.getMethods()) {
                if (Modifier.isStatic(m.getModifiers())) {
                    continue;
                }
                Method own = DeliveryLogReports.class.getMethod(m.getName(), m.getParameterTypes());
                if (own.getDeclaringClass() != DeliveryLogReports.class) {
                    missing.add(reports.getSimpleName() + "." + m.getName());
                }
            }
        }
        assertThat(missing).as("reports DeliveryLogReports does not pass on").isEmpty();
    }
}
