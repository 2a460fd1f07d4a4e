package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.net.LoopbackPorts;
import dev.baton.testing.ChildBaton;
import dev.baton.testing.Eventually;
import dev.baton.testing.SmtpTestClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kerberos.mode: embedded} end to end, in two processes of their own (one krb5.conf per
 * process, ADR 0018; this test JVM has TestRealms'): the hub runs the realm's KDC and exports the
 * branch's keytab; the branch uses that realm as an external one; mail goes both ways between
 * them over TLS with X-EXPS GSSAPI.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EmbeddedRealmProcessesTest {

    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private final List<ChildBaton> started = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (ChildBaton p : started) {
            p.close(); // SIGTERM: serve stops its listeners, queue and KDC
        }
    }


    private ChildBaton serve(Path dataDir) throws IOException {
        ChildBaton p = ChildBaton.start(dataDir.resolve("logs"), null, "serve", "--data-dir", dataDir.toString());
        started.add(p);
        return p;
    }

    private static void config(Path dir, String name, int port, String kerberos) throws IOException {
        Files.writeString(dir.resolve("baton.yml"), """
                server: { name: %s, fqdn: %s.realm.test }
                virtualServers:
                  - { name: default, address: 127.0.0.1, port: %d, tls: { mode: offered }, authentication: { integrated: true } }
                routes:
                  - { domain: realm.test, transport: organization }
                  - { domain: realm.test, transport: local }
                mailboxes: { autoCreate: true }
                queue: { retryDelay: 1s, maxRetryDelay: 2s }
                kerberos: %s
                """.formatted(name, name, port, kerberos));
    }

    private static void send(int port, String from, String to, String subject) throws IOException {
        try (SmtpTestClient c = SmtpTestClient.connect(port)) {
            c.greetAndEhlo();
            c.transaction(from, to);
            c.data("Subject: " + subject + "\r\n\r\nacross the realm\r\n").expect(250);
        }
    }

    private static void awaitListening(int port, Path dir, ChildBaton p) {
        Eventually.await("the server of " + dir.getFileName() + " answering on " + port, START, () -> {
            if (!p.isAlive()) {
                throw new AssertionError("serve exited with " + p.process().exitValue() + ":\n" + p.output());
            }
            try (SmtpTestClient c = SmtpTestClient.connect(port)) {
                return c.read().code() == 220;
            } catch (IOException notYet) {
                return false;
            }
        });
    }

    @Test
    void aHubRunningTheEmbeddedRealmAndABranchUsingItAuthenticateEachOtherAndRelayBothWays() throws Exception {
        Path hub = Files.createDirectories(tmp.resolve("hub"));
        Path branch = Files.createDirectories(tmp.resolve("branch"));
        int hubPort = LoopbackPorts.unused();
        int branchPort = LoopbackPorts.unused();
        String org = """
                organization: { name: Realm, acceptedDomains: [realm.test] }
                realm: REALM.TEST
                servers:
                  - { name: hub, fqdn: hub.realm.test, smtp: "[127.0.0.1]:%d" }
                  - { name: branch, fqdn: branch.realm.test, smtp: "[127.0.0.1]:%d" }
                users:
                  - { name: alice, home: hub, addresses: [alice@realm.test] }
                  - { name: bob, home: branch, addresses: [bob@realm.test] }
                rights:
                  - { allow: accept-authoritative-domain, to: "group:everyone", on: organization }
                  - { allow: relay, to: "group:organization-servers", on: organization }
                """.formatted(hubPort, branchPort);
        Files.writeString(hub.resolve("org.yml"), org);
        Files.writeString(branch.resolve("org.yml"), org);
        config(hub, "hub", hubPort, "{ mode: embedded }");
        ChildBaton hubProcess = serve(hub);
        awaitListening(hubPort, hub, hubProcess);

        // the hub made the branch's principal and keytab; the branch uses the hub's realm as an external one
        Path branchKeytab = hub.resolve("kerberos/keytabs/branch.keytab");
        assertThat(branchKeytab).as(hubProcess.output()).exists();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(branchKeytab)))
                .as("a keytab is for its owner only").isEqualTo("rw-------");
        config(branch, "branch", branchPort, "{ mode: external, krb5Conf: \"%s\", keytab: \"%s\" }"
                .formatted(hub.resolve("kerberos/krb5.conf"), branchKeytab));
        ChildBaton branchProcess = serve(branch);
        awaitListening(branchPort, branch, branchProcess);

        send(hubPort, "alice@realm.test", "bob@realm.test", "hub to branch");
        send(branchPort, "bob@realm.test", "alice@realm.test", "branch to hub");
        Path atBranch = Eventually.fileIn(branch.resolve("mailboxes/realm.test/bob/new"), START);
        Path atHub = Eventually.fileIn(hub.resolve("mailboxes/realm.test/alice/new"), START);
        assertThat(Files.readString(atBranch)).contains("Subject: hub to branch")
                .contains("by branch.realm.test (Baton) with ESMTPSA").contains("(using TLSv1.3");
        assertThat(Files.readString(atHub)).contains("Subject: branch to hub")
                .contains("by hub.realm.test (Baton) with ESMTPSA").contains("(using TLSv1.3");
        assertThat(hubProcess.output()).contains("logged in as smtp/hub.realm.test@REALM.TEST");
        assertThat(branchProcess.output()).contains("logged in as smtp/branch.realm.test@REALM.TEST");
    }
}
