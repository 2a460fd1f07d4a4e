package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.queue.QueuedMessage;
import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.SmtpTestClient.Reply;
import dev.baton.testing.TestServer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SMTP smuggling (CVE-2023-51764 and relatives): a message whose data hides a fake end of data
 * built from bare CR or LF, followed by a second transaction. Only CRLF.CRLF ends DATA, so the
 * smuggled commands must stay data: one reply, one (refused or normalized) message, nothing run.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SmugglingTest {

    private static final String SMUGGLED = "MAIL FROM:<evil@x.test>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\n"
            + "From: ceo@example.test\r\nSubject: smuggled\r\n\r\nwire the money";

    @RegisterExtension
    final TestServer server = new TestServer();

    private SmtpTestClient openData() throws Exception {
        SmtpTestClient c = server.connectEhlo();
        assertThat(c.command("MAIL FROM:<a@sender.test>").code()).isEqualTo(250);
        assertThat(c.command("RCPT TO:<alice@example.test>").code()).isEqualTo(250);
        assertThat(c.command("DATA").code()).isEqualTo(354);
        return c;
    }

    private static String unescape(String vector) {
        return vector.replace("\\r", "\r").replace("\\n", "\n");
    }

    @ParameterizedTest(name = "fake end {0}")
    @ValueSource(strings = {"\\n.\\n", "\\r.\\r", "\\r.\\n", "\\n.\\r", "\\n.\\r\\n", "\\r\\n.\\n", "\\r.\\r\\n", "\\r\\n.\\r"})
    void dataWithBareLineEndingIsRefusedAfterTheRealEndAndNothingSmuggledRuns(String vector) throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = openData();
        c.sendRaw("Subject: innocent\r\n\r\nhello" + unescape(vector) + SMUGGLED + "\r\n.\r\n");

        Reply r = c.read();
        assertThat(r.status()).isEqualTo("550 5.6.0");
        // exactly one reply to the data: the next one answers our own NOOP
        Reply noop = c.command("NOOP");
        assertThat(noop.status()).isEqualTo("250 2.0.0");
        assertThat(noop.text()).isEqualTo("2.0.0 OK");
        // the smuggled MAIL did not open a transaction
        assertThat(c.command("RCPT TO:<victim@example.test>").status()).isEqualTo("503 5.5.1");
        assertThat(server.queued()).isEmpty();
    }

    @ParameterizedTest(name = "fake end {0}")
    @ValueSource(strings = {"\\n.\\n", "\\r.\\r", "\\r.\\n", "\\n.\\r", "\\n.\\r\\n", "\\r\\n.\\n", "\\r.\\r\\n", "\\r\\n.\\r"})
    void withNormalizeTheMessageIsAcceptedOnceWithTheSmuggledTextAsContent(String vector) throws Exception {
        server.vs("bareLineEndings: normalize").holdDelivery().start();
        SmtpTestClient c = openData();
        c.sendRaw("Subject: innocent\r\n\r\nhello" + unescape(vector) + SMUGGLED + "\r\n.\r\n");

        Reply r = c.read();
        assertThat(r.status()).isEqualTo("250 2.0.0");
        assertThat(c.command("NOOP").text()).isEqualTo("2.0.0 OK");
        List<QueuedMessage> q = server.queued();
        assertThat(q).hasSize(1);
        assertThat(q.get(0).envelope().sender()).isEqualTo("a@sender.test");
        assertThat(q.get(0).envelope().recipients()).extracting(rc -> rc.address()).containsExactly("alice@example.test");
        String content = server.content(q.get(0));
        assertThat(content).contains("MAIL FROM:<evil@x.test>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\n");
        assertThat(content).endsWith("wire the money\r\n");
        // canonical: every CR is followed by LF and every LF preceded by CR
        assertThat(content.replace("\r\n", "")).doesNotContain("\r").doesNotContain("\n");
    }

    @Test
    void bareLfInsideALineIsRefused() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = openData();
        c.sendRaw("Subject: x\r\n\r\none\ntwo\r\n.\r\n");
        assertThat(c.read().status()).isEqualTo("550 5.6.0");
        assertThat(server.queued()).isEmpty();
    }

    @Test
    void bareLfInBdatIsRefused() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        String msg = "Subject: x\r\n\r\nhello\n.\nMAIL FROM:<evil@x.test>\r\n";
        c.sendRaw("BDAT " + msg.length() + " LAST\r\n" + msg);
        assertThat(c.read().status()).isEqualTo("550 5.6.0");
        assertThat(c.command("NOOP").text()).isEqualTo("2.0.0 OK");
        assertThat(server.queued()).isEmpty();
    }

    @Test
    void crlfSplitBetweenBdatChunksIsNotBare() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        c.sendRaw("BDAT 11\r\nSubject: x\r");
        assertThat(c.read().code()).isEqualTo(250);
        c.sendRaw("BDAT 7 LAST\r\n\n\r\nhi\r\n");
        assertThat(c.read().status()).isEqualTo("250 2.0.0");
        assertThat(server.content(server.queued().get(0))).endsWith("Subject: x\r\n\r\nhi\r\n");
    }

    @Test
    void bareCrAtTheEndOfTheLastChunkIsRefused() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        c.sendRaw("BDAT 11 LAST\r\nSubject: x\r");
        assertThat(c.read().status()).isEqualTo("550 5.6.0");
        assertThat(server.queued()).isEmpty();
    }

    @Test
    void nulInDataIsRefused() throws Exception {
        server.vs("bareLineEndings: normalize").holdDelivery().start();
        SmtpTestClient c = openData();
        c.sendRaw("Subject: x\r\n\r\nnul\0here\r\n.\r\n");
        assertThat(c.read().status()).isEqualTo("550 5.6.0");
        assertThat(c.command("NOOP").code()).isEqualTo(250);
        assertThat(server.queued()).isEmpty();
    }

    @Test
    void refusedMessageLeavesTheSessionUsableForTheNextOne() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = openData();
        c.sendRaw("Subject: x\r\n\r\nbad\rline\r\n.\r\n");
        assertThat(c.read().code()).isEqualTo(550);
        assertThat(c.command("MAIL FROM:<a@sender.test>").code()).isEqualTo(250);
        assertThat(c.command("RCPT TO:<alice@example.test>").code()).isEqualTo(250);
        assertThat(c.command("DATA").code()).isEqualTo(354);
        assertThat(c.command("Subject: y\r\n\r\ngood\r\n.").code()).isEqualTo(250);
        assertThat(server.queued()).hasSize(1);
    }
}
