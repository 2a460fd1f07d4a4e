package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigLoader;
import dev.baton.org.AccessEntry;
import dev.baton.org.DirectoryChange;
import dev.baton.org.FileDirectoryStore;
import dev.baton.org.Member;
import dev.baton.org.Right;
import dev.baton.org.Scope;
import dev.baton.testing.Eventually;
import dev.baton.testing.SmtpTestClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that reads the organization's directory (org.yml in its data directory): accepted
 * domains and rights come from it, a change is in force within a poll without a restart, and a
 * bad change leaves the last good directory in force with the reason.
 */
class SharedDirectoryTest {

    @TempDir
    Path data;

    private BatonNode node;
    private final List<SmtpTestClient> clients = new ArrayList<>();

    private static final String BATON_YML = """
            server: { name: hub, fqdn: hub.example.test }
            directory: { poll: 50ms }
            virtualServers:
              - { name: default, address: 127.0.0.1, port: 0, tls: { mode: off } }
            routes:
              - { domain: "*", transport: discard }
            """;

    private static final String ORG_YML = """
            organization: { name: Example, acceptedDomains: [example.test] }
            servers:
              - { name: hub, fqdn: hub.example.test, virtualServers: [default] }
              - { name: branch, fqdn: branch.example.test }
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
    }

    private BatonNode start(String batonYml, String orgYml) throws IOException, dev.baton.config.ConfigException {
        Files.writeString(data.resolve("org.yml"), orgYml);
        BatonConfig config = ConfigLoader.parse(batonYml, "baton.yml");
        node = BatonNode.start(config, data);
        return node;
    }

    /** The RCPT reply code for a recipient in a new anonymous session. */
    private int rcpt(String address) throws IOException {
        SmtpTestClient c = SmtpTestClient.connect(node.smtpPort());
        clients.add(c);
        c.greetAndEhlo();
        c.command("MAIL FROM:<someone@outside.test>").expect(250);
        int code = c.command("RCPT TO:<" + address + ">").code();
        c.command("QUIT");
        return code;
    }

    private FileDirectoryStore store() {
        return new FileDirectoryStore(data.resolve("org.yml"));
    }

    @Test
    void acceptedDomainsAndRightsComeFromTheDirectory() throws Exception {
        start(BATON_YML, ORG_YML);
        assertThat(rcpt("alice@example.test")).as("an accepted domain of the organization, delivered here").isEqualTo(250);
        assertThat(rcpt("bob@elsewhere.test")).as("relay allowed to anonymous on the server, denied on its virtual server")
                .isEqualTo(550);
        assertThat(node.directory().store().describe()).contains("org.yml");
    }

    @Test
    void aTrusteeRemovedWhileRunningNoLongerDecides() throws Exception {
        start(BATON_YML, ORG_YML);
        assertThat(rcpt("bob@elsewhere.test")).isEqualTo(550);
        store().apply(new DirectoryChange.RemoveGroup("blocked"));
        Eventually.await("the directory without group:blocked in force",
                () -> !node.directory().directory().groups().containsKey("blocked"));
        Path events = data.resolve("events").resolve("events.log");
        Eventually.await("event 4003 naming what changed, at the default level", () -> Files.exists(events)
                && Files.readString(events).contains("\"id\":4003") && Files.readString(events).contains("removed group blocked"));
        assertThat(rcpt("bob@elsewhere.test")).as("the deny went with its trustee; the allow on the server remains").isEqualTo(250);
    }

    @Test
    void aChangedDirectoryIsInForceWithoutARestart() throws Exception {
        start(BATON_YML, ORG_YML);
        assertThat(rcpt("carol@other.test")).as("not accepted, and relay is denied").isEqualTo(550);
        store().apply(new DirectoryChange.AcceptedDomain("other.test", true));
        Eventually.await("other.test accepted", () -> node.directory().directory().organization().acceptedDomains().contains("other.test"));
        assertThat(rcpt("carol@other.test")).isEqualTo(250);
        SmtpTestClient c = SmtpTestClient.connect(node.smtpPort());
        clients.add(c);
        c.greetAndEhlo();
        c.transaction("someone@outside.test", "carol@other.test");
        c.data("Subject: hello\r\n\r\nto a domain added while running\r\n").expect(250);
        Path mailbox = data.resolve("mailboxes").resolve("other.test").resolve("carol").resolve("new");
        assertThat(Eventually.fileIn(mailbox)).as("the new accepted domain is delivered here, not by the catch-all route").exists();
    }

    @Test
    void aBadChangeLeavesTheLastGoodDirectoryInForceAndSaysWhy() throws Exception {
        start(BATON_YML, ORG_YML);
        Files.writeString(data.resolve("org.yml"), ORG_YML + "  - { allow: relay, to: group:nobody }\n");
        Eventually.await("the change refused", () -> node.directory().lastRefusal() != null);
        assertThat(node.directory().lastRefusal()).contains("group:nobody, which is not in the directory");
        Path events = data.resolve("events").resolve("events.log");
        Eventually.await("event 4002 in the event log, whatever the level", () -> Files.exists(events)
                && Files.readString(events).contains("\"id\":4002") && Files.readString(events).contains("group:nobody"));
        assertThat(rcpt("alice@example.test")).isEqualTo(250);
        assertThat(rcpt("bob@elsewhere.test")).isEqualTo(550);

        Files.writeString(data.resolve("org.yml"), ORG_YML.replace("{ name: hub, fqdn: hub.example.test, virtualServers: [default] }",
                "{ name: hub2, fqdn: hub.example.test, virtualServers: [default] }").replace("server:hub", "server:hub2"));
        Eventually.await("a directory without this server refused",
                () -> node.directory().lastRefusal() != null && node.directory().lastRefusal().contains("not a server of the organization"));
        assertThat(node.directory().directory().servers()).containsKey("hub");

        Files.writeString(data.resolve("org.yml"), ORG_YML.replace("  - { deny: relay, to: group:blocked, on: server:hub/default }\n", ""));
        Eventually.await("the repaired directory in force", () -> node.directory().lastRefusal() == null
                && node.directory().directory().definedEntries().size() == 2);
        assertThat(rcpt("bob@elsewhere.test")).isEqualTo(250);
    }

    @Test
    void aServerRefusesToStartUnderADirectoryThatDoesNotFitIt() throws Exception {
        assertThatThrownBy(() -> start(BATON_YML.replace("name: hub,", "name: edge,"), ORG_YML))
                .isInstanceOf(IOException.class).hasMessageContaining("\"edge\" (baton.yml server.name), is not a server")
                .hasMessageContaining("baton org add server edge --fqdn hub.example.test");
        assertThatThrownBy(() -> start(BATON_YML.replace("fqdn: hub.example.test", "fqdn: mx.example.test"), ORG_YML))
                .hasMessageContaining("FQDN hub.example.test in the directory but mx.example.test in baton.yml");
        assertThatThrownBy(() -> start(BATON_YML + "acceptedDomains: [example.test]\n", ORG_YML))
                .hasMessageContaining("the accepted domains are the organization's");
        assertThatThrownBy(() -> start(BATON_YML.replace("name: default,", "name: submission,"), ORG_YML))
                .hasMessageContaining("runs the virtual server \"submission\", which server \"hub\" does not list");
        assertThatThrownBy(() -> start(BATON_YML, ORG_YML.replace("members: [anonymous]", "members: [group:blocked]")))
                .hasMessageContaining("cycle");
    }

    @Test
    void withoutOrgYmlTheServerIsAnOrganizationOfOneAsBeforeAndANamedFileMustExist() throws Exception {
        node = BatonNode.start(ConfigLoader.parse(BATON_YML.replace("directory: { poll: 50ms }\n", "")
                + "acceptedDomains: [example.test]\n", "baton.yml"), data);
        assertThat(node.directory().store()).isNull();
        assertThat(rcpt("alice@example.test")).isEqualTo(250);
        assertThat(rcpt("bob@elsewhere.test")).isEqualTo(550);
        node.close();
        node = null;
        assertThatThrownBy(() -> BatonNode.start(ConfigLoader.parse(BATON_YML.replace("directory: { poll: 50ms }",
                "directory: { file: shared/org.yml }"), "baton.yml"), data))
                .hasMessageContaining("shared/org.yml named in baton.yml does not exist");
    }

    @Test
    void aNewEntryOnTheVirtualServerIsExplainedAsTheServerDecides() throws Exception {
        start(BATON_YML, ORG_YML);
        store().apply(new DirectoryChange.AddEntry(new AccessEntry(false, Member.group("everyone"), Right.ACCEPT_AUTHORITATIVE_DOMAIN,
                Scope.virtualServer("hub", "default"))));
        Eventually.await("the deny in force", () -> node.directory().directory().definedEntries().size() == 4);
        SmtpTestClient c = SmtpTestClient.connect(node.smtpPort());
        clients.add(c);
        c.greetAndEhlo();
        c.command("MAIL FROM:<someone@outside.test>").expect(250);
        SmtpTestClient.Reply refused = c.command("RCPT TO:<alice@example.test>");
        assertThat(refused.code()).isEqualTo(550);
        assertThat(refused.text()).as("the reply does not tell the directory's structure")
                .contains("Access denied").doesNotContain("everyone").doesNotContain("deny");
        assertThat(node.directory().rights().explain(Member.ANONYMOUS, Right.ACCEPT_AUTHORITATIVE_DOMAIN,
                Scope.virtualServer("hub", "default")).explanation())
                .contains("decides: deny accept-authoritative-domain to group:everyone on server:hub/default");
        Duration poll = node.directory().store().pollInterval();
        assertThat(poll).isEqualTo(Duration.ofMillis(50));
    }

    @Test
    void aSingleLabelDomainSuchAsLocalhostIsAcceptedAndDeliveredHere() throws Exception {
        node = BatonNode.start(ConfigLoader.parse(BATON_YML.replace("directory: { poll: 50ms }\n", "")
                + "acceptedDomains: [localhost]\n", "baton.yml"), data);
        SmtpTestClient c = SmtpTestClient.connect(node.smtpPort());
        clients.add(c);
        c.greetAndEhlo();
        c.transaction("root@localhost", "alice@localhost");
        c.data("Subject: cron\r\n\r\nfrom a local job\r\n").expect(250);
        assertThat(Eventually.fileIn(data.resolve("mailboxes").resolve("localhost").resolve("alice").resolve("new"))).exists();
    }

    @Test
    void twoServersReadOneDirectoryAndEachTakesUpAChangeScopedToIt(@TempDir Path shared, @TempDir Path branchData) throws Exception {
        Path org = shared.resolve("org.yml");
        Files.writeString(org, ORG_YML.replace("- { name: branch, fqdn: branch.example.test }",
                "- { name: branch, fqdn: branch.example.test, virtualServers: [default] }"));
        String directory = "directory: { file: \"" + org + "\", poll: 50ms }";
        node = BatonNode.start(ConfigLoader.parse(BATON_YML.replace("directory: { poll: 50ms }", directory), "hub.yml"), data);
        try (BatonNode branch = BatonNode.start(ConfigLoader.parse(BATON_YML.replace("directory: { poll: 50ms }", directory)
                .replace("{ name: hub, fqdn: hub.example.test }", "{ name: branch, fqdn: branch.example.test }"), "branch.yml"), branchData)) {
            assertThat(rcpt("alice@example.test")).isEqualTo(250);
            new FileDirectoryStore(org).apply(new DirectoryChange.AddEntry(new AccessEntry(false, Member.ANONYMOUS,
                    Right.ACCEPT_AUTHORITATIVE_DOMAIN, Scope.server("branch"))));
            Eventually.await("both servers on the new directory", () -> node.directory().directory().definedEntries().size() == 4
                    && branch.directory().directory().definedEntries().size() == 4);
            assertThat(rcpt("alice@example.test")).as("the deny is set on the other server").isEqualTo(250);
            BatonNode hub = node;
            node = branch;
            try {
                assertThat(rcpt("alice@example.test")).as("on branch itself it decides").isEqualTo(550);
            } finally {
                node = hub;
            }
        }
    }

    @Test
    void mailForADirectoryUsersAliasLandsInTheMailboxOfTheirPrimaryAddress() throws Exception {
        start(BATON_YML + "mailboxes: { autoCreate: false }\n", ORG_YML);
        assertThat(rcpt("a.smith@example.test")).as("not yet a user's address, and no mailbox is made up").isEqualTo(550);
        store().apply(new DirectoryChange.AddUser(new dev.baton.org.Directory.User("alice", "hub",
                List.of("alice@example.test", "a.smith@example.test"), null)));
        Eventually.await("alice in the directory", () -> node.directory().directory().users().containsKey("alice"));
        SmtpTestClient c = SmtpTestClient.connect(node.smtpPort());
        clients.add(c);
        c.greetAndEhlo();
        c.transaction("someone@outside.test", "a.smith@example.test");
        c.data("Subject: to an alias\r\n\r\nhello\r\n").expect(250);
        Path file = Eventually.fileIn(data.resolve("mailboxes").resolve("example.test").resolve("alice").resolve("new"));
        assertThat(Files.readString(file)).contains("Delivered-To: alice@example.test");
        assertThat(data.resolve("mailboxes").resolve("example.test").resolve("a.smith")).doesNotExist();
    }
}
