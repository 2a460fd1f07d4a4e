package dev.baton.auth.kerberos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.baton.auth.AuthFailure;
import dev.baton.auth.AuthenticationException;
import dev.baton.config.VirtualServerSettings;
import dev.baton.queue.Spool;
import dev.baton.smtp.client.SmtpClient;
import dev.baton.smtp.client.SmtpClientException;
import dev.baton.smtp.client.SmtpReply;
import dev.baton.smtp.server.ProtocolLog;
import dev.baton.smtp.server.ServerContext;
import dev.baton.smtp.server.SessionEvents;
import dev.baton.smtp.server.SmtpListener;
import dev.baton.testing.Eventually;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SmtpClient#authenticate} against a real Baton server session that offers AUTH GSSAPI
 * (the same SASL exchange X-EXPS runs), with tickets from the test realms' KDC.
 */
class SmtpClientGssapiTest {

    private static TestRealms realms;

    @TempDir
    Path tmp;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<String> transcript = new ArrayList<>();

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

    /** A server for {@code fqdn} of a realm, offering AUTH GSSAPI with a keytab for smtp/fqdn. */
    private SmtpListener server(EmbeddedRealm realm, String fqdn) throws Exception {
        Path keytab = realm.addServer(fqdn, tmp.resolve(fqdn + ".keytab"));
        VirtualServerSettings vs = TestRealms.virtualServer(fqdn);
        Spool spool = Spool.open(tmp.resolve("spool-" + fqdn));
        open.add(spool);
        ServerContext ctx = new ServerContext(vs, null, spool, TestRealms.ORGANIZATION_SERVERS, ProtocolLog.OFF, SessionEvents.NONE,
                Clock.systemUTC()).withMechanisms(List.of(new GssapiServerMechanism(new ServiceKeytab(keytab, realm.realm()))));
        SmtpListener l = SmtpListener.start(ctx);
        open.add(l);
        return l;
    }

    private InitiatorLogin sender(EmbeddedRealm realm, String domain) throws Exception {
        String sender = TestRealms.host(domain);
        Path keytab = realm.addServer(sender, tmp.resolve(sender + ".keytab"));
        InitiatorLogin login = InitiatorLogin.start(realm.serverPrincipal(sender), keytab);
        open.add(login);
        return login;
    }

    private SmtpClient connect(SmtpListener l) throws Exception {
        SmtpClient c = SmtpClient.connect("127.0.0.1", l.port(), Duration.ofSeconds(20), transcript::add);
        open.add(c);
        assertThat(c.hello("client.baton.test", false).accepted()).isTrue();
        return c;
    }

    @Test
    void xExpsGssapiToTheAnnouncedFqdnSucceedsAndTheSessionCarriesOnWithMail() throws Exception {
        String receiver = TestRealms.host("baton.test");
        SmtpListener l = server(realms.baton, receiver);
        InitiatorLogin login = sender(realms.baton, "baton.test");
        SmtpClient c = connect(l);
        assertThat(c.greetingDomain()).isEqualTo(receiver);
        assertThat(c.announcedFqdn()).isEqualTo(receiver);
        assertThat(c.mechanismsOffered("AUTH")).contains("GSSAPI");
        assertThat(c.mechanismsOffered("X-EXPS")).as("X-EXPS is offered beside AUTH where integrated authentication is on").contains("GSSAPI");

        String proved = c.authenticate("X-EXPS", new GssapiClientMechanism(login)); // a server proves itself with X-EXPS

        assertThat(proved).isEqualTo("smtp/" + receiver);
        assertThat(c.authenticatedTo()).isEqualTo("smtp/" + receiver);
        assertThat(c.authentications()).isEqualTo(1);
        assertThat(transcript).anyMatch(t -> t.startsWith("< 235"));
        assertThat(transcript).noneMatch(t -> t.startsWith("> AUTH GSSAPI ") && !t.contains("octets>"));
        assertThat(c.command("MAIL FROM:<a@baton.test>").code()).as("the session carries on").isEqualTo(250);
        assertThat(c.command("AUTH GSSAPI").code()).as("one authentication per session (RFC 4954 4)").isEqualTo(503);
    }

    @Test
    void aTicketForAnotherPrincipalIsRefusedWithTheServersReply() throws Exception {
        String receiver = TestRealms.host("baton.test");
        String other = TestRealms.host("baton.test");
        realms.baton.addPrincipal(realms.baton.serverPrincipal(other));
        SmtpListener l = server(realms.baton, receiver);
        InitiatorLogin login = sender(realms.baton, "baton.test");
        SmtpClient c = connect(l);
        List<SmtpReply> refused = new ArrayList<>();
        c.onRefusal((verb, command, reply) -> refused.add(reply));

        SmtpClientException e = catchThrowableOfType(SmtpClientException.class,
                () -> c.authenticate("AUTH", new GssapiClientMechanism(login), other));

        assertThat(e.reply().code()).isEqualTo(535);
        assertThat(e.command()).isEqualTo("AUTH GSSAPI");
        assertThat(refused).extracting(SmtpReply::code).containsExactly(535);
        assertThat(c.authenticatedTo()).isNull();
        assertThat(c.command("NOOP").code()).as("the session goes on after a refusal").isEqualTo(250);
    }

    @Test
    void aStaleKeytabOnTheSendingSideIsALocalFailureWithItsSecurityError() throws Exception {
        String receiver = TestRealms.host("short.test");
        SmtpListener l = server(realms.shortLived, receiver);
        InitiatorLogin login = sender(realms.shortLived, "short.test");
        realms.shortLived.rekey(login.principal());
        Instant expires = login.expires();
        Eventually.await("the sender's first ticket-granting ticket runs out", () -> Instant.now().isAfter(expires));
        SmtpClient c = connect(l);

        AuthenticationException e = catchThrowableOfType(AuthenticationException.class,
                () -> c.authenticate("AUTH", new GssapiClientMechanism(login)));

        AuthFailure f = e.failure();
        assertThat(f.security()).as(f.toString()).isNotNull();
        assertThat(f.security().code()).isEqualTo("0x8009030c");
        assertThat(f.security().name()).isEqualTo("SEC_E_LOGON_DENIED");
        assertThat(transcript).as("nothing was sent for an exchange this side could not start")
                .noneMatch(t -> t.startsWith("> AUTH"));
        assertThat(c.command("NOOP").code()).isEqualTo(250);
    }
}
