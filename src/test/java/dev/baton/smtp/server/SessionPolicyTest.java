package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.mail.MailAddress;
import dev.baton.mail.Principal;
import dev.baton.queue.Envelope;
import dev.baton.smtp.MailParameters;
import dev.baton.smtp.Reply;
import dev.baton.smtp.Response;
import dev.baton.testing.SmtpTestClient;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The policy hooks at MAIL and at the end of data: a refusal reaches the client, nothing is queued, the session goes on. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SessionPolicyTest {

    /** Refuses the sender spam@sender.test, and any message for quarantine@example.test; remembers what it was asked. */
    static final class TestPolicy implements SessionPolicy {
        final Queue<MailParameters> senderParameters = new ConcurrentLinkedQueue<>();
        final Queue<SessionInfo> sessions = new ConcurrentLinkedQueue<>();
        final Queue<Envelope> messages = new ConcurrentLinkedQueue<>();

        @Override
        public Optional<Response> checkSender(MailAddress sender, MailParameters parameters, SessionInfo session) {
            senderParameters.add(parameters);
            sessions.add(session);
            return sender.toString().equals("spam@sender.test")
                    ? Optional.of(Reply.TRANSACTION_FAILED.with("sender refused by the test policy")) : Optional.empty();
        }

        @Override
        public Optional<Response> checkMessage(Envelope envelope, SessionInfo session) {
            messages.add(envelope);
            sessions.add(session);
            return envelope.recipients().stream().anyMatch(r -> r.address().equals("quarantine@example.test"))
                    ? Optional.of(Reply.TRANSACTION_FAILED.with("message refused by the test policy")) : Optional.empty();
        }
    }

    private final TestPolicy policy = new TestPolicy();

    @RegisterExtension
    final DirectListener server = new DirectListener().policy(policy);

    @Test
    void senderRefusedAtMailGetsThePolicyReplyAndTheSessionGoesOn() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        SmtpTestClient.Reply refused = c.command("MAIL FROM:<spam@sender.test> SIZE=100");
        assertThat(refused.status()).isEqualTo("554 5.5.0");
        assertThat(refused.text()).contains("sender refused by the test policy");
        assertThat(c.command("RCPT TO:<alice@example.test>").status()).isEqualTo("503 5.5.1");
        c.transaction("a@sender.test", "alice@example.test");
        assertThat(c.data("Subject: ok\r\n\r\nbody\r\n").text()).contains("queued as");
        assertThat(server.queued()).singleElement().satisfies(m -> assertThat(m.envelope().sender()).isEqualTo("a@sender.test"));
        assertThat(policy.senderParameters.peek().size()).isEqualTo(100);
        assertThat(policy.sessions.peek().heloName()).isEqualTo("client.example.test");
        assertThat(policy.sessions.peek().principal()).isEqualTo(Principal.ANONYMOUS);
    }

    @Test
    void messageRefusedAtTheEndOfDataIsNotQueuedAndTheSessionGoesOn() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        c.transaction("a@sender.test", "alice@example.test", "quarantine@example.test");
        SmtpTestClient.Reply refused = c.data("Subject: no\r\n\r\nbody\r\n");
        assertThat(refused.status()).isEqualTo("554 5.5.0");
        assertThat(refused.text()).contains("message refused by the test policy");
        assertThat(server.queued()).isEmpty();
        assertThat(server.incomingFiles()).isZero();
        assertThat(policy.messages.peek().recipients()).hasSize(2);
        assertThat(c.command("RCPT TO:<alice@example.test>").status()).as("the transaction is over").isEqualTo("503 5.5.1");
        c.transaction("a@sender.test", "alice@example.test");
        assertThat(c.data("Subject: yes\r\n\r\nbody\r\n").text()).contains("queued as");
        assertThat(server.queued()).hasSize(1);
    }

    @Test
    void messageRefusedAtTheEndOfBdatIsNotQueuedAndTheSessionGoesOn() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        c.transaction("a@sender.test", "quarantine@example.test");
        String msg = "Subject: no\r\n\r\nbody\r\n";
        c.sendRaw("BDAT " + msg.length() + "\r\n" + msg);
        assertThat(c.read().code()).isEqualTo(250);
        assertThat(c.command("BDAT 0 LAST").status()).isEqualTo("554 5.5.0");
        assertThat(server.queued()).isEmpty();
        assertThat(server.incomingFiles()).isZero();
        assertThat(c.command("NOOP").code()).isEqualTo(250);
    }

    @Test
    void policyRefusalsCountTowardTheErrorLimit() throws Exception {
        server.limits("maxErrors: 2").start();
        SmtpTestClient c = server.connectEhlo();
        assertThat(c.command("MAIL FROM:<spam@sender.test>").status()).isEqualTo("554 5.5.0");
        c.transaction("a@sender.test", "quarantine@example.test");
        assertThat(c.data("Subject: no\r\n\r\nbody\r\n").status()).isEqualTo("554 5.5.0");
        assertThat(c.read().status()).isEqualTo("421 4.7.0");
        assertThat(c.isClosedByServer()).isTrue();
    }
}
