package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.config.ConfigLoader;
import dev.baton.events.Category;
import dev.baton.events.DiagnosticLevel;
import dev.baton.events.EventFiles;
import dev.baton.events.EventLog;
import dev.baton.events.LoggedEvent;
import dev.baton.testing.Eventually;
import dev.baton.testing.ScriptedPeer;
import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A started node writes the protocol events of SYSTEM.md 4: 7010 for an error reply it gives a
 * client, 7004 for an error reply a next hop gives it, each with Exchange's text, at Medium and
 * not below; and the two ends of one refused command can be paired.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProtocolEventsTest {

    private static final String RELAY_DENIED = "550 5.7.1 Relaying denied: <x@elsewhere.test> is not in a domain this server"
            + " accepts mail for";

    @RegisterExtension
    final TestServer server = new TestServer();

    @TempDir
    Path dirA;

    @TempDir
    Path dirB;

    private ScriptedPeer peer;

    /** A scripted peer whose script failed fails the test. */
    @AfterEach
    void closePeer() throws Exception {
        if (peer != null) {
            peer.close();
        }
    }

    private static List<LoggedEvent> events(Path dataDir) throws Exception {
        List<LoggedEvent> all = new ArrayList<>();
        new EventFiles(dataDir.resolve(EventLog.DIRECTORY)).read(all::add, bad -> {
            throw new AssertionError(bad);
        });
        return all;
    }

    private static LoggedEvent await(Path dataDir, int id, String what) {
        return Eventually.awaitValue(what, Eventually.PATIENCE,
                () -> events(dataDir).stream().filter(e -> e.id() == id).findFirst());
    }

    @Test
    void anErrorReplyToAClientIsWrittenAs7010WithExchangesTextAtMedium() throws Exception {
        server.start();
        server.node().events().setLevel(Category.SMTP_PROTOCOL, "default", DiagnosticLevel.MEDIUM);
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<s@origin.test>").expect(250);
        c.command("RCPT TO:<x@elsewhere.test>").expect(550);

        LoggedEvent e = await(server.dataDir(), 7010, "a 7010 in the event log");
        assertThat(e.connection()).isPositive();
        assertThat(e.text()).isEqualTo("This is an SMTP protocol log for virtual server ID 1, connection #" + e.connection()
                + ". The client at \"127.0.0.1\" sent a \"RCPT\" command, and the SMTP server responded with \"" + RELAY_DENIED
                + "\". The full command sent was \"RCPT TO:<x@elsewhere.test>\". This will probably cause the connection to fail.");
        assertThat(e.virtualServer()).isEqualTo("default");
        assertThat(e.server()).isEqualTo("mx");
        assertThat(e.fields()).containsEntry("verb", "RCPT").containsEntry("reply", RELAY_DENIED);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = DiagnosticLevel.class, names = {"NONE", "MINIMUM"})
    void noProtocolEventIsWrittenBelowMedium(DiagnosticLevel level) throws Exception {
        server.start();
        server.node().events().setLevel(Category.SMTP_PROTOCOL, "default", level);
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<s@origin.test>").expect(250);
        c.command("RCPT TO:<x@elsewhere.test>").expect(550);
        c.command("NOOP").expect(250); // the session is past its report of the refusal
        // a marker written after it: the one writer keeps order, so a 7010 would come before it
        server.node().events().setLevel(Category.SMTP_PROTOCOL, "default", DiagnosticLevel.MAXIMUM);

        Eventually.await("the level change to Maximum in the event log",
                () -> events(server.dataDir()).stream().anyMatch(e -> e.id() == 4903 && e.text().endsWith("to Maximum.")));
        assertThat(events(server.dataDir())).extracting(LoggedEvent::id).doesNotContain(7010, 7004);
    }

    @Test
    void anErrorReplyOfANextHopIsWrittenAs7004WithTheFullCommandSent() throws Exception {
        peer = new ScriptedPeer(ScriptedPeer.standard(List.of("PIPELINING", "ENHANCEDSTATUSCODES"),
                a -> "550 5.1.1 <" + a + ">: no such user", a -> "250 2.0.0 ok"));
        server.vs("relayNetworks: [127.0.0.0/8]")
                .route("peer.test", "smtp, host: \"[127.0.0.1]\", port: " + peer.port() + ", tls: none")
                .start();
        server.node().events().setLevel(Category.SMTP_PROTOCOL, "default", DiagnosticLevel.MEDIUM);
        SmtpTestClient c = server.connectEhlo();
        c.transaction("s@origin.test", "bob@peer.test");
        String id = c.data("Subject: to a peer that does not know bob\r\n\r\nhello\r\n").expect(250).queuedId();

        LoggedEvent e = await(server.dataDir(), 7004, "a 7004 in the event log");
        String host = "[127.0.0.1]:" + peer.port();
        assertThat(e.text()).isEqualTo("This is an SMTP protocol error log for virtual server ID 1, connection #" + e.connection()
                + ". The remote host \"" + host + "\", responded to the SMTP command \"RCPT\" with \"550 5.1.1 <bob@peer.test>: no"
                + " such user\". The full command sent was \"RCPT TO:<bob@peer.test>\". This will probably cause the connection"
                + " to fail.");
        assertThat(e.queueId()).isEqualTo(id);
        assertThat(e.connection()).isEqualTo(1);
        assertThat(e.virtualServer()).isEqualTo("default");
        // the failure stops mail: written at None too
        LoggedEvent failed = await(server.dataDir(), 4303, "the delivery failure (4303)");
        assertThat(failed.queueId()).isEqualTo(id);
        assertThat(failed.fields()).containsEntry("recipient", "bob@peer.test");
    }

    @Test
    void aRefusalBetweenTwoServersIsA7004OnTheSenderAndA7010OnTheReceiverWithTheSameCommandAndReply() throws Exception {
        try (BatonNode b = BatonNode.start(ConfigLoader.parse("""
                server: { name: b, fqdn: mx.b.test }
                acceptedDomains: [b.test]
                virtualServers: [{ name: default, address: 127.0.0.1, port: 0, tls: { mode: "off" } }]
                mailboxes: { users: [bob] }
                """, "b"), dirB);
             BatonNode a = BatonNode.start(ConfigLoader.parse("""
                server: { name: a, fqdn: mx.a.test }
                acceptedDomains: [a.test]
                virtualServers: [{ name: default, address: 127.0.0.1, port: 0, relayNetworks: [127.0.0.0/8] }]
                routes:
                  - { domain: a.test, transport: local }
                  - { domain: b.test, transport: smtp, host: "[127.0.0.1]", port: %d }
                """.formatted(b.smtpPort()), "a"), dirA)) {
            a.events().setLevel(Category.SMTP_PROTOCOL, null, DiagnosticLevel.MEDIUM);
            b.events().setLevel(Category.SMTP_PROTOCOL, null, DiagnosticLevel.MEDIUM);
            try (SmtpTestClient c = SmtpTestClient.connect(a.smtpPort())) {
                c.greetAndEhlo();
                c.transaction("alice@a.test", "nobody@b.test");
                c.data("Subject: to nobody\r\n\r\nhello\r\n").expect(250);
            }
            LoggedEvent sent = await(dirA, 7004, "7004 on the sender");
            LoggedEvent received = await(dirB, 7010, "7010 on the receiver");
            assertThat(sent.server()).isEqualTo("a");
            assertThat(received.server()).isEqualTo("b");
            assertThat(sent.fields().get("command")).isEqualTo(received.fields().get("command")).isEqualTo("RCPT TO:<nobody@b.test>");
            assertThat(sent.fields().get("reply")).isEqualTo(received.fields().get("reply")).startsWith("550 5.1.1");
            assertThat(sent.fields().get("host")).endsWith(":" + b.smtpPort());
            assertThat(received.fields().get("address")).isEqualTo("127.0.0.1");
            assertThat(Duration.between(received.time(), sent.time()).abs()).isLessThan(Duration.ofSeconds(10));
            Optional<LoggedEvent> none = events(dirB).stream().filter(e -> e.id() == 7004).findAny();
            assertThat(none).isEmpty();
        }
    }
}
