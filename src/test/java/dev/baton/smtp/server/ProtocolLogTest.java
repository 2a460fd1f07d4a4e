package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
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
    void protocolLogIsOffByDefault() throws Exception {
        server.start();
        try (SmtpTestClient c = server.connectEhlo()) {
            c.command("QUIT");
        }
        assertThat(server.dataDir().resolve("logs")).doesNotExist();
    }

    private static String awaitContains(Path file, String needle) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String text = "";
        while (System.nanoTime() < until) {
            if (Files.exists(file)) {
                text = Files.readString(file);
                if (text.contains(needle)) {
                    return text;
                }
            }
            Thread.sleep(20);
        }
        return text;
    }
}
