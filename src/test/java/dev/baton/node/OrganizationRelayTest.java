package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.auth.kerberos.TestRealms;
import dev.baton.config.ConfigLoader;
import dev.baton.events.Category;
import dev.baton.events.DiagnosticLevel;
import dev.baton.events.LoggedEvent;
import dev.baton.net.LoopbackPorts;
import dev.baton.queue.QueuedMessage;
import dev.baton.testing.Eventually;
import dev.baton.testing.SmtpTestClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real nodes of one organization (ADR 0020): the organization route sends a user's mail to
 * the home server of the mailbox, over TLS, authenticated with X-EXPS GSSAPI through the test
 * JVM's Kerberos realm; each node logs in from its own keytab at start.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OrganizationRelayTest {

    private static final TestRealms REALMS = TestRealms.get();

    @TempDir
    Path tmp;

    private String hubFqdn;
    private String branchFqdn;
    private int hubPort;
    private int branchPort;
    private Path hubDir;
    private Path branchDir;
    private BatonNode hub;
    private BatonNode branch;


    @BeforeEach
    void organization() throws Exception {
        hubFqdn = TestRealms.host("baton.test");
        branchFqdn = TestRealms.host("baton.test");
        hubPort = LoopbackPorts.unused();
        branchPort = LoopbackPorts.unused();
        hubDir = Files.createDirectories(tmp.resolve("hub"));
        branchDir = Files.createDirectories(tmp.resolve("branch"));
        writeOrganization(branchPort);
    }

    /** The same org.yml for both: the branch reached at branchAt. */
    private void writeOrganization(int branchAt) throws Exception {
        String org = """
                organization: { name: Baton, acceptedDomains: [baton.test] }
                realm: BATON.TEST
                servers:
                  - { name: hub, fqdn: %s, smtp: "[127.0.0.1]:%d" }
                  - { name: branch, fqdn: %s, smtp: "[127.0.0.1]:%d" }
                users:
                  - { name: alice, home: hub, addresses: [alice@baton.test] }
                  - { name: bob, home: branch, addresses: [bob@baton.test] }
                rights:
                  - { allow: accept-authoritative-domain, to: "group:everyone", on: organization }
                  - { allow: relay, to: "group:organization-servers", on: organization }
                """.formatted(hubFqdn, hubPort, branchFqdn, branchAt);
        Files.writeString(hubDir.resolve("org.yml"), org);
        Files.writeString(branchDir.resolve("org.yml"), org);
    }

    @AfterEach
    void stop() {
        for (BatonNode n : new BatonNode[] {hub, branch}) {
            if (n != null) {
                n.close();
            }
        }
    }

    private static BatonNode node(Path dir, String name, String fqdn, int port) throws Exception {
        return node(dir, name, fqdn, port, "external");
    }

    private static BatonNode node(Path dir, String name, String fqdn, int port, String kerberos) throws Exception {
        return BatonNode.start(ConfigLoader.parse("""
                server: { name: %s, fqdn: %s }
                virtualServers:
                  - { name: default, address: 127.0.0.1, port: %d, tls: { mode: offered }, authentication: { integrated: true } }
                routes:
                  - { domain: baton.test, transport: organization }
                  - { domain: baton.test, transport: local }
                mailboxes: { autoCreate: true }
                queue: { retryDelay: 1s, maxRetryDelay: 1s }
                kerberos: { mode: %s, realm: BATON.TEST }
                """.formatted(name, fqdn, port, kerberos), name), dir);
    }

    private void startBoth() throws Exception {
        REALMS.baton.addServer(hubFqdn, hubDir.resolve("kerberos/smtp.keytab"));
        REALMS.baton.addServer(branchFqdn, branchDir.resolve("kerberos/smtp.keytab"));
        branch = node(branchDir, "branch", branchFqdn, branchPort);
        hub = node(hubDir, "hub", hubFqdn, hubPort);
    }

    private static void submit(BatonNode to, String from, String rcpt, String subject) throws Exception {
        try (SmtpTestClient c = SmtpTestClient.connect(to.smtpPort())) {
            c.greetAndEhlo();
            c.transaction(from, rcpt);
            c.data("Subject: " + subject + "\r\n\r\nhello\r\n").expect(250);
        }
    }

    @Test
    void mailForAUserHomedOnAnotherServerGoesThereOverTlsAuthenticatedWithXExpsGssapi() throws Exception {
        startBoth();
        submit(hub, "alice@baton.test", "bob@baton.test", "to the branch");
        Path landed = Eventually.fileIn(branchDir.resolve("mailboxes/baton.test/bob/new"));
        String message = Files.readString(landed);
        // the branch's own Received header: the hub handed it over inside TLS, authenticated
        assertThat(message.lines().filter(l -> l.startsWith("Received: from")).findFirst().orElseThrow()).contains(hubFqdn);
        assertThat(message).containsPattern("by " + branchFqdn.replace(".", "\\.") + " \\(Baton\\) with ESMTPSA")
                .contains("(using TLSv1.3");
        Eventually.await("the hub's queue drained", () -> hub.spool().list().isEmpty());
        assertThat(hubDir.resolve("mailboxes/baton.test/bob")).doesNotExist();
    }

    @Test
    void aUserHomedHereIsDeliveredLocallyAndOneTheDirectoryDoesNotKnowTakesTheNextRoute() throws Exception {
        startBoth();
        submit(branch, "bob@baton.test", "alice@baton.test", "to the hub");
        submit(hub, "bob@baton.test", "alice@baton.test", "for alice, here");
        submit(hub, "bob@baton.test", "nobody@baton.test", "for someone the directory does not know");
        Eventually.await("both of alice's messages on the hub",
                () -> Files.isDirectory(hubDir.resolve("mailboxes/baton.test/alice/new"))
                        && Files.list(hubDir.resolve("mailboxes/baton.test/alice/new")).count() == 2);
        Path nobody = Eventually.fileIn(hubDir.resolve("mailboxes/baton.test/nobody/new"));
        assertThat(Files.readString(nobody)).contains("Subject: for someone the directory does not know");
        assertThat(branchDir.resolve("mailboxes/baton.test/alice")).doesNotExist();
    }

    @Test
    void aServerWithoutItsKeytabDefersWithTheReasonLogs7006And1706AndDeliversOnceTheKeytabIsInPlace() throws Exception {
        REALMS.baton.addServer(branchFqdn, branchDir.resolve("kerberos/smtp.keytab"));
        branch = node(branchDir, "branch", branchFqdn, branchPort);
        hub = node(hubDir, "hub", hubFqdn, hubPort); // its keytab is not there yet
        hub.events().setLevel(Category.AUTHENTICATION, "default", DiagnosticLevel.MINIMUM);
        submit(hub, "alice@baton.test", "bob@baton.test", "waits for a keytab");

        LoggedEvent failed = AuthenticationTest.await(hubDir, 7006);
        assertThat(failed.text()).contains(branchFqdn, "X-EXPS GSSAPI");
        LoggedEvent security = AuthenticationTest.await(hubDir, 1706);
        assertThat(security.text()).contains("keytab");
        QueuedMessage waiting = Eventually.awaitValue("the deferral recorded", Eventually.PATIENCE,
                () -> hub.spool().list().stream().filter(m -> m.states().get(0).last() != null).findFirst());
        assertThat(waiting.states().get(0).last().text()).containsIgnoringCase("keytab");
        assertThat(hub.spool().list()).hasSize(1);

        REALMS.baton.addServer(hubFqdn, hubDir.resolve("kerberos/smtp.keytab"));
        Path landed = Eventually.fileIn(branchDir.resolve("mailboxes/baton.test/bob/new"));
        assertThat(Files.readString(landed)).contains("Subject: waits for a keytab");
        List<LoggedEvent> receiverFailures = AuthenticationTest.events(branchDir).stream().filter(e -> e.id() == 1704).toList();
        assertThat(receiverFailures).as("the branch refused nobody: the hub never got as far as asking").isEmpty();
    }

    private String awaitDeferral(BatonNode n) {
        return Eventually.awaitValue("the deferral recorded", Eventually.PATIENCE,
                () -> n.spool().list().stream().filter(m -> m.states().get(0).last() != null).findFirst()).states().get(0).last().text();
    }

    @Test
    void aHomeServerAddressWhereAnotherServerAnswersDefersRatherThanDeliverToAnUnprovedPeer() throws Exception {
        writeOrganization(hubPort); // the directory sends the branch's mail to the hub's own port
        REALMS.baton.addServer(hubFqdn, hubDir.resolve("kerberos/smtp.keytab"));
        hub = node(hubDir, "hub", hubFqdn, hubPort);
        submit(hub, "alice@baton.test", "bob@baton.test", "to the wrong door");
        assertThat(awaitDeferral(hub)).contains("announced " + hubFqdn + ", not " + branchFqdn, "not delivered to an unproved peer");
        assertThat(hubDir.resolve("mailboxes/baton.test/bob")).doesNotExist();
    }

    @Test
    void theOrganizationTransportWithoutKerberosDefersAndSaysWhy() throws Exception {
        REALMS.baton.addServer(branchFqdn, branchDir.resolve("kerberos/smtp.keytab"));
        branch = node(branchDir, "branch", branchFqdn, branchPort);
        hub = node(hubDir, "hub", hubFqdn, hubPort, "off");
        submit(hub, "alice@baton.test", "bob@baton.test", "no kerberos here");
        assertThat(awaitDeferral(hub)).contains("the organization transport needs Kerberos to prove " + branchFqdn,
                "kerberos.mode is off");
        assertThat(branchDir.resolve("mailboxes/baton.test/bob")).doesNotExist();
    }
}
