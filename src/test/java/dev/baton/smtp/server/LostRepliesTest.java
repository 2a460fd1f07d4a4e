package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.SmtpTestClient.Reply;
import dev.baton.testing.TestServer;
import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every reply the server decided on reaches a client that reads, also when the session ends
 * with more input pending behind QUIT, behind the command that exceeds the error limit, or
 * behind a fatal BDAT syntax error. Closing with unread input makes the kernel reset the
 * connection, which destroys replies the client had not read yet: for a committed message,
 * the client never sees its 250 and sends the message again.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LostRepliesTest {

    @RegisterExtension
    final TestServer server = new TestServer();

    /** Reads replies until the server closes; a reset counts as a close, but then replies may be missing. */
    private static List<Reply> readUntilClosed(SmtpTestClient c, int atMost) throws IOException {
        List<Reply> replies = new ArrayList<>();
        try {
            while (replies.size() < atMost) {
                replies.add(c.read());
            }
        } catch (EOFException | java.net.SocketException e) {
            // closed (or reset: then the assertions on the replies fail)
        }
        return replies;
    }

    @Test
    void theQueuedReplyAndTheClosingReplyReachAClientThatSentMoreBehindQuit() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.sendRaw("MAIL FROM:<a@sender.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
        assertThat(c.read().code()).isEqualTo(250);
        assertThat(c.read().code()).isEqualTo(250);
        assertThat(c.read().code()).isEqualTo(354);
        c.sendRaw("Subject: once\r\n\r\nbody\r\n.\r\nQUIT\r\nNOOP\r\n");
        List<Reply> replies = readUntilClosed(c, 5);
        assertThat(replies).extracting(Reply::code).containsExactly(250, 221);
        assertThat(replies.get(0).text()).contains("queued as");
        assertThat(server.queued()).hasSize(1);
    }

    @Test
    void pipelinedRecipientsPastTheLimitGetEveryReplyUpToTheClosing421() throws Exception {
        server.limits("maxRecipients: 100\nmaxErrors: 10").holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.readTimeout(Duration.ofSeconds(20));
        StringBuilder b = new StringBuilder("MAIL FROM:<a@sender.test>\r\n");
        for (int i = 0; i < 2000; i++) {
            b.append("RCPT TO:<r").append(i).append("@example.test>\r\n");
        }
        c.sendRaw(b.toString());
        List<Reply> replies = readUntilClosed(c, 3000);
        // MAIL, 100 recipients, 10 refusals (the tenth error), then 421
        assertThat(replies).hasSize(1 + 100 + 10 + 1);
        assertThat(replies.subList(0, 101)).extracting(Reply::code).containsOnly(250);
        assertThat(replies.subList(101, 111)).extracting(Reply::status).containsOnly("452 4.5.3");
        assertThat(replies.get(111).status()).isEqualTo("421 4.7.0");
    }

    @Test
    void aFatalBdatSyntaxErrorIsAnsweredAlsoWithDataBehindIt() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.sendRaw("MAIL FROM:<a@sender.test>\r\nRCPT TO:<alice@example.test>\r\nBDAT -1\r\n" + "x".repeat(5000) + "\r\n");
        List<Reply> replies = readUntilClosed(c, 5);
        assertThat(replies).extracting(Reply::status).containsExactly("250 2.1.0", "250 2.1.5", "501 5.5.4");
        assertThat(server.queued()).isEmpty();
    }

    @Test
    void theClosingReplyOfTheErrorLimitArrivesWhileTheClientKeepsSending() throws Exception {
        server.limits("maxErrors: 3").start();
        SmtpTestClient c = server.connectEhlo();
        c.sendRaw("BOGUS 1\r\nBOGUS 2\r\nBOGUS 3\r\nNOOP\r\nNOOP\r\n" + "NOOP\r\n".repeat(2000));
        List<Reply> replies = readUntilClosed(c, 10);
        assertThat(replies).extracting(Reply::status).containsExactly("500 5.5.2", "500 5.5.2", "500 5.5.2", "421 4.7.0");
    }
}
