package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.admin.ControlSocket;
import dev.baton.config.ConfigLoader;
import dev.baton.mail.DialogueStage;
import dev.baton.node.BatonNode;
import dev.baton.queue.DeliveryReply;
import dev.baton.queue.HopSecurity;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.RecipientState;
import dev.baton.queue.Spool;
import dev.baton.testing.Eventually;
import dev.baton.testing.SmtpTestClient;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code baton queue show} tells why each recipient waits, asking the running server (over the
 * control socket in the spool) for what only its memory holds; the socket also keeps a second
 * server off the spool.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QueueShowTest {

    @TempDir
    Path dir;

    /** A server whose local deliveries all defer (the mailbox root is a file), on a free port. */
    private static final String CONFIG = """
            server: { fqdn: mx.example.test }
            acceptedDomains: [example.test]
            virtualServers: [{ name: default, address: 127.0.0.1, port: 0, tls: { mode: off } }]
            mailboxes: { directory: blocked-mailboxes }
            queue: { retryDelay: 1h }
            """;

    private Path dataDir() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve("baton.yml"), CONFIG);
        Files.writeString(data.resolve("blocked-mailboxes"), "not a directory\n");
        return data;
    }

    /** A message queued and its first (deferred) attempt recorded. */
    private static String queuedAndTriedOnce(BatonNode node) throws Exception {
        String id = queue(node);
        Eventually.await("the first attempt is recorded", () -> node.spool().load(id).orElseThrow().states().get(0).attempts() == 1);
        return id;
    }

    /** The same, by a server that has stopped since: only the queue files tell of it. */
    private static String queuedAndTriedOnceByAServerThatStopped(Path data) throws Exception {
        try (BatonNode node = BatonNode.start(ConfigLoader.load(data.resolve("baton.yml")), data)) {
            return queuedAndTriedOnce(node);
        }
    }

    private static String queue(BatonNode node) throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(node.smtpPort())) {
            c.greetAndEhlo();
            c.transaction("sender@origin.test", "alice@example.test");
            return c.data("Subject: wait\r\n\r\nbody\r\n").queuedId();
        }
    }

    @Test
    void queueShowSaysWhyARecipientWaitsAsTheRunningServerKnowsIt() throws Exception {
        Path data = dataDir();
        try (BatonNode node = BatonNode.start(ConfigLoader.load(data.resolve("baton.yml")), data)) {
            String id = queuedAndTriedOnce(node);
            BatonCliTest.Result r = BatonCliTest.run("queue", "show", "--json", "--data-dir", data.toString(), id);
            assertThat(r.exit()).as(r.err()).isZero();
            JsonNode show = new ObjectMapper().readTree(r.out());
            assertThat(show.get("waiting_known_from").asText()).isEqualTo("the running server");
            JsonNode waiting = show.get("recipients").get(0).get("waiting");
            assertThat(waiting.get("kind").asText()).isEqualTo("retry");
            assertThat(waiting.get("text").asText()).startsWith("next retry at ").contains("451 4.3.0 cannot write to Maildir");
            assertThat(waiting.get("detail").get("after").get("entry").asText()).isEqualTo("MAILDIR_FAILED");
            JsonNode last = show.get("recipients").get(0).get("last_reply");
            assertThat(last.get("said_by").asText()).isEqualTo("baton");
            assertThat(last.get("entry").asText()).isEqualTo("MAILDIR_FAILED");
            assertThat(last.get("status").asText()).isEqualTo("4.3.0");
            assertThat(show.get("recipients").get(0).get("id").asInt()).isEqualTo(1);
            // what was there before stays as it was
            assertThat(show.get("recipients").get(0).get("delay_reason").asText()).startsWith("451 4.3.0 cannot write to Maildir");
        }
    }

    @Test
    void theWaitingLineGivesItsTimeAsAPersonReadsItWithItsZone() throws Exception {
        Path data = dataDir();
        try (BatonNode node = BatonNode.start(ConfigLoader.load(data.resolve("baton.yml")), data)) {
            String id = queuedAndTriedOnce(node);
            BatonCliTest.Result r = BatonCliTest.run("queue", "show", "--data-dir", data.toString(), id);
            assertThat(r.exit()).as(r.err()).isZero();
            String waiting = r.out().lines().filter(l -> l.strip().startsWith("waiting ")).findFirst().orElseThrow();
            String next = r.out().lines().filter(l -> l.strip().startsWith("next try ")).findFirst().orElseThrow();
            String when = next.strip().substring("next try".length()).strip();
            assertThat(when).matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d");
            assertThat(waiting).contains("next retry at " + when + " after: 451 4.3.0");
        }
    }

    @Test
    void withoutARunningServerQueueShowSaysWhatTheQueueFilesSay() throws Exception {
        Path data = dataDir();
        String id = queuedAndTriedOnceByAServerThatStopped(data);
        assertThat(data.resolve("spool").resolve(ControlSocket.FILE)).as("removed when the server stops").doesNotExist();
        BatonCliTest.Result r = BatonCliTest.run("queue", "show", "--json", "--data-dir", data.toString(), id);
        JsonNode show = new ObjectMapper().readTree(r.out());
        assertThat(show.get("waiting_known_from").asText())
                .isEqualTo("the queue files only (no server is running on this data directory)");
        assertThat(show.get("recipients").get(0).get("waiting").get("kind").asText()).isEqualTo("retry");
    }

    @Test
    void aReplySaidOverAnAuthenticatedTlsSessionIsShownWithThatSession() throws Exception {
        Path data = dataDir();
        String id = queuedAndTriedOnceByAServerThatStopped(data);
        // as the sending side keeps a next hop's reply (SmtpTransport): with the session it came over
        Spool spool = Spool.open(data.resolve("spool"));
        QueuedMessage m = spool.load(id).orElseThrow();
        RecipientState st = m.states().get(0);
        spool.saveStates(m.withStates(List.of(st.deferred(DeliveryReply.peer(451, "4.7.1 try later", "mx2.example.test[127.0.0.1]:25",
                DialogueStage.RCPT).over(new HopSecurity("TLSv1.3 with cipher TLS_AES_256_GCM_SHA384", "smtp/mx2.example.test",
                "X-EXPS GSSAPI")), st.nextAttempt(), st.updated()))));

        BatonCliTest.Result text = BatonCliTest.run("queue", "show", "--data-dir", data.toString(), id);
        assertThat(text.out()).contains("    last reply 451 4.7.1 try later (mx2.example.test[127.0.0.1]:25, in reply to RCPT TO)",
                "    session    TLSv1.3 with cipher TLS_AES_256_GCM_SHA384, X-EXPS GSSAPI to smtp/mx2.example.test");
        JsonNode last = new ObjectMapper().readTree(BatonCliTest.run("queue", "show", "--json", "--data-dir", data.toString(), id).out())
                .get("recipients").get(0).get("last_reply");
        assertThat(last.get("tls").asText()).isEqualTo("TLSv1.3 with cipher TLS_AES_256_GCM_SHA384");
        assertThat(last.get("auth_to").asText()).isEqualTo("smtp/mx2.example.test");
        assertThat(last.get("auth_method").asText()).isEqualTo("X-EXPS GSSAPI");
    }

    @Test
    void aReplyBatonSaidItselfHasNoSessionLine() throws Exception {
        Path data = dataDir();
        try (BatonNode node = BatonNode.start(ConfigLoader.load(data.resolve("baton.yml")), data)) {
            String id = queuedAndTriedOnce(node);
            BatonCliTest.Result r = BatonCliTest.run("queue", "show", "--data-dir", data.toString(), id);
            assertThat(r.out()).contains("    last reply 451 4.3.0 cannot write to Maildir").doesNotContain("session ");
        }
    }

    @Test
    void queueShowSaysWhatTheEnvelopeKnowsOfTheSubmitter() throws Exception {
        Path data = dataDir();
        String claimed;
        String silent;
        try (BatonNode node = BatonNode.start(ConfigLoader.load(data.resolve("baton.yml")), data);
             SmtpTestClient c = SmtpTestClient.connect(node.smtpPort())) {
            c.greetAndEhlo();
            c.command("MAIL FROM:<sender@origin.test> AUTH=boss@origin.test").expect(250);
            c.command("RCPT TO:<alice@example.test>").expect(250);
            claimed = c.data("Subject: a claim\r\n\r\nbody\r\n").expect(250).queuedId();
            c.transaction("sender@origin.test", "alice@example.test");
            silent = c.data("Subject: none\r\n\r\nbody\r\n").expect(250).queuedId();
        }
        BatonCliTest.Result text = BatonCliTest.run("queue", "show", "--data-dir", data.toString(), claimed);
        assertThat(text.out()).as("an anonymous client's claim is kept as <>").contains("  submitter <> (unknown: AUTH=<>)")
                .doesNotContain("boss@origin.test", "authenticated ");
        JsonNode json = new ObjectMapper().readTree(BatonCliTest.run("queue", "show", "--json", "--data-dir", data.toString(), claimed).out());
        assertThat(json.get("submitter").asText()).isEmpty();
        assertThat(BatonCliTest.run("queue", "show", "--data-dir", data.toString(), silent).out()).doesNotContain("submitter");
    }

    @Test
    void aSecondServerOnTheSameSpoolIsRefusedAndLeavesTheFirstOnesMessagesAlone() throws Exception {
        Path data = dataDir();
        try (BatonNode first = BatonNode.start(ConfigLoader.load(data.resolve("baton.yml")), data)) {
            String id = queue(first);
            assertThatThrownBy(() -> BatonNode.start(ConfigLoader.load(data.resolve("baton.yml")), data))
                    .isInstanceOf(ControlSocket.SpoolInUseException.class)
                    .hasMessageContaining("another server is running on the spool");
            assertThat(first.spool().load(id)).isPresent();
            assertThat(ControlSocket.whyWaiting(first.spool().root(), id).answered()).as("the first server still answers").isTrue();
        }
    }

    @Test
    void aSocketLeftByAServerThatIsGoneIsReplaced() throws Exception {
        Path data = dataDir();
        Path spool = Files.createDirectories(data.resolve("spool"));
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(spool.resolve(ControlSocket.FILE)));
        } // closed without removing its file, as a killed server leaves it
        assertThat(spool.resolve(ControlSocket.FILE)).exists();
        try (BatonNode node = BatonNode.start(ConfigLoader.load(data.resolve("baton.yml")), data)) {
            String id = queue(node);
            Eventually.await("the server answers on the new socket", () -> ControlSocket.whyWaiting(spool, id).answered());
        }
    }
}
