package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.config.ConfigLoader;
import dev.baton.net.LoopbackPorts;
import dev.baton.testing.Eventually;
import dev.baton.testing.SmtpTestClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two servers whose routes for loop.test point at each other: the message goes round until it
 * carries the hop limit of Received fields, is refused there with 554 5.4.6, and the sender gets
 * one bounce that says so, instead of the message circling forever and growing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MailLoopTest {

    @TempDir
    Path dirA;

    @TempDir
    Path dirB;


    private static BatonNode node(Path dir, String fqdn, String domain, int port, int peer, String extraRoutes) throws Exception {
        return BatonNode.start(ConfigLoader.parse("""
                server: { fqdn: %s }
                acceptedDomains: [%s]
                virtualServers: [{ name: default, address: 127.0.0.1, port: %d, relayNetworks: [127.0.0.0/8], limits: { maxHops: 12 } }]
                routes:
                  - { domain: loop.test, transport: smtp, host: "[127.0.0.1]", port: %d }
                %s
                queue: { retryDelay: 1s, maxRetryDelay: 1s }
                """.formatted(fqdn, domain, port, peer, extraRoutes), fqdn), dir);
    }

    @Test
    void aMessageRoutedRoundInALoopIsRefusedAtTheHopLimitAndBouncesOnce() throws Exception {
        int portA = LoopbackPorts.unused();
        int portB = LoopbackPorts.unused();
        try (BatonNode a = node(dirA, "mx.a.test", "a.test", portA, portB, "  - { domain: a.test, transport: local }");
             BatonNode b = node(dirB, "mx.b.test", "b.test", portB, portA,
                     "  - { domain: a.test, transport: smtp, host: \"[127.0.0.1]\", port: " + portA + " }")) {
            try (SmtpTestClient c = SmtpTestClient.connect(a.smtpPort())) {
                c.greetAndEhlo();
                c.transaction("alice@a.test", "someone@loop.test");
                c.data("Subject: round and round\r\nMessage-ID: <loop1@a.test>\r\n\r\nhello\r\n").expect(250);
            }
            Path bounce = Eventually.fileIn(dirA.resolve("mailboxes/a.test/alice/new"));
            Eventually.eventually(() -> {
                assertThat(a.spool().list()).as("queue of a").isEmpty();
                assertThat(b.spool().list()).as("queue of b").isEmpty();
            });
            String dsn = Files.readString(bounce);
            assertThat(dsn).contains("Final-Recipient: rfc822; someone@loop.test", "Action: failed", "Status: 5.4.6",
                    "mail loop detected");
            try (Stream<Path> s = Files.list(dirA.resolve("mailboxes/a.test/alice/new"))) {
                List<Path> all = s.toList();
                assertThat(all).as("one bounce").hasSize(1);
            }
            // the returned message shows how far it went: 12 hops, not thousands
            long received = dsn.lines().filter(l -> l.startsWith("Received: ")).count();
            assertThat(received).isBetween(12L, 14L);
        }
    }
}
