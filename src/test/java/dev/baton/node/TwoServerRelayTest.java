package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.config.ConfigLoader;
import dev.baton.testing.Eventually;
import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.TestDnsServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Baton servers over real sockets: "a" (a.test) hands mail for b.test to "b" by a smarthost
 * route or by MX, and refusals at "b" come back to the sender at "a" as DSNs.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TwoServerRelayTest {

    @TempDir
    Path dirA;

    @TempDir
    Path dirB;

    private static BatonNode serverB(Path dir) throws Exception {
        return BatonNode.start(ConfigLoader.parse("""
                server: { fqdn: mx.b.test }
                acceptedDomains: [b.test]
                virtualServers: [{ name: default, address: 127.0.0.1, port: 0, protocolLog: true }]
                mailboxes: { users: [bob] }
                """, "b"), dir);
    }

    private static BatonNode serverA(Path dir, String route, String delivery) throws Exception {
        return BatonNode.start(ConfigLoader.parse("""
                server: { fqdn: mx.a.test }
                acceptedDomains: [a.test]
                virtualServers: [{ name: default, address: 127.0.0.1, port: 0, relayNetworks: [127.0.0.0/8] }]
                routes:
                  - { domain: a.test, transport: local }
                  - %s
                delivery: { %s }
                queue: { retryDelay: 1s, maxRetryDelay: 2s }
                """.formatted(route, delivery), "a"), dir);
    }

    private static void submit(BatonNode a, String from, String... to) throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(a.smtpPort())) {
            c.greetAndEhlo();
            c.transaction(from, to);
            c.data("Subject: across\r\nMessage-ID: <x1@a.test>\r\n\r\nhello b\r\n").expect(250);
        }
    }

    @Test
    void mailForAnotherServerIsRelayedOverTlsAndLandsThere() throws Exception {
        try (BatonNode b = serverB(dirB);
             BatonNode a = serverA(dirA, "{ domain: b.test, transport: smtp, host: \"[127.0.0.1]\", port: " + b.smtpPort()
                     + ", tls: required }", "heloName: mx.a.test")) {
            submit(a, "alice@a.test", "bob@b.test");
            String text = Files.readString(await(dirB.resolve("mailboxes/b.test/bob/new")));
            assertThat(text).contains("Subject: across", "by mx.b.test (Baton) with ESMTPS", "by mx.a.test (Baton) with ESMTP");
            awaitEmpty(a);
        }
    }

    @Test
    void aRecipientRefusedByTheNextHopBouncesToTheSenderAndTheOtherIsDelivered() throws Exception {
        try (BatonNode b = serverB(dirB);
             BatonNode a = serverA(dirA, "{ domain: b.test, transport: smtp, host: \"[127.0.0.1]\", port: " + b.smtpPort() + " }",
                     "heloName: mx.a.test")) {
            submit(a, "alice@a.test", "bob@b.test", "nobody@b.test");
            await(dirB.resolve("mailboxes/b.test/bob/new"));
            String dsn = Files.readString(await(dirA.resolve("mailboxes/a.test/alice/new")));
            assertThat(dsn).contains("Return-Path: <>", "Final-Recipient: rfc822; nobody@b.test", "Action: failed",
                    "Status: 5.1.1", "550 5.1.1");
            assertThat(dsn).doesNotContain("Final-Recipient: rfc822; bob@b.test");
            awaitEmpty(a);
        }
    }

    @Test
    void theFirstMxBeingDeadMailGoesToTheSecond() throws Exception {
        try (BatonNode b = serverB(dirB); TestDnsServer dns = TestDnsServer.start()) {
            // mx1 resolves to 127.0.0.2, where nothing listens on b's port; mx2 is b
            dns.mx("b.test", 10, "mx1.b.test").mx("b.test", 20, "mx2.b.test")
                    .a("mx1.b.test", "127.0.0.2").a("mx2.b.test", "127.0.0.1");
            try (BatonNode a = serverA(dirA, "{ domain: b.test, transport: mx, port: " + b.smtpPort() + " }",
                    "heloName: mx.a.test, resolver: \"" + dns.address() + "\"")) {
                submit(a, "alice@a.test", "bob@b.test");
                assertThat(Files.readString(await(dirB.resolve("mailboxes/b.test/bob/new")))).contains("Subject: across");
                awaitEmpty(a);
            }
        }
    }

    @Test
    void aDeadPeerDefersTheMessageAndItIsDeliveredOnceWhenThePeerIsBack() throws Exception {
        int port;
        try (BatonNode probe = serverB(dirB)) {
            port = probe.smtpPort(); // a port that was just free
        }
        try (BatonNode a = serverA(dirA, "{ domain: b.test, transport: smtp, host: \"[127.0.0.1]\", port: " + port + " }",
                "heloName: mx.a.test")) {
            submit(a, "alice@a.test", "bob@b.test");
            Eventually.await("the first attempt is recorded",
                    () -> !a.spool().list().isEmpty() && a.spool().list().get(0).states().get(0).attempts() > 0);
            assertThat(a.spool().list().get(0).states().get(0).lastReply()).contains("127.0.0.1", "refused");
            try (BatonNode b = BatonNode.start(ConfigLoader.parse("""
                    server: { fqdn: mx.b.test }
                    acceptedDomains: [b.test]
                    virtualServers: [{ name: default, address: 127.0.0.1, port: %d }]
                    """.formatted(port), "b"), dirB)) {
                assertThat(b.smtpPort()).isEqualTo(port);
                await(dirB.resolve("mailboxes/b.test/bob/new"));
                awaitEmpty(a); // gone from the queue: every attempt at it has ended, none can follow
                try (Stream<Path> s = Files.list(dirB.resolve("mailboxes/b.test/bob/new"))) {
                    assertThat(s.count()).as("delivered exactly once").isEqualTo(1);
                }
            }
        }
    }

    @Test
    void aPeerThatNeverAnswersDoesNotStallDeliveryToOthers() throws Exception {
        try (BatonNode b = serverB(dirB); java.net.ServerSocket blackhole = new java.net.ServerSocket(0, 50,
                java.net.InetAddress.getLoopbackAddress())) {
            // accepts connections and never says a word
            Thread.ofVirtual().start(() -> {
                List<java.net.Socket> held = new java.util.ArrayList<>();
                while (!blackhole.isClosed()) {
                    try {
                        held.add(blackhole.accept());
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            try (BatonNode a = BatonNode.start(ConfigLoader.parse("""
                    server: { fqdn: mx.a.test }
                    acceptedDomains: [a.test]
                    virtualServers: [{ name: default, address: 127.0.0.1, port: 0, relayNetworks: [127.0.0.0/8] }]
                    routes:
                      - { domain: hole.test, transport: smtp, host: "[127.0.0.1]", port: %d }
                      - { domain: b.test, transport: smtp, host: "[127.0.0.1]", port: %d }
                    delivery: { heloName: mx.a.test, timeouts: { greeting: 6s } }
                    queue: { deliveryWorkers: 6 }
                    """.formatted(blackhole.getLocalPort(), b.smtpPort()), "a"), dirA)) {
                for (int i = 0; i < 12; i++) {
                    submit(a, "alice@a.test", "user" + i + "@hole.test");
                }
                long start = System.nanoTime();
                submit(a, "alice@a.test", "bob@b.test");
                await(dirB.resolve("mailboxes/b.test/bob/new"));
                assertThat(Duration.ofNanos(System.nanoTime() - start))
                        .as("b.test is served while hole.test holds at most its own connections")
                        .isLessThan(Duration.ofSeconds(4));
            }
        }
    }

    @Test
    void aMessageThatOutlivesItsLifetimeBouncesWithTheLastReplyInTheDsn() throws Exception {
        int closed;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = probe.getLocalPort(); // nothing listens here once the probe is closed
        }
        try (BatonNode a = BatonNode.start(ConfigLoader.parse("""
                server: { fqdn: mx.a.test }
                acceptedDomains: [a.test]
                virtualServers: [{ name: default, address: 127.0.0.1, port: 0, relayNetworks: [127.0.0.0/8] }]
                routes:
                  - { domain: a.test, transport: local }
                  - { domain: b.test, transport: smtp, host: "[127.0.0.1]", port: %d }
                queue: { retryDelay: 1s, maxRetryDelay: 1s, lifetime: 3s }
                """.formatted(closed), "a"), dirA)) {
            submit(a, "alice@a.test", "bob@b.test");
            String dsn = Files.readString(await(dirA.resolve("mailboxes/a.test/alice/new")));
            assertThat(dsn).contains("Final-Recipient: rfc822; bob@b.test", "Action: failed", "Status: 4.4.7",
                    "Diagnostic-Code: X-Baton; delivery did not succeed within 3 seconds", "refused the connection");
            awaitEmpty(a);
        }
    }

    static Path await(Path newDir) {
        return Eventually.fileIn(newDir);
    }

    static void awaitEmpty(BatonNode node) {
        Eventually.eventually(() -> assertThat(node.spool().list()).as("queue empties").isEmpty());
    }
}
