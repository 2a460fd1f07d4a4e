package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.mail.MailAddress;
import dev.baton.mail.Principal;
import dev.baton.queue.Envelope;
import dev.baton.queue.QueuedMessage;
import dev.baton.smtp.Response;
import dev.baton.testing.Eventually;
import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.SmtpTestClient.Reply;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the coming AUTH and X-EXPS handlers stand on, proved with verbs of the tests' own
 * (XTEST: one 334 round trip; XLOGIN: authenticates), each one file and one registration line.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class MultiLineExchangeTest {

    private final Queue<String> continuations = new ConcurrentLinkedQueue<>();
    private final Queue<SessionInfo> recipientChecks = new ConcurrentLinkedQueue<>();

    @RegisterExtension
    final DirectListener server = new DirectListener()
            .commands(CommandTable.STANDARD.with(new XtestHandler(continuations)).with(new XloginHandler()))
            .policy(new SessionPolicy() {
                @Override
                public Optional<Response> checkRecipient(MailAddress recipient, SessionInfo session) {
                    recipientChecks.add(session);
                    return Optional.empty();
                }
            })
            .protocolLog();

    @Test
    void continuationLineIsReadWithTheCommandDeadlineAndNotLogged() throws Exception {
        server.limits("timeouts: {command: 1s}").start();
        SmtpTestClient c = server.connectEhlo();
        assertThat(c.command("HELP").text()).endsWith("STARTTLS AUTH XTEST XLOGIN");
        Reply challenge = c.command("XTEST");
        assertThat(challenge.code()).isEqualTo(334);
        assertThat(challenge.text()).isEqualTo(XtestHandler.CHALLENGE);
        assertThat(c.command("c2VjcmV0LXZhbHVl").status()).isEqualTo("250 2.0.0");
        assertThat(continuations).containsExactly("c2VjcmV0LXZhbHVl");

        assertThat(c.command("XTEST").code()).isEqualTo(334);
        long t0 = System.nanoTime();
        Reply timeout = c.read(); // the client says nothing: the command deadline, not the data one, runs out
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(timeout.status()).isEqualTo("421 4.4.2");
        assertThat(ms).isBetween(500L, 4000L);
        assertThat(c.isClosedByServer()).isTrue();

        String log = awaitLog("timeout");
        assertThat(log).contains("< (continuation line of 16 octets)", "> 334 " + XtestHandler.CHALLENGE)
                .doesNotContain("c2VjcmV0LXZhbHVl");
    }

    @Test
    void overlongContinuationLineIs500AndTheSessionGoesOn() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        assertThat(c.command("XTEST").code()).isEqualTo(334);
        assertThat(c.command("y".repeat(600)).status()).isEqualTo("500 5.5.6");
        assertThat(c.command("NOOP").status()).isEqualTo("250 2.0.0");
        assertThat(continuations).isEmpty();
        c.command("QUIT");
        assertThat(awaitLog("disconnect")).contains("< (continuation line longer than 512 octets)").doesNotContain("yyyy");
    }

    @Test
    void authenticationDropsTheTransactionAndTheMessageSaysWhoSentIt() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>").expect(250);
        assertThat(c.command("XLOGIN alice@example.test").code()).isEqualTo(250);
        assertThat(c.command("RCPT TO:<bob@example.test>").status()).isEqualTo("503 5.5.1");
        c.transaction("alice@example.test", "bob@example.test");
        assertThat(c.data("Subject: signed\r\n\r\nbody\r\n").text()).contains("queued as");

        assertThat(recipientChecks.peek().principal()).isEqualTo(new Principal.User("alice@example.test", "XLOGIN"));
        QueuedMessage m = server.queued().get(0);
        Envelope e = m.envelope();
        assertThat(e.authenticated()).isEqualTo("alice@example.test");
        assertThat(e.protocol()).isEqualTo("ESMTPA");
        assertThat(server.content(m)).contains("with ESMTPA id " + m.id());
    }

    private String awaitLog(String needle) {
        return Eventually.awaitValue("the protocol log has " + needle, Duration.ofSeconds(10), () -> {
            String text = Files.exists(server.protocolLogFile()) ? Files.readString(server.protocolLogFile()) : "";
            return text.contains(needle) ? Optional.of(text) : Optional.empty();
        });
    }
}
