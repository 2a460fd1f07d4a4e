package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.queue.QueuedMessage;
import dev.baton.testing.Eventually;
import dev.baton.testing.ManualClock;
import dev.baton.testing.SmtpTestClient;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The receive side reads one clock, the server context's: never the system clock behind its back. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ServerClockTest {

    private static final Instant NOW = Instant.parse("2026-03-04T05:06:07Z");

    private final ManualClock clock = new ManualClock(NOW);

    @RegisterExtension
    final DirectListener server = new DirectListener().clock(clock).protocolLog();

    @Test
    void arrivalReceivedDateAndProtocolLogTimesComeFromTheServerClock() throws Exception {
        server.start();
        try (SmtpTestClient c = server.connectEhlo()) {
            c.transaction("a@sender.test", "alice@example.test");
            assertThat(c.data("Subject: clock\r\n\r\nbody\r\n").text()).contains("queued as");
            c.command("QUIT");
        }
        QueuedMessage m = server.queued().get(0);
        assertThat(m.envelope().arrival()).isEqualTo(NOW);
        assertThat(server.content(m)).startsWith("Received: from client.example.test")
                .contains("; Wed, 4 Mar 2026 05:06:07 +0000\r\n");
        List<String> lines = awaitLines("disconnect");
        assertThat(lines).isNotEmpty().allSatisfy(l -> assertThat(l).startsWith("2026-03-04T05:06:07Z "));
    }

    private List<String> awaitLines(String last) {
        return Eventually.awaitValue("the protocol log ends with " + last, Duration.ofSeconds(10), () -> {
            if (!Files.exists(server.protocolLogFile())) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(server.protocolLogFile());
            return !lines.isEmpty() && lines.get(lines.size() - 1).endsWith(last) ? Optional.of(lines) : Optional.empty();
        });
    }
}
