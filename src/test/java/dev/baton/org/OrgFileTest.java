package dev.baton.org;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** org.yml, the embedded directory: what it holds, and errors that say where and what. */
class OrgFileTest {

    static final String SAMPLE = """
            organization: { name: Example, acceptedDomains: [example.test, Example.ORG] }
            realm: example.test
            servers:
              - { name: hub, fqdn: hub.example.test, virtualServers: [default, submission] }
              - { name: branch, fqdn: branch.example.test, principal: smtp/branch.example.test@EXAMPLE.TEST }
            users:
              - { name: alice, home: hub, addresses: [alice@example.test, a.smith@example.test] }
            groups:
              - { name: relay-partners, members: [group:branches] }
              - { name: branches, members: [server:branch, user:alice] }
            distributionGroups:
              - { name: staff, address: staff@example.test, members: [user:alice], owner: user:alice, reports: owner }
            connectors:
              - { name: internet, addressSpaces: ["*"], smarthost: "[192.0.2.1]:25" }
            rights:
              - { allow: submit, to: group:authenticated-users, on: organization }
              - { deny: relay, to: anonymous }
              - { allow: accept-any-sender, to: group:relay-partners, on: server:hub/default }
            """;

    @Test
    void aSampleOrganizationLoadsWithEverySection() throws Exception {
        Directory d = OrgFile.parse(SAMPLE, "org.yml");
        assertThat(d.organization().acceptedDomains()).containsExactly("example.test", "example.org");
        assertThat(d.servers().get("hub").principal()).isEqualTo("smtp/hub.example.test@EXAMPLE.TEST");
        assertThat(d.servers().get("branch").virtualServers()).containsExactly("default");
        assertThat(d.serverByPrincipal("smtp/branch.example.test@EXAMPLE.TEST").name()).isEqualTo("branch");
        assertThat(d.users().get("alice").addresses()).containsExactly("alice@example.test", "a.smith@example.test");
        assertThat(d.distributionGroups().get("staff").reports()).isEqualTo(Directory.DeliveryReports.OWNER);
        assertThat(d.connectors().get("internet").trustedWithProperties()).as("default: not trusted").isFalse();
        assertThat(d.entries()).hasSize(3 + 3); // the built-in three first

        Rights r = new Rights(d);
        assertThat(r.allowed(Member.server("branch"), Right.ACCEPT_ANY_SENDER, Scope.virtualServer("hub", "default"))).isTrue();
        assertThat(r.allowed(Member.server("branch"), Right.ACCEPT_ANY_SENDER, Scope.virtualServer("hub", "submission"))).isFalse();
        assertThat(r.allowed(Member.ANONYMOUS, Right.RELAY, Scope.server("hub"))).isFalse();
        assertThat(r.allowed(Member.user("alice"), Right.SUBMIT, Scope.server("branch"))).isTrue();
    }

    @Test
    void aUserWithAScramCredentialWritesAndReadsBackAndABadOneIsRefused() throws Exception {
        String scram = ScramCredential.create("pencil".toCharArray()).encode();
        Directory d = OrgFile.parse("organization: { name: X }\nusers:\n  - { name: bob, scram: \"" + scram + "\" }\n", "org.yml");
        assertThat(d.users().get("bob").scram()).isEqualTo(scram);
        assertThat(OrgFile.parse(OrgFile.format(d), "org.yml")).isEqualTo(d);
        assertThatThrownBy(() -> OrgFile.parse("organization: { name: X }\nusers:\n  - { name: bob, scram: \"SCRAM-SHA-256$1:x\" }\n",
                "org.yml")).hasMessageContaining("users[0].scram: is not a SCRAM-SHA-256 credential");
    }

    @Test
    void whereAServerIsReachedReadsWritesBackAndABadAddressIsRefused() throws Exception {
        Directory d = OrgFile.parse("organization: { name: X }\nservers:\n  - { name: b, fqdn: b.x.test, smtp: \"[127.0.0.1]:2626\" }\n"
                + "  - { name: c, fqdn: c.x.test }\n", "org.yml");
        assertThat(d.servers().get("b").smtpHost()).isEqualTo("[127.0.0.1]");
        assertThat(d.servers().get("b").smtpPort()).isEqualTo(2626);
        assertThat(d.servers().get("c").smtpHost()).as("by default its FQDN").isEqualTo("c.x.test");
        assertThat(d.servers().get("c").smtpPort()).isEqualTo(25);
        assertThat(OrgFile.parse(OrgFile.format(d), "org.yml")).isEqualTo(d);
        assertThatThrownBy(() -> OrgFile.parse("organization: { name: X }\nservers:\n  - { name: b, fqdn: b.x.test, smtp: \"b:99999\" }\n",
                "org.yml")).hasMessageContaining("servers[0].smtp").hasMessageContaining("is not host:port");
    }

    @Test
    void errorsNameTheFileThePositionAndWhatWasExpected() {
        assertThatThrownBy(() -> OrgFile.parse("organization: { name: X }\nrights:\n  - { allow: fly, to: anonymous }\n", "org.yml"))
                .hasMessageStartingWith("org.yml: rights[0].allow: \"fly\" is not a right (one of submit, relay,");
        assertThatThrownBy(() -> OrgFile.parse("organization: { name: X }\nrights:\n  - { allow: relay, deny: relay, to: anonymous }\n",
                "org.yml")).hasMessageContaining("rights[0]: needs exactly one of allow: RIGHT or deny: RIGHT");
        assertThatThrownBy(() -> OrgFile.parse("organization: { name: X }\ngroups:\n  - { name: g, members: [host:a] }\n", "org.yml"))
                .hasMessageContaining("groups[0].members[0]: \"host:a\"").hasMessageContaining("server, user or group");
        assertThatThrownBy(() -> OrgFile.parse("organization: { name: X }\nserverz: []\n", "org.yml"))
                .hasMessageContaining("serverz: unknown setting (known here: organization, realm, servers,");
        assertThatThrownBy(() -> OrgFile.parse("servers: []\n", "org.yml")).hasMessage("org.yml: organization: is required");
        assertThatThrownBy(() -> OrgFile.parse("organization: { name: X }\nusers:\n  - { name: bob, password: hunter2 }\n", "org.yml"))
                .hasMessageContaining("users[0].password: is not a password hash").hasMessageContaining("plain text is never stored");
        assertThatThrownBy(() -> OrgFile.parse("organization: [\n", "org.yml")).hasMessageStartingWith("org.yml: not valid YAML");
    }

    @Test
    void consistencyErrorsCarryTheFileName() {
        assertThatThrownBy(() -> OrgFile.parse("""
                organization: { name: X }
                groups:
                  - { name: a, members: [group:b] }
                  - { name: b, members: [group:a] }
                """, "/etc/baton/org.yml")).hasMessageStartingWith("/etc/baton/org.yml: group nesting has a cycle");
    }
}
