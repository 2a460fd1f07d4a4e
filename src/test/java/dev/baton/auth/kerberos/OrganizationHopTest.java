package dev.baton.auth.kerberos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.auth.AuthFailure;
import dev.baton.auth.AuthenticationException;
import dev.baton.auth.ClientExchange;
import dev.baton.auth.ClientMechanism;
import dev.baton.config.DeliverySettings;
import dev.baton.config.RouteSettings.TlsPolicy;
import dev.baton.config.VirtualServerSettings;
import dev.baton.delivery.HopEvents;
import dev.baton.delivery.SmtpTransport;
import dev.baton.queue.DeliveryOutcome;
import dev.baton.queue.Envelope;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import dev.baton.queue.Spool;
import dev.baton.routing.NextHop;
import dev.baton.smtp.server.ProtocolLog;
import dev.baton.smtp.server.ServerContext;
import dev.baton.smtp.server.SessionEvents;
import dev.baton.smtp.server.SmtpListener;
import dev.baton.tls.TlsContexts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outbound to an organization server (SYSTEM.md 2): a next hop that names a server of the
 * directory gets STARTTLS, EHLO again and the GSSAPI exchange before the transaction. The
 * receiving side here is a real Baton server session offering AUTH GSSAPI (the inbound X-EXPS
 * verb is built elsewhere; the transport uses X-EXPS whenever the peer offers it).
 */
class OrganizationHopTest {

    private static TestRealms realms;

    @TempDir
    Path tmp;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final List<AuthFailure.SecurityError> securityErrors = new CopyOnWriteArrayList<>();
    private Spool spool;
    private Spool received;

