package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testing.Eventually;
import dev.baton.testing.SmtpTestClient.Reply;
import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.TestServer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Limits on everything a client controls (RFC 5321 4.5.3) and what happens past them. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class LimitsTest {

    @RegisterExtension
    final TestServer server = new TestServer();

    @Test
    void commandLineOver512OctetsIs500AndTheSessionContinues() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        assertThat(c.command("NOOP " + "x".repeat(600)).status()).isEqualTo("500 5.5.6");
        assertThat(c.command("NOOP").text()).isEqualTo("2.0.0 OK");
    }

    @Test
    void commandLineOfExactly512OctetsIsAccepted() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        String line = "NOOP " + "x".repeat(512 - 5 - 2);
        assertThat(line.length() + 2).isEqualTo(512);
        assertThat(c.command(line).code()).isEqualTo(250);
        assertThat(c.command(line + "x").status()).isEqualTo("500 5.5.6");
    }

    @Test
    void overlongMailCommandIsNotExecutedInPart() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        assertThat(c.command("MAIL FROM:<a@sender.test> " + "X".repeat(700)).status()).isEqualTo("500 5.5.6");
        assertThat(c.command("RCPT TO:<alice@example.test>").code()).isEqualTo(503);
    }

    @Test
    void textLineOver1000OctetsIsRefused() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        c.command("DATA");
        assertThat(c.command("Subject: long\r\n\r\n" + "y".repeat(999) + "\r\n.").status()).isEqualTo("550 5.6.0");
        assertThat(server.queued()).isEmpty();
        assertThat(c.command("NOOP").code()).isEqualTo(250);
    }

    @Test
    void bdatTextLineOver1000OctetsIsRefusedAsOverDataAndBinarymimeIsNotLimited() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        String body = "Subject: long\r\n\r\n" + "y".repeat(5000) + "\r\n";
        // split so the long line straddles two chunks
        c.sendRaw("BDAT 2000\r\n" + body.substring(0, 2000));
        assertThat(c.read().code()).isEqualTo(250);
        String rest = body.substring(2000);
        assertThat(c.command("BDAT " + rest.length() + " LAST\r\n" + rest.substring(0, rest.length() - 2)).status())
                .isEqualTo("550 5.6.0");
        assertThat(server.queued()).isEmpty();

        c.command("MAIL FROM:<a@sender.test> BODY=BINARYMIME");
        c.command("RCPT TO:<alice@example.test>");
        assertThat(c.command("BDAT " + body.length() + " LAST\r\n" + body.substring(0, body.length() - 2)).code()).isEqualTo(250);
        assertThat(server.queued()).hasSize(1);
    }

    @Test
    void textLineOfExactly1000OctetsIsAccepted() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        c.command("DATA");
        assertThat(c.command("Subject: long\r\n\r\n" + "y".repeat(998) + "\r\n.").code()).isEqualTo(250);
    }

    @Test
    void recipientsOverMaxRecipientsAre452() throws Exception {
        server.limits("maxRecipients: 2").holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        assertThat(c.command("RCPT TO:<r1@example.test>").code()).isEqualTo(250);
        assertThat(c.command("RCPT TO:<r2@example.test>").code()).isEqualTo(250);
        assertThat(c.command("RCPT TO:<r3@example.test>").status()).isEqualTo("452 4.5.3");
        c.command("DATA");
        assertThat(c.command("Subject: x\r\n\r\nx\r\n.").code()).isEqualTo(250);
        assertThat(server.queued().get(0).envelope().recipients()).hasSize(2);
    }

    @Test
    void connectionOverMaxConnectionsGets421() throws Exception {
        server.limits("maxConnections: 2").start();
        SmtpTestClient a = server.connect();
        SmtpTestClient b = server.connect();
        assertThat(a.read().code()).isEqualTo(220);
        assertThat(b.read().code()).isEqualTo(220);
        SmtpTestClient third = server.connect();
        assertThat(third.read().status()).isEqualTo("421 4.7.0");
        assertThat(third.isClosedByServer()).isTrue();
        assertThat(a.command("QUIT").code()).isEqualTo(221);
        assertThat(a.isClosedByServer()).isTrue();
        // the slot is free again once the session has ended
        assertThat(awaitGreeting(server)).isEqualTo(220);
    }

    @Test
    void connectionOverMaxConnectionsPerClientGets421() throws Exception {
        server.limits("maxConnectionsPerClient: 1").start();
        SmtpTestClient a = server.connect();
        assertThat(a.read().code()).isEqualTo(220);
        SmtpTestClient second = server.connect();
        Reply r = second.read();
        assertThat(r.status()).isEqualTo("421 4.7.0");
        assertThat(r.text()).contains("your address");
        assertThat(second.isClosedByServer()).isTrue();
        assertThat(a.command("NOOP").code()).isEqualTo(250);
    }

    /** Sessions release their slot asynchronously after close: connect again until one is greeted. */
    private static int awaitGreeting(TestServer server) throws Exception {
        return Eventually.awaitValue("a new connection is greeted with 220", Duration.ofSeconds(5), () -> {
            int code = server.connect().read().code();
            return code == 220 ? Optional.of(code) : Optional.empty();
        });
    }

    @Test
    void idleClientGets421TimeoutAndIsClosed() throws Exception {
        server.limits("timeouts:\n  command: 1s").start();
        SmtpTestClient c = server.connectEhlo();
        long t0 = System.nanoTime();
        Reply r = c.read();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.status()).isEqualTo("421 4.4.2");
        assertThat(ms).isBetween(500L, 4000L);
        assertThat(c.isClosedByServer()).isTrue();
    }

    @Test
    void clientThatStallsInDataGets421TimeoutAndNothingIsQueued() throws Exception {
        server.limits("timeouts:\n  dataBlock: 1s").holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        assertThat(c.command("DATA").code()).isEqualTo(354);
        c.sendRaw("Subject: stalled\r\n\r\nhalf a mess");
        assertThat(c.read().status()).isEqualTo("421 4.4.2");
        assertThat(c.isClosedByServer()).isTrue();
        assertThat(server.queued()).isEmpty();
        assertThat(incomingFiles()).isZero();
    }

    @Test
    void clientThatStallsInABdatChunkGets421TimeoutAndNothingIsQueued() throws Exception {
        server.limits("timeouts:\n  dataBlock: 1s").holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        c.sendRaw("BDAT 100 LAST\r\nSubject: stalled\r\n");
        assertThat(c.read().status()).isEqualTo("421 4.4.2");
        assertThat(c.isClosedByServer()).isTrue();
        assertThat(server.queued()).isEmpty();
        assertThat(incomingFiles()).isZero();
    }

    /** Files of messages still being received: an aborted message must leave none behind (waits for them to go). */
    private long incomingFiles() throws Exception {
        java.nio.file.Path incoming = server.node().spool().root().resolve("incoming");
        try {
            Eventually.await("incoming/ is empty", Duration.ofSeconds(5), () -> {
                try (var files = java.nio.file.Files.list(incoming)) {
                    return files.count() == 0;
                }
            });
        } catch (AssertionError stillThere) {
            // counted below, for the assertion of the test
        }
        try (var files = java.nio.file.Files.list(incoming)) {
            return files.count();
        }
    }

    @Test
    void tooManyErrorsGets421AndIsClosed() throws Exception {
        server.limits("maxErrors: 3").start();
        SmtpTestClient c = server.connectEhlo();
        assertThat(c.command("FOO").code()).isEqualTo(500);
        assertThat(c.command("BAR").code()).isEqualTo(500);
        assertThat(c.command("BAZ").code()).isEqualTo(500);
        assertThat(c.read().status()).isEqualTo("421 4.7.0");
        assertThat(c.isClosedByServer()).isTrue();
    }

    @Test
    void successfulCommandsDoNotCountAsErrors() throws Exception {
        server.limits("maxErrors: 2").start();
        SmtpTestClient c = server.connectEhlo();
        assertThat(c.command("FOO").code()).isEqualTo(500);
        for (int i = 0; i < 5; i++) {
            assertThat(c.command("NOOP").code()).isEqualTo(250);
        }
        assertThat(c.command("BAR").code()).isEqualTo(500);
        assertThat(c.read().code()).isEqualTo(421);
    }
}
