package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.auth.ClientExchange;
import dev.baton.auth.kerberos.GssapiClientMechanism;
import dev.baton.auth.kerberos.InitiatorLogin;
import dev.baton.auth.kerberos.TestRealms;
import dev.baton.config.ConfigLoader;
import dev.baton.events.Category;
import dev.baton.events.DiagnosticLevel;
import dev.baton.events.LoggedEvent;
import dev.baton.queue.QueuedMessage;
import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.SmtpTestClient.Reply;
import dev.baton.tls.TlsContexts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * X-EXPS (SYSTEM.md 2) on a real node: Kerberos from the test JVM's realms (one krb5.conf per
 * process, ADR 0018), the receiver's keytab as baton.yml's kerberos section names it, a sender
 * logged in from its own keytab by JGSS, real TLS and real sockets.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class XExpsTest {

    private static TestRealms realms;
    private static Path[] certificate;

    @TempDir
    Path tmp;

    private BatonNode node;
    private Path dataDir;
    private String receiver;
    private String sender;
    private Path senderKeytab;
    private String user;

    @BeforeAll
    static void realmsAndCertificate() throws IOException {
        realms = TestRealms.get();
        certificate = TlsContexts.selfSigned(Files.createDirectories(realms.dir.resolve("tls-xexps")), "mx.baton.test");
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    /** A receiver whose directory knows the sender as a server and one user; each test its own hosts. */
    private void start(boolean integrated) throws Exception {
        receiver = TestRealms.host("baton.test");
        sender = TestRealms.host("baton.test");
        user = "user-" + receiver.substring(0, receiver.indexOf('.'));
        dataDir = Files.createDirectories(tmp.resolve("receiver"));
        realms.baton.addServer(receiver, dataDir.resolve("kerberos/smtp.keytab"));
        senderKeytab = realms.baton.addServer(sender, tmp.resolve("sender.keytab"));
        realms.baton.addPrincipal(user + "@" + TestRealms.BATON);
        Files.writeString(dataDir.resolve("org.yml"), """
                organization: { name: Baton, acceptedDomains: [baton.test] }
                realm: BATON.TEST
                servers:
                  - { name: receiving, fqdn: %s, virtualServers: [default] }
                  - { name: sending, fqdn: %s, virtualServers: [default] }
                users:
                  - { name: %s, home: receiving, addresses: [%s@baton.test] }
                rights:
                  - { allow: accept-authoritative-domain, to: "group:everyone", on: organization }
                  - { allow: relay, to: "group:organization-servers", on: organization }
                  - { allow: submit, to: "group:authenticated-users", on: organization }
                """.formatted(receiver, sender, user, user));
        // local delivery defers, so the message stays in the queue to be looked at
        Files.writeString(dataDir.resolve("mailboxes"), "not a directory: local delivery defers\n");
        node = BatonNode.start(ConfigLoader.parse("""
                server: { name: receiving, fqdn: %s }
                virtualServers:
                  - { name: default, address: 127.0.0.1, port: 0, tls: { mode: offered, certificate: "%s", key: "%s" },
                      authentication: { integrated: %s, failures: { delay: 0s } } }
                routes:
                  - { domain: elsewhere.test, transport: smtp, host: "[127.0.0.1]", port: 9, tls: none }
                kerberos: { mode: external, realm: BATON.TEST }
                """.formatted(receiver, certificate[0], certificate[1], integrated), "test"), dataDir);
        node.events().setLevel(Category.AUTHENTICATION, "default", DiagnosticLevel.MINIMUM);
    }

    private SmtpTestClient inTls() throws IOException {
        SmtpTestClient c = SmtpTestClient.connect(node.smtpPort());
        Reply before = c.greetAndEhlo();
        assertThat(before.lines()).noneMatch(l -> l.startsWith("X-EXPS"));
        c.command("STARTTLS").expect(220);
        c.startTls();
        return c;
    }

    /** Runs a GSSAPI dialogue with the verb (X-EXPS or AUTH) as the given principal; returns the last reply. */
    private static Reply gssapi(SmtpTestClient c, String verb, String principal, Path keytab, String peer) throws Exception {
        try (InitiatorLogin login = InitiatorLogin.start(principal, keytab);
             ClientExchange x = new GssapiClientMechanism(login).start(peer)) {
            Reply r = c.command(verb + " GSSAPI " + Base64.getEncoder().encodeToString(x.initialResponse()));
            for (int i = 0; i < 10 && r.code() == 334; i++) {
                byte[] challenge = Base64.getDecoder().decode(r.lines().get(0).getBytes(StandardCharsets.US_ASCII));
                r = c.command(Base64.getEncoder().encodeToString(x.evaluate(challenge)));
            }
            return r;
        }
    }

    private LoggedEvent await(int id) {
        return AuthenticationTest.await(dataDir, id);
    }

    @Test
    void anOrganizationServerAuthenticatesWithXExpsGssapiInsideTlsAndRelaysAsItself() throws Exception {
        start(true);
        SmtpTestClient c = inTls();
        Reply ehlo = c.command("EHLO " + sender).expect(250);
        assertThat(ehlo.lines()).contains("X-EXPS GSSAPI");
        assertThat(ehlo.lines()).anyMatch(l -> l.startsWith("AUTH ") && l.endsWith(" GSSAPI"));

        Reply r = gssapi(c, "X-EXPS", "smtp/" + sender + "@BATON.TEST", senderKeytab, receiver);
        assertThat(r.status()).isEqualTo("235 2.7.0");

        // relay is the right of the organization's servers: the session is the server "sending"
        c.transaction("someone@baton.test", "carol@elsewhere.test");
        String id = c.data("Subject: between servers\r\n\r\nhello\r\n").expect(250).queuedId();
        QueuedMessage m = node.spool().list().stream().filter(q -> q.id().equals(id)).findFirst().orElseThrow();
        assertThat(m.envelope().authenticated()).isEqualTo("smtp/" + sender + "@BATON.TEST");
        try (var in = node.spool().openContent(m)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("with ESMTPSA id " + id);
        }
        assertThat(m.envelope().submitter()).as("a server that gives no AUTH= vouches for nobody").isNull();

        // an organization server is trusted with the submitter it passes on (RFC 4954 5)
        c.command("MAIL FROM:<someone@baton.test> AUTH=" + user + "@baton.test").expect(250);
        c.command("RCPT TO:<carol@elsewhere.test>").expect(250);
        String relayed = c.data("Subject: submitted elsewhere\r\n\r\nhello\r\n").expect(250).queuedId();
        QueuedMessage r2 = node.spool().list().stream().filter(q -> q.id().equals(relayed)).findFirst().orElseThrow();
        assertThat(r2.envelope().submitter()).isEqualTo(user + "@baton.test");
        c.close();
    }

    @Test
    void aUserPrincipalIsRefusedByXExpsWith535AndEvent1704ButAuthGssapiMakesItThatUser() throws Exception {
        start(true);
        Path userKeytab = tmp.resolve("user.keytab");
        realms.baton.exportKeytab(user + "@BATON.TEST", userKeytab);
        SmtpTestClient c = inTls();
        c.command("EHLO client.baton.test").expect(250);

        Reply r = gssapi(c, "X-EXPS", user + "@BATON.TEST", userKeytab, receiver);
        assertThat(r.status()).isEqualTo("535 5.7.3");
        assertThat(r.text()).isEqualTo("5.7.3 Authentication unsuccessful");
        LoggedEvent e = await(1704);
        assertThat(e.text()).contains("\"127.0.0.1\"", "mechanism GSSAPI", user + "@BATON.TEST", "is not a server of the organization");
        // no relay for the session that failed
        c.command("MAIL FROM:<x@origin.test>").expect(250);
        assertThat(c.command("RCPT TO:<carol@elsewhere.test>").status()).isEqualTo("550 5.7.1");
        c.command("RSET").expect(250);

        Reply auth = gssapi(c, "AUTH", user + "@BATON.TEST", userKeytab, receiver);
        assertThat(auth.status()).isEqualTo("235 2.7.0");
        c.transaction(user + "@baton.test", user + "@baton.test");
        String id = c.data("Subject: by kerberos\r\n\r\nhi\r\n").expect(250).queuedId();
        QueuedMessage m = node.spool().list().stream().filter(q -> q.id().equals(id)).findFirst().orElseThrow();
        assertThat(m.envelope().authenticated()).isEqualTo(user);
        c.close();
    }

    @Test
    void aStaleKeytabOnTheReceiverGives535AndEvent1706WithSecELogonDenied() throws Exception {
        start(true);
        realms.baton.rekey("smtp/" + receiver + "@BATON.TEST"); // the receiver's keytab is now one key version behind
        SmtpTestClient c = inTls();
        c.command("EHLO " + sender).expect(250);

        Reply r = gssapi(c, "X-EXPS", "smtp/" + sender + "@BATON.TEST", senderKeytab, receiver);
        assertThat(r.status()).isEqualTo("535 5.7.3");
        LoggedEvent security = await(1706);
        assertThat(security.fields()).containsEntry("code", "0x8009030c").containsEntry("name", "SEC_E_LOGON_DENIED")
                .containsEntry("operation", "AcceptSecurityContext").containsEntry("host", "127.0.0.1")
                .containsEntry("component", "Kerberos");
        assertThat(security.fields().get("underlying")).isNotBlank();
        assertThat(await(1704).text()).contains("key version");
        c.close();
    }

    @Test
    void xExpsIsNeitherAdvertisedNorAcceptedWhereIntegratedAuthenticationIsOff() throws Exception {
        start(false);
        SmtpTestClient c = inTls();
        Reply ehlo = c.command("EHLO " + sender).expect(250);
        assertThat(ehlo.lines()).noneMatch(l -> l.startsWith("X-EXPS"));
        assertThat(ehlo.lines()).noneMatch(l -> l.contains("GSSAPI"));
        assertThat(c.command("X-EXPS GSSAPI").status()).isEqualTo("502 5.5.1");
        c.close();
    }

    @Test
    void anUnknownMechanismGets504Dot7Dot4AndXExpsBeforeStartTlsGets538() throws Exception {
        start(true);
        SmtpTestClient plain = SmtpTestClient.connect(node.smtpPort());
        plain.greetAndEhlo();
        assertThat(plain.command("X-EXPS GSSAPI").status()).isEqualTo("538 5.7.11");
        plain.close();

        SmtpTestClient c = inTls();
        c.command("EHLO " + sender).expect(250);
        Reply r = c.command("X-EXPS NTLM");
        assertThat(r.status()).isEqualTo("504 5.7.4");
        assertThat(r.text()).isEqualTo("5.7.4 Unrecognized authentication type");
        assertThat(c.command("X-EXPS").status()).isEqualTo("501 5.5.4");
        c.close();
    }

    @Test
    void anEmbeddedRealmIsRefusedAtStartWhenTheProcessAlreadyUsesAnotherKrb5Conf() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("embedded"));
        var config = ConfigLoader.parse("""
                server: { name: mx, fqdn: %s }
                virtualServers: [{ name: default, address: 127.0.0.1, port: 0, tls: { mode: off } }]
                kerberos: { mode: embedded, realm: EMBEDDED.TEST }
                """.formatted(TestRealms.host("embedded.test")), "test");
        assertThatThrownBy(() -> BatonNode.start(config, dir).close())
                .isInstanceOf(IOException.class).hasMessageContaining("already uses the krb5.conf")
                .hasMessageContaining(dir.resolve("kerberos").resolve("krb5.conf").toString());
        // the realm was made in the data folder, and its KDC stopped with the refused start
        assertThat(dir.resolve("kerberos/realm.properties")).exists();
    }
}