    @BeforeAll
    static void realms() {
        realms = TestRealms.get();
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /** A TLS-offering server for fqdn with AUTH GSSAPI from the given keytab. */
    private SmtpListener server(String fqdn, Path keytab) throws Exception {
        VirtualServerSettings vs = TestRealms.virtualServer(fqdn);
        received = Spool.open(tmp.resolve("received"));
        open.add(received);
        Path[] pair = TlsContexts.selfSigned(tmp.resolve("tls"), fqdn);
        ServerContext ctx = new ServerContext(vs, TlsContexts.serverFactory(TlsContexts.server(pair[0], pair[1])), received,
                TestRealms.ORGANIZATION_SERVERS, ProtocolLog.OFF, SessionEvents.NONE, Clock.systemUTC())
                .withMechanisms(List.of(new GssapiServerMechanism(new ServiceKeytab(keytab, realms.baton.realm()))));
        SmtpListener l = SmtpListener.start(ctx);
        open.add(l);
        return l;
    }

    private InitiatorLogin sender() throws Exception {
        String sender = TestRealms.host("baton.test");
        Path keytab = realms.baton.addServer(sender, tmp.resolve(sender + ".keytab"));
        InitiatorLogin login = InitiatorLogin.start(realms.baton.serverPrincipal(sender), keytab);
        open.add(login);
        return login;
    }

    /** Counts the exchanges started: one per handshake. */
    private static ClientMechanism counting(ClientMechanism m, AtomicInteger starts) {
        return new ClientMechanism() {
            @Override
            public String name() {
                return m.name();
            }

            @Override
            public ClientExchange start(String peerFqdn) throws AuthenticationException {
                starts.incrementAndGet();
                return m.start(peerFqdn);
            }
        };
    }

    private SmtpTransport transport(String orgServer, ClientMechanism m) throws Exception {
        spool = Spool.open(tmp.resolve("spool"));
        open.add(spool);
        Duration t = Duration.ofSeconds(10);
        SmtpTransport transport = new SmtpTransport(new DeliverySettings("sender.baton.test", null, null, 4, t, t, t, t, t, t),
                spool::openContent, SmtpTransport.SYSTEM_RESOLVER, Duration.ofSeconds(30), 4);
        open.add(transport);
        transport.organization(new SmtpTransport.Organization(orgServer::equals, m));
        transport.reportTo(new HopEvents() {
            @Override
            public void commandRefused(String queueId, long connection, String host, String verb, String command, String reply) {
            }

            @Override
            public void authenticationFailed(String queueId, long connection, String host, String command, String reply,
                    AuthFailure.SecurityError security) {
                failures.add(command + ": " + reply);
                if (security != null) {
                    securityErrors.add(security);
                }
            }
        });
        return transport;
    }

    private QueuedMessage spooled(String rcpt) throws Exception {
        Envelope env = new Envelope("sender@baton.test", List.of(Recipient.of(rcpt)), "7BIT", false, null, null, 0,
                "client.test", "127.0.0.1", "ESMTPSA", null, "alice", "sender.baton.test", spool.clock().instant(), Map.of(),
                "alice@baton.test");
        Spool.Receipt r = spool.begin(env);
        r.content().write("Subject: org\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII));
        return r.commit();
    }

    private static List<DeliveryOutcome> deliver(SmtpTransport t, QueuedMessage m, SmtpListener l) {
        return t.deliver(m, m.envelope().recipientIds(), List.of(new NextHop("127.0.0.1", l.port(), 0)), TlsPolicy.NONE, false);
    }

    @Test
    void anOrganizationHopAuthenticatesOncePerConnectionOverTlsEvenWhereTheRouteAsksNoTls() throws Exception {
        String receiver = TestRealms.host("baton.test");
        SmtpListener l = server(receiver, realms.baton.addServer(receiver, tmp.resolve("receiver.keytab")));
        AtomicInteger handshakes = new AtomicInteger();
        SmtpTransport t = transport(receiver, counting(new GssapiClientMechanism(sender()), handshakes));

        for (int i = 0; i < 3; i++) {
            List<DeliveryOutcome> out = deliver(t, spooled("user" + i + "@example.test"), l);
            assertThat(out).singleElement().satisfies(o -> assertThat(o.kind()).as(o.toString())
                    .isEqualTo(DeliveryOutcome.Kind.DELIVERED));
        }

        assertThat(handshakes.get()).as("one GSSAPI handshake for three messages on one connection").isEqualTo(1);
        assertThat(t.idleSessions()).isEqualTo(1);
        assertThat(received.list()).hasSize(3);
        assertThat(received.list()).allSatisfy(m -> assertThat(m.envelope().protocol()).contains("ESMTPSA"));
        assertThat(received.list()).as("the authenticated hop is trusted with the submitter it passes on (RFC 4954 5)")
                .allSatisfy(m -> assertThat(m.envelope().submitter()).isEqualTo("alice@baton.test"));
        assertThat(failures).isEmpty();
    }

    @Test
    void anExternalHopGetsNoAuthentication() throws Exception {
        String receiver = TestRealms.host("baton.test");
        SmtpListener l = server(receiver, realms.baton.addServer(receiver, tmp.resolve("receiver.keytab")));
        AtomicInteger handshakes = new AtomicInteger();
        SmtpTransport t = transport("some-other.baton.test", counting(new GssapiClientMechanism(sender()), handshakes));

        assertThat(deliver(t, spooled("user@example.test"), l)).singleElement()
                .satisfies(o -> assertThat(o.kind()).isEqualTo(DeliveryOutcome.Kind.DELIVERED));
        assertThat(handshakes.get()).isZero();
        assertThat(received.list()).singleElement().satisfies(m -> {
            assertThat(m.envelope().protocol()).isEqualTo("ESMTP");
            // the sender passed AUTH=alice@baton.test on (the receiver offers AUTH); from an anonymous hop it counts as <>
            assertThat(m.envelope().submitter()).isEmpty();
        });
    }

    @Test
    void aRefusedAuthenticationDefersWithTheReasonAndReports7006() throws Exception {
        String receiver = TestRealms.host("baton.test");
        Path stale = realms.baton.addServer(receiver, tmp.resolve("receiver.keytab"));
        realms.baton.rekey(realms.baton.serverPrincipal(receiver)); // the receiver's keytab is now stale: it refuses
        SmtpListener l = server(receiver, stale);
        SmtpTransport t = transport(receiver, new GssapiClientMechanism(sender()));

        List<DeliveryOutcome> out = deliver(t, spooled("user@example.test"), l);

        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(DeliveryOutcome.Kind.DEFERRED);
            assertThat(o.reason().code()).isEqualTo(451);
            assertThat(o.reason().text()).contains("authentication to smtp/" + receiver + " refused", "535",
                    "in reply to X-EXPS GSSAPI");
        });
        assertThat(failures).singleElement().asString().startsWith("X-EXPS GSSAPI: 535 5.7.3");
        assertThat(securityErrors).as("the peer failed, not this side: no 1706").isEmpty();
        assertThat(received.list()).isEmpty();
    }

    @Test
    void aLocalKerberosFailureDefersAndCarriesTheSecurityErrorFor1706() throws Exception {
        String receiver = TestRealms.host("baton.test");
        Path keytab = realms.baton.addServer(receiver, tmp.resolve("receiver.keytab"));
        realms.baton.removePrincipal(realms.baton.serverPrincipal(receiver)); // the KDC gives no ticket for it
        SmtpListener l = server(receiver, keytab);
        SmtpTransport t = transport(receiver, new GssapiClientMechanism(sender()));

        List<DeliveryOutcome> out = deliver(t, spooled("user@example.test"), l);

        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(DeliveryOutcome.Kind.DEFERRED);
            assertThat(o.reason().text()).contains("authentication to smtp/" + receiver + " failed on this server",
                    "SEC_E_TARGET_UNKNOWN");
        });
        assertThat(securityErrors).singleElement().satisfies(e -> {
            assertThat(e.code()).isEqualTo("0x80090303");
            assertThat(e.operation()).isEqualTo("InitializeSecurityContext");
        });
        assertThat(received.list()).isEmpty();
    }
}
