package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.cli.Baton;
import dev.baton.config.ConfigLoader;
import dev.baton.org.LdapTestServer;
import dev.baton.org.OrgFile;
import dev.baton.testing.Eventually;
import dev.baton.testing.SmtpTestClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server whose organization is in LDAP (the UnboundID in-memory server): its decisions come
 * from there, and a change made with {@code baton org} against the same LDAP (through
 * baton.yml's directory section) is in force at the next poll, without a restart.
 */
class LdapDirectoryServerTest {

    @TempDir
    Path data;

    private LdapTestServer ldap;
    private BatonNode node;
    private final List<SmtpTestClient> clients = new ArrayList<>();

    private static final String ORG = """
            organization: { name: Example, acceptedDomains: [example.test] }
            servers:
              - { name: hub, fqdn: hub.example.test, virtualServers: [default] }
            groups:
              - { name: blocked, members: [anonymous] }
            rights:
              - { allow: accept-authoritative-domain, to: group:everyone }
              - { allow: relay, to: anonymous, on: server:hub }
              - { deny: relay, to: group:blocked, on: server:hub/default }
            """;

    @AfterEach
    void stop() {
        clients.forEach(SmtpTestClient::close);
        if (node != null) {
            node.close();
        }
        if (ldap != null) {
            ldap.close();
        }
    }

    private int rcpt(String address) throws IOException {
        SmtpTestClient c = SmtpTestClient.connect(node.smtpPort());
        clients.add(c);
        c.greetAndEhlo();
        c.command("MAIL FROM:<someone@outside.test>").expect(250);
        int code = c.command("RCPT TO:<" + address + ">").code();
        c.command("QUIT");
        return code;
    }

    @Test
    void aServerDecidesByTheLdapDirectoryAndTakesUpAChangeMadeWithBatonOrg() throws Exception {
        ldap = new LdapTestServer(data);
        try (var store = ldap.store()) {
            store.store(null, OrgFile.parse(ORG, "org.yml"));
        }
        String yml = """
                server: { name: hub, fqdn: hub.example.test }
                directory:
                  ldap: { url: "%s", bindDn: "%s", passwordFile: ldap.password, baseDn: "%s", poll: 100ms }
                virtualServers:
                  - { name: default, address: 127.0.0.1, port: 0, tls: { mode: off } }
                routes:
                  - { domain: "*", transport: discard }
                """.formatted(ldap.url(), LdapTestServer.BIND_DN, LdapTestServer.BASE);
        Files.writeString(data.resolve("baton.yml"), yml);
        node = BatonNode.start(ConfigLoader.load(data.resolve("baton.yml")), data);
        assertThat(node.directory().store().describe()).startsWith("ldap://127.0.0.1:");
        assertThat(rcpt("alice@example.test")).isEqualTo(250);
        assertThat(rcpt("bob@elsewhere.test")).isEqualTo(550);

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Baton.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute("org", "remove", "group", "blocked", "--data-dir", data.toString());
        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString()).contains("changed ldap://", "remove group blocked");

        Eventually.await("the LDAP change in force", () -> !node.directory().directory().groups().containsKey("blocked"));
        assertThat(rcpt("bob@elsewhere.test")).isEqualTo(250);
    }
}
