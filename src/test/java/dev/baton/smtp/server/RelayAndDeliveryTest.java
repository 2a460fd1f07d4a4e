package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testing.Eventually;
import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Never an open relay; and a 250 after the data means the message is safe. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class RelayAndDeliveryTest {

    @RegisterExtension
    final TestServer server = new TestServer();

    @Test
    void recipientInTheAcceptedDomainIsAccepted() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        assertThat(c.command("RCPT TO:<alice@Example.Test>").status()).isEqualTo("250 2.1.5");
    }

    @Test
    void otherDomainFromOutsideTheRelayNetworksIs550Relaying() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@example.test>");
        assertThat(c.command("RCPT TO:<bob@elsewhere.test>").status()).isEqualTo("550 5.7.1");
    }

    @Test
    void otherDomainFromTheRelayNetworksWithoutARouteIs550NoRoute() throws Exception {
        server.vs("relayNetworks: [127.0.0.0/8]").start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@example.test>");
        assertThat(c.command("RCPT TO:<bob@elsewhere.test>").status()).isEqualTo("550 5.4.4");
    }

    @Test
    void otherDomainFromTheRelayNetworksWithARouteIsAccepted() throws Exception {
        server.vs("relayNetworks: [127.0.0.0/8]").route("elsewhere.test", "discard").start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@example.test>");
        assertThat(c.command("RCPT TO:<bob@elsewhere.test>").code()).isEqualTo(250);
    }

    @Test
    void relayNetworksThatDoNotIncludeTheClientDoNotHelp() throws Exception {
        server.vs("relayNetworks: [192.0.2.0/24]").route("elsewhere.test", "discard").start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@example.test>");
        assertThat(c.command("RCPT TO:<bob@elsewhere.test>").status()).isEqualTo("550 5.7.1");
    }

    @Test
    void nullSenderIsAcceptedForLocalRecipients() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        assertThat(c.command("MAIL FROM:<>").code()).isEqualTo(250);
        assertThat(c.command("RCPT TO:<alice@example.test>").code()).isEqualTo(250);
        c.command("DATA");
        assertThat(c.command("Subject: bounce\r\n\r\nx\r\n.").code()).isEqualTo(250);
        assertThat(server.queued().get(0).envelope().nullSender()).isTrue();
    }

    @Test
    void postmasterWithoutDomainIsAccepted() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        assertThat(c.command("RCPT TO:<postmaster>").code()).isEqualTo(250);
        assertThat(c.command("RCPT TO:<PostMaster>").code()).isEqualTo(250);
    }

    @Test
    void mailToPostmasterWithoutDomainIsDelivered() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<postmaster>");
        c.command("DATA");
        assertThat(c.command("Subject: to postmaster\r\n\r\nhello\r\n.").code()).isEqualTo(250);
        Optional<Path> file = server.awaitMaildirFile("localhost", "postmaster", Duration.ofSeconds(5));
        assertThat(file).as("Maildir file for <postmaster>").isPresent();
        assertThat(Files.readString(file.get())).contains("Delivered-To: postmaster\n");
    }

    @Test
    void after250TheMessageIsDeliveredToTheMaildir() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        c.command("DATA");
        assertThat(c.command("Subject: hello\r\n\r\nHello Alice\r\n..dot\r\n.").code()).isEqualTo(250);
        Optional<Path> file = server.awaitMaildirFile("example.test", "alice", Duration.ofSeconds(5));
        assertThat(file).isPresent();
        String text = Files.readString(file.get(), StandardCharsets.UTF_8);
        assertThat(text).startsWith("Return-Path: <a@sender.test>\nDelivered-To: alice@example.test\nReceived: from client.example.test ([127.0.0.1])\n");
        assertThat(text).contains("by mx.example.test (Baton) with ESMTP id").contains("for <alice@example.test>;");
        assertThat(text).endsWith("Subject: hello\n\nHello Alice\n.dot\n");
        // the Maildir file appears before the delivery leaves the queue: wait for that too
        Eventually.eventually(() -> assertThat(server.queued()).isEmpty());
    }

    @Test
    void after250TheMessageIsInTheSpoolWhenDeliveryCannotFinish() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        c.command("DATA");
        String reply = c.command("Subject: held\r\n\r\nx\r\n.").text();
        String id = reply.substring(reply.lastIndexOf(' ') + 1);
        assertThat(server.node().spool().load(id)).isPresent();
    }

    @Test
    void discardRouteAcceptsAndDropsTheMessage() throws Exception {
        server.vs("relayNetworks: [127.0.0.0/8]").route("elsewhere.test", "discard").start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@example.test>");
        c.command("RCPT TO:<bob@elsewhere.test>");
        c.command("DATA");
        assertThat(c.command("Subject: gone\r\n\r\nx\r\n.").code()).isEqualTo(250);
        Eventually.eventually(() -> assertThat(server.queued()).isEmpty());
    }
}
