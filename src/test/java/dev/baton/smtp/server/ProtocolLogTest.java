package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testing.Eventually;
import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The protocol log: the transcript of every session of a virtual server, off by default. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ProtocolLogTest {

    @RegisterExtension
    final TestServer server = new TestServer();

    @Test
    void protocolLogRecordsEveryCommandAndReplyOfASession() throws Exception {
        server.vs("protocolLog: true").start();
        try (SmtpTestClient c = server.connectEhlo()) {
            c.command("MAIL FROM:<a@sender.test>");
            c.command("RCPT TO:<bob@elsewhere.test>");
            c.command("QUIT");
        }
        Path log = server.dataDir().resolve("logs").resolve("smtp-default.log");
        String text = awaitContains(log, "disconnect");
        assertThat(text).contains("< EHLO ", "> 250 ", "< MAIL FROM:<a@sender.test>",
                "< RCPT TO:<bob@elsewhere.test>", "> 550 5.7.1 Relaying denied", "< QUIT", "> 221 2.0.0");
        assertThat(text).contains("connect from 127.0.0.1");
    }

    @Test
    void controlCharactersFromTheClientAreEscapedSoNoLineCanBeForged() throws Exception {
        server.vs("protocolLog: true").start();
        try (SmtpTestClient c = server.connectEhlo()) {
            // a CR that would start a forged line, an ESC that would reach a terminal, a bidi override
            c.sendRaw("NOOP a\r2026-01-01T00:00:00Z 9 > 250 forged\u001b[2J\u202e\\x41\r\n");
            c.read();
            c.command("QUIT");
        }
        Path log = server.dataDir().resolve("logs").resolve("smtp-default.log");
        String text = awaitContains(log, "disconnect");
        assertThat(text).contains("< NOOP a\\r2026-01-01T00:00:00Z 9 > 250 forged\\x1B[2J\\u202E\\\\x41");
        assertThat(text.lines()).noneMatch(l -> l.startsWith("2026-01-01T00:00:00Z"));
        assertThat(text).doesNotContain("\u001b", "\u202e", "\r");
    }

    @Test
    void protocolLogIsOffByDefault() throws Exception {
        server.start();
        try (SmtpTestClient c = server.connectEhlo()) {
            c.command("QUIT");
        }
        // logs/ holds the delivery log, which is on by default; no session transcript is there
        Path logs = server.dataDir().resolve("logs");
        if (Files.isDirectory(logs)) {
            try (java.util.stream.Stream<Path> files = Files.list(logs)) {
                assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("smtp-"));
            }
        }
    }

    private static String awaitContains(Path file, String needle) {
        try {
            return Eventually.awaitValue("the log has " + needle, Duration.ofSeconds(10), () -> {
                String text = Files.exists(file) ? Files.readString(file) : "";
                return text.contains(needle) ? Optional.of(text) : Optional.empty();
            });
        } catch (AssertionError notYet) {
            return notYetText(file);
        }
    }

    private static String notYetText(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
