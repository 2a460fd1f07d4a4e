package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.TestServer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** RFC 2920: commands sent in one write are answered in order, each exactly once. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class PipeliningTest {

    @RegisterExtension
    final TestServer server = new TestServer();

    @Test
    void mailRcptRcptDataInOneWriteAreAnsweredInOrder() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.sendRaw("MAIL FROM:<a@sender.test>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n");
        assertThat(c.read().status()).isEqualTo("250 2.1.0");
        assertThat(c.read().text()).contains("<alice@example.test>");
        assertThat(c.read().text()).contains("<bob@example.test>");
        assertThat(c.read().code()).isEqualTo(354);
        c.sendRaw("Subject: p\r\n\r\nbody\r\n.\r\n");
        assertThat(c.read().text()).contains("queued as");
        assertThat(server.queued()).hasSize(1);
        assertThat(server.queued().get(0).envelope().recipients()).hasSize(2);
    }

    @Test
    void refusedRecipientInAPipelineDoesNotDisturbTheOthers() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.sendRaw("MAIL FROM:<a@sender.test>\r\nRCPT TO:<x@elsewhere.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n");
        assertThat(c.read().code()).isEqualTo(250);
        assertThat(c.read().status()).isEqualTo("550 5.7.1");
        assertThat(c.read().code()).isEqualTo(250);
        assertThat(c.read().code()).isEqualTo(354);
        c.sendRaw("Subject: p\r\n\r\nbody\r\n.\r\n");
        assertThat(c.read().code()).isEqualTo(250);
        assertThat(server.queued().get(0).envelope().recipients()).extracting(r -> r.address()).containsExactly("bob@example.test");
    }

    @Test
    void severalMessagesInOneSession() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        for (int i = 0; i < 3; i++) {
            c.sendRaw("MAIL FROM:<a@sender.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
            assertThat(c.read().code()).isEqualTo(250);
            assertThat(c.read().code()).isEqualTo(250);
            assertThat(c.read().code()).isEqualTo(354);
            c.sendRaw("Subject: m" + i + "\r\n\r\nbody " + i + "\r\n.\r\n");
            assertThat(c.read().text()).contains("queued as");
        }
        assertThat(server.queued()).hasSize(3);
    }

    @Test
    void endOfDataAndTheNextTransactionInOneWrite() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.sendRaw("MAIL FROM:<a@sender.test>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\n");
        c.read();
        c.read();
        assertThat(c.read().code()).isEqualTo(354);
        c.sendRaw("Subject: one\r\n\r\n1\r\n.\r\nMAIL FROM:<b@sender.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n");
        assertThat(c.read().text()).contains("queued as");
        assertThat(c.read().status()).isEqualTo("250 2.1.0");
        assertThat(c.read().status()).isEqualTo("250 2.1.5");
        assertThat(c.read().code()).isEqualTo(354);
        c.sendRaw("Subject: two\r\n\r\n2\r\n.\r\nQUIT\r\n");
        assertThat(c.read().text()).contains("queued as");
        assertThat(c.read().code()).isEqualTo(221);
        assertThat(c.isClosedByServer()).isTrue();
        assertThat(server.queued()).hasSize(2);
    }

    @Test
    void bdatChunksPipelinedWithTheirCommands() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.sendRaw("MAIL FROM:<a@sender.test>\r\nRCPT TO:<alice@example.test>\r\nBDAT 12\r\nSubject: b\r\nBDAT 8 LAST\r\n\r\nbody\r\nNOOP\r\n");
        assertThat(c.read().code()).isEqualTo(250);
        assertThat(c.read().code()).isEqualTo(250);
        assertThat(c.read().text()).contains("12 octets");
        assertThat(c.read().text()).contains("queued as");
        assertThat(c.read().text()).isEqualTo("2.0.0 OK");
        assertThat(server.content(server.queued().get(0))).endsWith("Subject: b\r\n\r\nbody\r\n");
    }

    @Test
    void errorsInAPipelineAreEachAnsweredOnce() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        c.sendRaw("RCPT TO:<alice@example.test>\r\nFOO\r\nMAIL FROM:<a@sender.test>\r\nMAIL FROM:<a@sender.test>\r\nRSET\r\nNOOP\r\n");
        assertThat(c.read().code()).isEqualTo(503);
        assertThat(c.read().code()).isEqualTo(500);
        assertThat(c.read().code()).isEqualTo(250);
        assertThat(c.read().code()).isEqualTo(503);
        assertThat(c.read().text()).contains("Reset");
        assertThat(c.read().text()).isEqualTo("2.0.0 OK");
    }
}
