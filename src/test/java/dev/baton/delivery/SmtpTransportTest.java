package dev.baton.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.config.DeliverySettings;
import dev.baton.config.RouteSettings.TlsPolicy;
import dev.baton.queue.DeliveryOutcome;
import dev.baton.queue.DeliveryOutcome.Kind;
import dev.baton.queue.Envelope;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import dev.baton.queue.RecipientId;
import dev.baton.queue.Spool;
import dev.baton.routing.NextHop;
import dev.baton.testing.ScriptedPeer;
import dev.baton.testing.TestServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Outbound delivery over real sockets: to a second Baton node, and to scripted peers that misbehave. */
class SmtpTransportTest {

    private static final String TEXT = "From: <sender@origin.test>\r\nSubject: hello\r\n\r\nHello,\r\n.a line with a leading dot\r\nbye\r\n";
    private static final List<String> ESMTP = List.of("PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "SIZE 100000");

    @RegisterExtension
    final TestServer receiver = new TestServer();

    @TempDir
    Path dir;

    private Spool spool;
    private SmtpTransport transport;
    private ScriptedPeer peer;
    private ScriptedPeer peer2;

    @BeforeEach
    void openSpool() throws IOException {
        spool = Spool.open(dir.resolve("spool"));
    }

    /** Closes everything; a scripted peer whose script failed fails the test (after the rest is closed). */
    @AfterEach
    void closeAll() throws IOException {
        if (transport != null) {
            transport.close();
        }
        AssertionError failed = null;
        for (ScriptedPeer p : new ScriptedPeer[] {peer, peer2}) {
            if (p != null) {
                try {
                    p.close();
                } catch (AssertionError e) {
                    failed = failed == null ? e : failed;
                }
            }
        }
        spool.close();
        if (failed != null) {
            throw failed;
        }
    }

    private static DeliverySettings settings(String trusted, Duration timeout) {
        return new DeliverySettings("client.test", null, trusted, 4, timeout, timeout, timeout, timeout, timeout, timeout);
    }

    /** mx.example.test (the receiver's certificate name) resolves to the loopback address. */
    private SmtpTransport transport(String trusted, Duration timeout) throws IOException {
        transport = new SmtpTransport(settings(trusted, timeout), spool::openContent,
                host -> host.equals("mx.example.test") ? List.of(InetAddress.getLoopbackAddress())
                        : SmtpTransport.SYSTEM_RESOLVER.resolve(host),
                Duration.ofSeconds(5), 8);
        return transport;
    }

    private SmtpTransport transport() throws IOException {
        return transport(null, Duration.ofSeconds(5));
    }

    private QueuedMessage spooled(List<Recipient> rcpts, String body, String content) throws IOException {
        return spooled(new Envelope("sender@origin.test", rcpts, body, false, null, null, 0, "client.test", "127.0.0.1",
                "ESMTP", null, null, "mx.origin.test", spool.clock().instant(), Map.of()), content.getBytes(StandardCharsets.UTF_8));
    }

    private QueuedMessage spooled(Envelope env, byte[] content) throws IOException {
        Spool.Receipt r = spool.begin(env);
        r.content().write(content);
        return r.commit();
    }

    private QueuedMessage spooled(String... rcpts) throws IOException {
        return spooled(List.of(rcpts).stream().map(Recipient::of).toList(), "7BIT", TEXT);
    }

    private static List<RecipientId> all(QueuedMessage m) {
        return m.envelope().recipientIds();
    }

    private List<DeliveryOutcome> deliver(QueuedMessage m, TlsPolicy tls, NextHop... hops) {
        return transport.deliver(m, all(m), List.of(hops), tls, false);
    }

    private NextHop receiverHop() {
        return new NextHop("127.0.0.1", receiver.port(), 0);
    }

    private String maildirFile(String user) throws Exception {
        Optional<Path> f = receiver.awaitMaildirFile("example.test", user, Duration.ofSeconds(5));
        assertThat(f).as("delivered to " + user).isPresent();
        return Files.readString(f.get());
    }

    // ------------------------------------------------------------ to a second Baton node

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void deliversToAnotherBatonNodeWithOpportunisticTlsAndBdat() throws Exception {
        receiver.vs("protocolLog: true").start();
        transport();
        List<DeliveryOutcome> out = deliver(spooled("alice@example.test"), TlsPolicy.OPPORTUNISTIC, receiverHop());

        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Kind.DELIVERED);
            assertThat(o.reply()).startsWith("250 ").contains("127.0.0.1");
        });
        String mail = maildirFile("alice");
        assertThat(mail).contains("with ESMTPS").contains("\n.a line with a leading dot\n").contains("Subject: hello");
        String log = Files.readString(receiver.dataDir().resolve("logs").resolve("smtp-default.log"));
        assertThat(log).contains("BDAT").contains("STARTTLS").doesNotContain("< DATA");
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void twoMessagesToTheSameHopShareOneConnection() throws Exception {
        receiver.vs("protocolLog: true").start();
        transport();
        assertThat(deliver(spooled("alice@example.test"), TlsPolicy.NONE, receiverHop())).extracting(DeliveryOutcome::kind)
                .containsExactly(Kind.DELIVERED);
        assertThat(transport.idleSessions()).isEqualTo(1);
        assertThat(deliver(spooled("carol@example.test"), TlsPolicy.NONE, receiverHop())).extracting(DeliveryOutcome::kind)
                .containsExactly(Kind.DELIVERED);
        maildirFile("carol");
        String log = Files.readString(receiver.dataDir().resolve("logs").resolve("smtp-default.log"));
        assertThat(log.split("connect from", -1)).hasSize(2);
        assertThat(log).contains("RSET");
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void requiredTlsDefersWhenTheReceiverDoesNotOfferIt() throws Exception {
        receiver.vs("tls: {mode: \"off\"}").start();
        transport();
        List<DeliveryOutcome> out = deliver(spooled("alice@example.test"), TlsPolicy.REQUIRED, receiverHop());
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Kind.DEFERRED);
            assertThat(o.reply()).contains("TLS required but not offered by 127.0.0.1[127.0.0.1]:" + receiver.port());
        });
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void verifyDefersOnASelfSignedCertificate() throws Exception {
        receiver.start();
        transport();
        List<DeliveryOutcome> out = deliver(spooled("alice@example.test"), TlsPolicy.VERIFY,
                new NextHop("mx.example.test", receiver.port(), 10));
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Kind.DEFERRED);
            assertThat(o.reply()).startsWith("mx.example.test[").contains("certificate not accepted");
        });
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void verifyDeliversWithTheReceiversCertificateTrusted() throws Exception {
        receiver.start();
        transport(receiver.dataDir().resolve("tls").resolve("cert.pem").toString(), Duration.ofSeconds(5));
        List<DeliveryOutcome> out = deliver(spooled("alice@example.test"), TlsPolicy.VERIFY,
                new NextHop("mx.example.test", receiver.port(), 10));
        assertThat(out).extracting(DeliveryOutcome::kind).containsExactly(Kind.DELIVERED);
        assertThat(maildirFile("alice")).contains("with ESMTPS");
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void verifyChecksTheHostNameToo() throws Exception {
        receiver.start();
        transport(receiver.dataDir().resolve("tls").resolve("cert.pem").toString(), Duration.ofSeconds(5));
        List<DeliveryOutcome> out = deliver(spooled("alice@example.test"), TlsPolicy.VERIFY,
                new NextHop("localhost", receiver.port(), 10));
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Kind.DEFERRED);
            assertThat(o.reply()).contains("certificate not accepted");
        });
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aRefusedRecipientFailsAloneWhileTheOtherIsDelivered() throws Exception {
        receiver.root("mailboxes: {users: [alice]}").start();
        transport();
        List<DeliveryOutcome> out = deliver(spooled("bob@example.test", "alice@example.test"), TlsPolicy.OPPORTUNISTIC,
                receiverHop());
        assertThat(out).extracting(DeliveryOutcome::recipient, DeliveryOutcome::kind)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(RecipientId.of(1), Kind.FAILED),
                        org.assertj.core.groups.Tuple.tuple(RecipientId.of(2), Kind.DELIVERED));
        assertThat(out.get(0).reply()).startsWith("550 5.1.1").contains("RCPT TO");
        maildirFile("alice");
    }

    // ------------------------------------------------------------ to scripted peers

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void dataWithDotStuffingWhenChunkingIsNotOffered() throws Exception {
        peer = new ScriptedPeer(ScriptedPeer.standard(ESMTP, a -> "250 2.1.5 ok", a -> "250 2.0.0 queued as X1"));
        transport();
        List<DeliveryOutcome> out = deliver(spooled("alice@example.test"), TlsPolicy.OPPORTUNISTIC,
                new NextHop("127.0.0.1", peer.port(), 0));
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Kind.DELIVERED);
            assertThat(o.reply()).startsWith("250 2.0.0 queued as X1");
        });
        assertThat(peer.received).contains("DATA", "..a line with a leading dot").noneMatch(l -> l.startsWith("BDAT"));
        assertThat(peer.received).anyMatch(l -> l.startsWith("MAIL FROM:<sender@origin.test> SIZE="));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void dsnParametersArePassedOnWhenOffered() throws Exception {
        peer = new ScriptedPeer(ScriptedPeer.standard(List.of("PIPELINING", "DSN", "8BITMIME"), a -> "250 ok", a -> "250 ok"));
        transport();
        Envelope env = new Envelope("sender@origin.test",
                List.of(new Recipient("alice@example.test", Set.of("SUCCESS", "FAILURE"), "rfc822;Alice+x=y@example.test", Map.of())),
                "7BIT", false, "HDRS", "id 1+2", 0, "client.test", "127.0.0.1", "ESMTP", null, null, "mx.origin.test",
                spool.clock().instant(), Map.of());
        List<DeliveryOutcome> out = deliver(spooled(env, TEXT.getBytes(StandardCharsets.US_ASCII)), TlsPolicy.NONE,
                new NextHop("127.0.0.1", peer.port(), 0));
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Kind.DELIVERED);
            assertThat(o.handoff()).as("the peer got NOTIFY and reports the success").isEqualTo(DeliveryOutcome.Handoff.NOTIFY_PASSED_ON);
        });
        assertThat(peer.received).contains("MAIL FROM:<sender@origin.test> RET=HDRS ENVID=id+201+2B2",
                "RCPT TO:<alice@example.test> NOTIFY=FAILURE,SUCCESS ORCPT=rfc822;Alice+2Bx+3Dy@example.test");
    }

    private Envelope submittedBy(String submitter, String rcpt) {
        return new Envelope("sender@origin.test", List.of(Recipient.of(rcpt)), "7BIT", false, null, null, 0, "client.test",
                "127.0.0.1", "ESMTPSA", null, "alice", "mx.origin.test", spool.clock().instant(), Map.of(), submitter);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void theSubmitterGoesToAPeerThatOffersAuthAsAuthParameterAndAnUnknownOneAsTheEmptyPath() throws Exception {
        peer = new ScriptedPeer(ScriptedPeer.standard(List.of("PIPELINING", "8BITMIME", "AUTH PLAIN LOGIN"), a -> "250 ok", a -> "250 ok"));
        transport();
        NextHop hop = new NextHop("127.0.0.1", peer.port(), 0);
        byte[] text = TEXT.getBytes(StandardCharsets.US_ASCII);
        assertThat(deliver(spooled(submittedBy("alice+x=y@origin.test", "a@example.test"), text), TlsPolicy.NONE, hop))
                .extracting(DeliveryOutcome::kind).containsExactly(Kind.DELIVERED);
        assertThat(deliver(spooled(submittedBy("", "b@example.test"), text), TlsPolicy.NONE, hop))
                .extracting(DeliveryOutcome::kind).containsExactly(Kind.DELIVERED);
        assertThat(deliver(spooled(submittedBy(null, "c@example.test"), text), TlsPolicy.NONE, hop))
                .extracting(DeliveryOutcome::kind).containsExactly(Kind.DELIVERED);
        assertThat(peer.received).filteredOn(l -> l.startsWith("MAIL FROM:")).containsExactly(
                "MAIL FROM:<sender@origin.test> AUTH=alice+2Bx+3Dy@origin.test",
                "MAIL FROM:<sender@origin.test> AUTH=<>",
                "MAIL FROM:<sender@origin.test> AUTH=<>");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aPeerThatDoesNotOfferAuthGetsNoAuthParameter() throws Exception {
        peer = new ScriptedPeer(ScriptedPeer.standard(List.of("PIPELINING", "8BITMIME"), a -> "250 ok", a -> "250 ok"));
        transport();
        assertThat(deliver(spooled(submittedBy("alice@origin.test", "a@example.test"), TEXT.getBytes(StandardCharsets.US_ASCII)),
                TlsPolicy.NONE, new NextHop("127.0.0.1", peer.port(), 0))).extracting(DeliveryOutcome::kind).containsExactly(Kind.DELIVERED);
        assertThat(peer.received).contains("MAIL FROM:<sender@origin.test>").noneMatch(l -> l.contains("AUTH="));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void successNotificationToAPeerWithoutDsnIsMarkedRelayed() throws Exception {
        peer = new ScriptedPeer(ScriptedPeer.standard(ESMTP, a -> "250 ok", a -> "250 ok"));
        transport();
        Envelope env = new Envelope("sender@origin.test",
                List.of(new Recipient("alice@example.test", Set.of("SUCCESS"), null, Map.of()), Recipient.of("bob@example.test")),
                "7BIT", false, "FULL", "e1", 0, "client.test", "127.0.0.1", "ESMTP", null, null, "mx.origin.test",
                spool.clock().instant(), Map.of());
        List<DeliveryOutcome> out = deliver(spooled(env, TEXT.getBytes(StandardCharsets.US_ASCII)), TlsPolicy.NONE,
                new NextHop("127.0.0.1", peer.port(), 0));
        assertThat(out).extracting(DeliveryOutcome::kind, DeliveryOutcome::handoff).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Kind.DELIVERED, DeliveryOutcome.Handoff.RELAYED),
                org.assertj.core.groups.Tuple.tuple(Kind.DELIVERED, DeliveryOutcome.Handoff.RELAYED));
        assertThat(peer.received).noneMatch(l -> l.contains("NOTIFY=") || l.contains("RET="));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void reusesAnIdleSessionWithRset() throws Exception {
        peer = new ScriptedPeer(ScriptedPeer.standard(ESMTP, a -> "250 ok", a -> "250 ok"));
        transport();
        NextHop hop = new NextHop("127.0.0.1", peer.port(), 0);
        assertThat(deliver(spooled("a@example.test"), TlsPolicy.NONE, hop)).extracting(DeliveryOutcome::kind).containsExactly(Kind.DELIVERED);
        assertThat(deliver(spooled("b@example.test"), TlsPolicy.NONE, hop)).extracting(DeliveryOutcome::kind).containsExactly(Kind.DELIVERED);
        assertThat(peer.accepted()).isEqualTo(1);
        assertThat(peer.received).contains("RSET");
        transport.close();
        assertThat(transport.idleSessions()).isZero();
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aBrokenIdleSessionIsReplacedByANewConnection() throws Exception {
        peer = new ScriptedPeer(ScriptedPeer.standard(ESMTP, a -> "250 ok", a -> "250 ok"));
        transport();
        NextHop hop = new NextHop("127.0.0.1", peer.port(), 0);
        assertThat(deliver(spooled("a@example.test"), TlsPolicy.NONE, hop)).extracting(DeliveryOutcome::kind).containsExactly(Kind.DELIVERED);
        assertThat(transport.idleSessions()).isEqualTo(1);
        peer.close(); // drops the idle connection and stops listening
        ScriptedPeer replacement = new ScriptedPeer(ScriptedPeer.standard(ESMTP, a -> "250 ok", a -> "250 ok"));
        peer2 = replacement;
        // RSET on the idle session fails, so it is discarded; connecting anew is refused; the second hop takes it
        List<DeliveryOutcome> out = deliver(spooled("b@example.test"), TlsPolicy.NONE, hop,
                new NextHop("127.0.0.1", replacement.port(), 0));
        assertThat(out).extracting(DeliveryOutcome::kind).containsExactly(Kind.DELIVERED);
        assertThat(replacement.accepted()).isEqualTo(1);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void anIdleSessionThePeerClosedIsReplacedByANewConnectionToTheSameHop() throws Exception {
        java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
        ScriptedPeer.Script standard = ScriptedPeer.standard(ESMTP, a -> "250 ok", a -> "250 ok");
        peer = new ScriptedPeer(c -> {
            if (connections.incrementAndGet() > 1) {
                standard.run(c);
                return;
            }
            // one transaction, then the peer hangs up without a word: the session kept idle is dead
            c.send("220 peer.test ESMTP");
            c.readLine();
            c.send("250-peer.test\n250-PIPELINING\n250 8BITMIME");
            c.readLine();
            c.send("250 ok");
            c.readLine();
            c.send("250 ok");
            assertThat(c.readLine()).isEqualTo("DATA");
            c.send("354 go");
            c.readData();
            c.send("250 queued");
        });
        transport();
        NextHop hop = new NextHop("127.0.0.1", peer.port(), 0);
        assertThat(deliver(spooled("a@example.test"), TlsPolicy.NONE, hop)).extracting(DeliveryOutcome::kind).containsExactly(Kind.DELIVERED);
        assertThat(transport.idleSessions()).isEqualTo(1);
        // RSET (pipelined with MAIL and RCPT) fails on the dead session; a new connection takes the message
        assertThat(deliver(spooled("b@example.test"), TlsPolicy.NONE, hop)).extracting(DeliveryOutcome::kind).containsExactly(Kind.DELIVERED);
        assertThat(peer.accepted()).isEqualTo(2);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void anLmtpServerWithoutDsnDeliversFinallyAndOneWithDsnTakesNotifyOn() throws Exception {
        peer = new ScriptedPeer(ScriptedPeer.standard(List.of("PIPELINING", "8BITMIME"), a -> "250 2.1.5 ok", a -> "250 2.0.0 delivered"));
        transport();
        Envelope env = new Envelope("sender@origin.test", List.of(new Recipient("alice@example.test", Set.of("SUCCESS"), null, Map.of())),
                "7BIT", false, null, null, 0, "client.test", "127.0.0.1", "ESMTP", null, null, "mx.origin.test",
                spool.clock().instant(), Map.of());
        QueuedMessage m = spooled(env, TEXT.getBytes(StandardCharsets.US_ASCII));
        assertThat(transport.deliver(m, all(m), List.of(new NextHop("127.0.0.1", peer.port(), 0)), TlsPolicy.NONE, true))
                .extracting(DeliveryOutcome::kind, DeliveryOutcome::handoff)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Kind.DELIVERED, DeliveryOutcome.Handoff.FINAL));
        peer.close();
        peer = new ScriptedPeer(ScriptedPeer.standard(List.of("PIPELINING", "8BITMIME", "DSN"), a -> "250 2.1.5 ok",
                a -> "250 2.0.0 delivered"));
        QueuedMessage again = spooled(env, TEXT.getBytes(StandardCharsets.US_ASCII));
        assertThat(transport.deliver(again, all(again), List.of(new NextHop("127.0.0.1", peer.port(), 0)), TlsPolicy.NONE, true))
                .extracting(DeliveryOutcome::handoff).containsExactly(DeliveryOutcome.Handoff.NOTIFY_PASSED_ON);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void anAddressLiteralHopIsNamedOnceAsPostfixDoes() throws Exception {
        peer = new ScriptedPeer(ScriptedPeer.standard(ESMTP, a -> "550 5.1.1 unknown", a -> "250 ok"));
        transport();
        List<DeliveryOutcome> out = deliver(spooled("bob@example.test"), TlsPolicy.NONE, new NextHop("[127.0.0.1]", peer.port(), 0));
        assertThat(out).singleElement().extracting(DeliveryOutcome::reply)
                .isEqualTo("550 5.1.1 unknown ([127.0.0.1]:" + peer.port() + ", in reply to RCPT TO)");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void lmtpGivesOneOutcomePerRecipient() throws Exception {
        peer = new ScriptedPeer(ScriptedPeer.standard(List.of("PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"),
                a -> a.startsWith("gone") ? "550 5.1.1 no such user" : "250 2.1.5 ok",
                a -> a.startsWith("full") ? "452 4.2.2 mailbox full" : a.startsWith("bad") ? "554 5.6.0 rejected" : "250 2.0.0 delivered"));
        transport();
        QueuedMessage m = spooled("alice@example.test", "full@example.test", "gone@example.test", "bad@example.test");
        List<DeliveryOutcome> out = transport.deliver(m, all(m), List.of(new NextHop("127.0.0.1", peer.port(), 0)),
                TlsPolicy.NONE, true);
        assertThat(out).extracting(DeliveryOutcome::kind).containsExactly(Kind.DELIVERED, Kind.DEFERRED, Kind.FAILED, Kind.FAILED);
        assertThat(out.get(1).reply()).startsWith("452 4.2.2 mailbox full");
        assertThat(out.get(3).reply()).startsWith("554 5.6.0 rejected");
        assertThat(peer.received).anyMatch(l -> l.startsWith("LHLO ")).noneMatch(l -> l.startsWith("EHLO "));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void ehloRefusedFallsBackToHelo() throws Exception {
        peer = new ScriptedPeer(c -> {
            c.send("220 old.test SMTP");
            assertThat(c.readLine()).startsWith("EHLO ");
            c.send("502 5.5.1 EHLO unknown");
            assertThat(c.readLine()).isEqualTo("HELO client.test");
            c.send("250 old.test");
            assertThat(c.readLine()).startsWith("MAIL FROM:<sender@origin.test>");
            c.send("250 ok");
            assertThat(c.readLine()).isEqualTo("RCPT TO:<a@example.test>");
            c.send("250 ok");
            assertThat(c.readLine()).isEqualTo("DATA");
            c.send("354 go");
            c.readData();
            c.send("250 done");
            c.readLine();
        });
        transport();
        assertThat(deliver(spooled("a@example.test"), TlsPolicy.OPPORTUNISTIC, new NextHop("127.0.0.1", peer.port(), 0)))
                .extracting(DeliveryOutcome::kind).containsExactly(Kind.DELIVERED);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void tooBigForThePeerFails() throws Exception {
        peer = new ScriptedPeer(ScriptedPeer.standard(List.of("PIPELINING", "8BITMIME", "SIZE 20"), a -> "250 ok", a -> "250 ok"));
        transport();
        QueuedMessage m = spooled("a@example.test");
        List<DeliveryOutcome> out = deliver(m, TlsPolicy.NONE, new NextHop("127.0.0.1", peer.port(), 0));
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Kind.FAILED);
            assertThat(o.reply()).isEqualTo("552 5.3.4 message size " + m.contentSize() + " exceeds the limit of 127.0.0.1[127.0.0.1]:"
                    + peer.port() + " (20)");
        });
        assertThat(peer.received).noneMatch(l -> l.startsWith("MAIL"));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void eightBitContentToAPeerWithout8bitmimeFails() throws Exception {
        peer = new ScriptedPeer(ScriptedPeer.standard(List.of("PIPELINING"), a -> "250 ok", a -> "250 ok"));
        transport();
        QueuedMessage m = spooled(List.of(Recipient.of("a@example.test")), "7BIT", "Subject: caf\u00e9\r\n\r\nd\u00e9j\u00e0 vu\r\n");
        List<DeliveryOutcome> out = deliver(m, TlsPolicy.NONE, new NextHop("127.0.0.1", peer.port(), 0));
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Kind.FAILED);
            assertThat(o.reply()).startsWith("554 5.6.3").contains("8BITMIME");
        });
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void eightBitContentOfAMessageFromASpoolOfFormat1IsFoundByReadingIt() throws Exception {
        peer = new ScriptedPeer(ScriptedPeer.standard(List.of("PIPELINING"), a -> "250 ok", a -> "250 ok"));
        transport();
        QueuedMessage committed = spooled(List.of(Recipient.of("a@example.test")), "7BIT", "Subject: x\r\n\r\nd\u00e9j\u00e0 vu\r\n");
        dev.baton.testing.SpoolFormat1.downgrade(dir.resolve("spool").resolve("queue").resolve(committed.id()));
        QueuedMessage m = spool.load(committed.id()).orElseThrow();
        assertThat(m.eightBit()).isNull();
        List<DeliveryOutcome> out = deliver(m, TlsPolicy.NONE, new NextHop("127.0.0.1", peer.port(), 0));
        assertThat(out).singleElement().satisfies(o -> assertThat(o.reply()).startsWith("554 5.6.3").contains("8BITMIME"));
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void eightBitContentIsDeclaredToAnEightBitPeer() throws Exception {
        peer = new ScriptedPeer(ScriptedPeer.standard(List.of("8BITMIME"), a -> "250 ok", a -> "250 ok"));
        transport();
        QueuedMessage m = spooled(List.of(Recipient.of("a@example.test")), "7BIT", "Subject: x\r\n\r\nd\u00e9j\u00e0 vu\r\n");
        assertThat(deliver(m, TlsPolicy.NONE, new NextHop("127.0.0.1", peer.port(), 0))).extracting(DeliveryOutcome::kind)
                .containsExactly(Kind.DELIVERED);
        assertThat(peer.received).contains("MAIL FROM:<sender@origin.test> BODY=8BITMIME");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void smtputf8AndBinarymimeNeedThePeersSupport() throws Exception {
        peer = new ScriptedPeer(ScriptedPeer.standard(ESMTP, a -> "250 ok", a -> "250 ok"));
        transport();
        NextHop hop = new NextHop("127.0.0.1", peer.port(), 0);
        Envelope utf8 = new Envelope("s\u00e9@origin.test", List.of(Recipient.of("a@example.test")), "8BITMIME", true, null, null, 0,
                "client.test", "127.0.0.1", "UTF8SMTP", null, null, "mx.origin.test", spool.clock().instant(), Map.of());
        assertThat(deliver(spooled(utf8, TEXT.getBytes(StandardCharsets.US_ASCII)), TlsPolicy.NONE, hop))
                .singleElement().satisfies(o -> assertThat(o.reply()).startsWith("553 5.6.7"))
                .extracting(DeliveryOutcome::kind).isEqualTo(Kind.FAILED);
        QueuedMessage binary = spooled(List.of(Recipient.of("a@example.test")), "BINARYMIME", TEXT);
        assertThat(deliver(binary, TlsPolicy.NONE, hop)).singleElement().extracting(DeliveryOutcome::kind).isEqualTo(Kind.FAILED);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void connectionRefusedOnEveryHopDefersNamingTheHost() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        transport();
        List<DeliveryOutcome> out = deliver(spooled("a@example.test", "b@example.test"), TlsPolicy.OPPORTUNISTIC,
                new NextHop("mx.example.test", dead, 10));
        assertThat(out).extracting(DeliveryOutcome::kind).containsExactly(Kind.DEFERRED, Kind.DEFERRED);
        assertThat(out.get(0).reply()).isEqualTo("mx.example.test[127.0.0.1]:" + dead + ": connection refused");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void garbageGreetingDefers() throws Exception {
        peer = new ScriptedPeer(c -> {
            c.send("HELLO THERE \u0001\u0002 this is not SMTP");
            c.readLine();
        });
        transport();
        List<DeliveryOutcome> out = deliver(spooled("a@example.test"), TlsPolicy.OPPORTUNISTIC, new NextHop("127.0.0.1", peer.port(), 0));
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Kind.DEFERRED);
            assertThat(o.reply()).contains("malformed reply").contains("HELLO THERE ?? this is not SMTP").contains("greeting");
        });
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void overLongReplyLineDefers() throws Exception {
        peer = new ScriptedPeer(c -> {
            c.send("220 " + "x".repeat(100_000));
            c.readLine();
        });
        transport();
        List<DeliveryOutcome> out = deliver(spooled("a@example.test"), TlsPolicy.OPPORTUNISTIC, new NextHop("127.0.0.1", peer.port(), 0));
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Kind.DEFERRED);
            assertThat(o.reply()).contains("reply line longer than").hasSizeLessThan(400);
        });
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void silentPeerTimesOutAndDefers() throws Exception {
        peer = new ScriptedPeer(c -> {
            c.send("220 slow.test");
            c.readLine();
            c.readLine(); // never answers EHLO: waits until the client gives up and closes
        });
        transport(null, Duration.ofMillis(300));
        List<DeliveryOutcome> out = deliver(spooled("a@example.test"), TlsPolicy.OPPORTUNISTIC, new NextHop("127.0.0.1", peer.port(), 0));
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Kind.DEFERRED);
            assertThat(o.reply()).contains("timed out").contains("EHLO");
        });
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void connectionDroppedAfterTheFinalDotDefersAndDoesNotTryTheNextHop() throws Exception {
        peer = new ScriptedPeer(c -> {
            c.send("220 flaky.test");
            c.readLine();
            c.send("250 flaky.test");
            c.readLine();
            c.send("250 ok");
            c.readLine();
            c.send("250 ok");
            c.readLine();
            c.send("354 go");
            c.readData();
            c.socket.close(); // before any reply
        });
        peer2 = new ScriptedPeer(ScriptedPeer.standard(ESMTP, a -> "250 ok", a -> "250 ok"));
        transport();
        List<DeliveryOutcome> out = deliver(spooled("a@example.test"), TlsPolicy.OPPORTUNISTIC,
                new NextHop("127.0.0.1", peer.port(), 0), new NextHop("127.0.0.1", peer2.port(), 0));
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Kind.DEFERRED);
            assertThat(o.reply()).contains("connection closed").contains("end of data");
        });
        assertThat(peer2.accepted()).isZero();
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void a421GreetingPassesToTheNextHop() throws Exception {
        peer = new ScriptedPeer(c -> {
            c.send("421 4.3.2 busy, try later");
            c.readLine();
        });
        peer2 = new ScriptedPeer(ScriptedPeer.standard(ESMTP, a -> "250 ok", a -> "250 2.0.0 second hop"));
        transport();
        List<DeliveryOutcome> out = deliver(spooled("a@example.test"), TlsPolicy.OPPORTUNISTIC,
                new NextHop("127.0.0.1", peer.port(), 10), new NextHop("127.0.0.1", peer2.port(), 20));
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Kind.DELIVERED);
            assertThat(o.reply()).startsWith("250 2.0.0 second hop");
        });
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void a554GreetingOnTheLastHopDefers() throws Exception {
        peer = new ScriptedPeer(c -> {
            c.send("554 5.7.1 no service for you");
            c.readLine();
        });
        transport();
        List<DeliveryOutcome> out = deliver(spooled("a@example.test"), TlsPolicy.OPPORTUNISTIC, new NextHop("127.0.0.1", peer.port(), 0));
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Kind.DEFERRED);
            assertThat(o.reply()).contains("554 5.7.1 no service for you");
        });
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void temporaryAndPermanentEndOfDataReplies() throws Exception {
        peer = new ScriptedPeer(ScriptedPeer.standard(ESMTP, a -> a.startsWith("later") ? "451 4.3.0 try later" : "250 ok",
                a -> "554 5.7.1 spam"));
        transport();
        List<DeliveryOutcome> out = deliver(spooled("a@example.test", "later@example.test"), TlsPolicy.NONE,
                new NextHop("127.0.0.1", peer.port(), 0));
        assertThat(out).extracting(DeliveryOutcome::kind).containsExactly(Kind.FAILED, Kind.DEFERRED);
        assertThat(out.get(0).reply()).startsWith("554 5.7.1 spam");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void noAcceptedRecipientSkipsTheData() throws Exception {
        peer = new ScriptedPeer(ScriptedPeer.standard(ESMTP, a -> "550 5.1.1 unknown", a -> "250 ok"));
        transport();
        List<DeliveryOutcome> out = deliver(spooled("a@example.test"), TlsPolicy.NONE, new NextHop("127.0.0.1", peer.port(), 0));
        assertThat(out).extracting(DeliveryOutcome::kind).containsExactly(Kind.FAILED);
        assertThat(peer.received).contains("RSET").doesNotContain("DATA");
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aLargeMessageGoesInSeveralChunks() throws Exception {
        receiver.vs("protocolLog: true").start();
        transport();
        String big = dev.baton.testing.TestConfigs.message("big1", 700_000);
        QueuedMessage m = spooled(List.of(Recipient.of("alice@example.test")), "7BIT", big);
        assertThat(deliver(m, TlsPolicy.NONE, receiverHop())).extracting(DeliveryOutcome::kind).containsExactly(Kind.DELIVERED);
        assertThat(maildirFile("alice")).contains("END big1").contains(big.substring(5_000, 6_000).replace("\r\n", "\n"));
        String log = Files.readString(receiver.dataDir().resolve("logs").resolve("smtp-default.log"));
        assertThat(log.split("BDAT ", -1).length - 1).isGreaterThanOrEqualTo(3);
        assertThat(log).contains(" LAST");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aFailedTlsHandshakeDefersUnderOpportunisticTls() throws Exception {
        peer = new ScriptedPeer(c -> {
            c.send("220 tls.test");
            c.readLine();
            c.send("250-tls.test\n250 STARTTLS");
            c.readLine();
            c.send("220 go ahead");
            c.send("this is not a TLS server hello");
            c.readLine();
        });
        transport();
        List<DeliveryOutcome> out = deliver(spooled("a@example.test"), TlsPolicy.OPPORTUNISTIC, new NextHop("127.0.0.1", peer.port(), 0));
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Kind.DEFERRED);
            assertThat(o.reply()).contains("STARTTLS");
        });
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aMalformedReplyMidSessionDefers() throws Exception {
        peer = new ScriptedPeer(c -> {
            c.send("220 odd.test");
            c.readLine();
            c.send("250 odd.test");
            c.readLine();
            c.send("25O ok with a letter O");
            c.readLine();
        });
        transport();
        List<DeliveryOutcome> out = deliver(spooled("a@example.test"), TlsPolicy.OPPORTUNISTIC, new NextHop("127.0.0.1", peer.port(), 0));
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Kind.DEFERRED);
            assertThat(o.reply()).contains("\"25O ok with a letter O\"").contains("MAIL FROM");
        });
    }
}
