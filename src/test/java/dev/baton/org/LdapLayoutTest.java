package dev.baton.org;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldif.LDIFReader;
import dev.baton.config.LdapSettings;
import dev.baton.config.LdapSettings.Kind;
import dev.baton.config.LdapSettings.ObjectMapping;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the LDAP backend reads from layouts other than the one it writes itself: an existing
 * OpenLDAP tree (inetOrgPerson, groupOfNames) mapped in, inconsistent content, and servers that
 * are not there or refuse the bind.
 */
class LdapLayoutTest {

    @TempDir
    Path dir;

    private LdapTestServer ldap;

    @BeforeEach
    void start() throws Exception {
        ldap = new LdapTestServer(dir);
    }

    @AfterEach
    void stop() {
        ldap.close();
    }

    /** An organization's own people and groups, and Baton's subtree beside them holding only what is Baton's. */
    private static final String EXISTING = """
            dn: ou=people,dc=example,dc=test
            objectClass: organizationalUnit
            ou: people

            dn: uid=alice,ou=people,dc=example,dc=test
            objectClass: inetOrgPerson
            objectClass: batonUser
            uid: alice
            cn: Alice Smith
            sn: Smith
            mail: alice@example.test
            batonAlias: a.smith@example.test
            batonHomeServer: hub

            dn: uid=bob,ou=people,dc=example,dc=test
            objectClass: inetOrgPerson
            uid: bob
            cn: Bob
            sn: Jones
            mail: bob@example.test

            dn: ou=groups,dc=example,dc=test
            objectClass: organizationalUnit
            ou: groups

            dn: cn=staff,ou=groups,dc=example,dc=test
            objectClass: groupOfNames
            cn: staff
            member: uid=alice,ou=people,dc=example,dc=test
            member: cn=engineers,ou=groups,dc=example,dc=test

            dn: cn=engineers,ou=groups,dc=example,dc=test
            objectClass: groupOfNames
            cn: engineers
            member: uid=bob,ou=people,dc=example,dc=test

            dn: ou=baton,dc=example,dc=test
            objectClass: organizationalUnit
            ou: baton

            dn: cn=organization,ou=baton,dc=example,dc=test
            objectClass: batonOrganization
            cn: organization
            o: Example
            batonAcceptedDomain: example.test
            batonRealm: EXAMPLE.TEST

            dn: ou=servers,ou=baton,dc=example,dc=test
            objectClass: organizationalUnit
            ou: servers

            dn: cn=hub,ou=servers,ou=baton,dc=example,dc=test
            objectClass: batonServer
            cn: hub
            batonFqdn: hub.example.test
            batonVirtualServer: default

            dn: ou=distribution-groups,ou=baton,dc=example,dc=test
            objectClass: organizationalUnit
            ou: distribution-groups

            dn: ou=connectors,ou=baton,dc=example,dc=test
            objectClass: organizationalUnit
            ou: connectors

            dn: ou=rights,ou=baton,dc=example,dc=test
            objectClass: organizationalUnit
            ou: rights

            dn: cn=staff may submit,ou=rights,ou=baton,dc=example,dc=test
            objectClass: batonAccessEntry
            cn: staff may submit
            batonAllow: TRUE
            batonRight: submit
            batonTrustee: cn=staff,ou=groups,dc=example,dc=test
            batonScope: organization
            batonOrder: 1

            dn: cn=no relay for bob,ou=rights,ou=baton,dc=example,dc=test
            objectClass: batonAccessEntry
            cn: no relay for bob
            batonAllow: FALSE
            batonRight: relay
            batonTrustee: uid=bob,ou=people,dc=example,dc=test
            batonOrder: 2
            """;

    /** The inetOrgPerson/groupOfNames mapping of docs/directory.md. */
    private LdapSettings openLdapLayout() {
        LdapSettings s = ldap.settings();
        ObjectMapping users = s.mapping().get(Kind.USERS);
        ObjectMapping groups = s.mapping().get(Kind.GROUPS);
        return s.withMapping(Kind.USERS, new ObjectMapping("ou=people,dc=example,dc=test", List.of("inetOrgPerson", "batonUser"),
                        "(objectClass=inetOrgPerson)", users.attributes(), List.of("cn", "sn")))
                .withMapping(Kind.GROUPS, new ObjectMapping("ou=groups,dc=example,dc=test", List.of("groupOfNames"), null,
                        groups.attributes(), List.of()));
    }

    private void seed(String ldif) throws Exception {
        try (LDAPConnection c = ldap.connection();
             LDIFReader r = new LDIFReader(new ByteArrayInputStream(ldif.getBytes(StandardCharsets.UTF_8)))) {
            for (com.unboundid.ldap.sdk.Entry e = r.readEntry(); e != null; e = r.readEntry()) {
                c.add(e);
            }
        }
    }

    @Test
    void anExistingInetOrgPersonAndGroupOfNamesLayoutIsReadThroughTheMapping() throws Exception {
        seed(EXISTING);
        Directory d = ldap.store(openLdapLayout()).load();
        assertThat(d).isEqualTo(OrgFile.parse("""
                organization: { name: Example, acceptedDomains: [example.test] }
                realm: EXAMPLE.TEST
                servers:
                  - { name: hub, fqdn: hub.example.test, virtualServers: [default] }
                users:
                  - { name: alice, home: hub, addresses: [alice@example.test, a.smith@example.test] }
                  - { name: bob, addresses: [bob@example.test] }
                groups:
                  - { name: staff, members: [user:alice, group:engineers] }
                  - { name: engineers, members: [user:bob] }
                rights:
                  - { allow: submit, to: group:staff, on: organization }
                  - { deny: relay, to: user:bob }
                """, "expected"));
        Rights rights = new Rights(d);
        assertThat(rights.allowed(Member.user("bob"), Right.SUBMIT, Scope.server("hub"))).as("through nested groupOfNames").isTrue();
        assertThat(rights.allowed(Member.user("bob"), Right.RELAY, Scope.ORGANIZATION)).isFalse();
    }

    @Test
    void aUserAddedThroughTheMappingIsAnInetOrgPersonWithItsNameInCnAndSn() throws Exception {
        seed(EXISTING);
        DirectoryStore store = ldap.store(openLdapLayout());
        store.apply(new DirectoryChange.AddUser(new Directory.User("carol", "hub", List.of("carol@example.test"), null)));
        store.apply(new DirectoryChange.AddMember("engineers", Member.user("carol")));
        try (LDAPConnection c = ldap.connection()) {
            SearchResultEntry carol = c.getEntry("uid=carol,ou=people,dc=example,dc=test", "*");
            assertThat(carol.getObjectClassValues()).contains("inetOrgPerson", "batonUser");
            assertThat(carol.getAttributeValue("sn")).isEqualTo("carol");
            assertThat(c.getEntry("cn=engineers,ou=groups,dc=example,dc=test").getAttributeValues("member"))
                    .containsExactly("uid=bob,ou=people,dc=example,dc=test", "uid=carol,ou=people,dc=example,dc=test");
        }
        assertThat(new Rights(store.load()).allowed(Member.user("carol"), Right.SUBMIT, Scope.ORGANIZATION)).isTrue();
    }

    @Test
    void aMemberDnThatIsNotInTheDirectoryIsRefusedNamingBothDns() throws Exception {
        seed(EXISTING + """

                dn: cn=ghosts,ou=groups,dc=example,dc=test
                objectClass: groupOfNames
                cn: ghosts
                member: uid=nobody,ou=people,dc=example,dc=test
                """);
        assertThatThrownBy(() -> ldap.store(openLdapLayout()).load()).isInstanceOf(DirectoryException.class)
                .hasMessageContaining("cn=ghosts,ou=groups,dc=example,dc=test lists member uid=nobody,ou=people,dc=example,dc=test")
                .hasMessageContaining("which is not in the directory");
    }

    @Test
    void aCycleInLdapIsRefusedNamingTheGroupsAndTheirDns() throws Exception {
        seed(EXISTING.replace("member: uid=bob,ou=people,dc=example,dc=test",
                "member: uid=bob,ou=people,dc=example,dc=test\nmember: cn=staff,ou=groups,dc=example,dc=test"));
        assertThatThrownBy(() -> ldap.store(openLdapLayout()).load()).isInstanceOf(DirectoryException.class)
                .hasMessageContaining("group:engineers > group:staff > group:engineers")
                .hasMessageContaining("group engineers is cn=engineers,ou=groups,dc=example,dc=test")
                .hasMessageContaining("group staff is cn=staff,ou=groups,dc=example,dc=test");
    }

    @Test
    void anUnreachableServerIsAnIoErrorNamingTheUrlAndTheCause() throws Exception {
        int port = ldap.port();
        DirectoryStore store = ldap.store();
        ldap.close();
        assertThatThrownBy(store::load).isInstanceOf(IOException.class)
                .hasMessageStartingWith("ldap://127.0.0.1:" + port + "/ou=baton,dc=example,dc=test: cannot connect")
                .hasMessageContaining("refused");
        assertThatThrownBy(store::fingerprint).isInstanceOf(IOException.class).hasMessageContaining("cannot connect");
    }

    @Test
    void aRefusedBindIsAnIoErrorNamingTheBindDnAndTheReason() throws Exception {
        Path password = dir.resolve("ldap.password");
        Files.writeString(password, "wrong\n");
        assertThatThrownBy(() -> ldap.store().load()).isInstanceOf(IOException.class)
                .hasMessageContaining(ldap.url())
                .hasMessageContaining("bind as " + LdapTestServer.BIND_DN + " refused")
                .hasMessageContaining("invalid credentials");
    }

    @Test
    void aPasswordFileOthersCanReadIsRefused() throws Exception {
        Files.setPosixFilePermissions(dir.resolve("ldap.password"), PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> ldap.store().load()).isInstanceOf(IOException.class)
                .hasMessageContaining("can be read by anyone; chmod 600 it");
    }

    @Test
    void anUnseededStoreSaysSo() {
        assertThatThrownBy(() -> ldap.store().load()).isInstanceOf(IOException.class)
                .hasMessageContaining("there is no organization entry cn=organization,ou=baton,dc=example,dc=test");
    }

    @Test
    void activeDirectoryProxyAddressesGiveThePrimaryAndTheAliases() {
        assertThat(LdapDirectoryStore.sharedAddresses(List.of("smtp:al@example.test", "X500:/o=Example/cn=alice",
                "SMTP:alice@example.test"))).containsExactly("alice@example.test", "al@example.test");
        assertThat(LdapDirectoryStore.sharedAddresses(List.of("a@example.test", "b@example.test")))
                .containsExactly("a@example.test", "b@example.test");
    }

    @Test
    void theDefaultMappingIsBatonsLayoutUnderTheBase() {
        Map<Kind, ObjectMapping> m = LdapSettings.defaultMapping(LdapTestServer.BASE);
        assertThat(m.get(Kind.USERS).base()).isEqualTo("ou=users," + LdapTestServer.BASE);
        assertThat(m.get(Kind.USERS).effectiveFilter()).isEqualTo("(objectClass=account)");
        assertThat(m.get(Kind.RIGHTS).attribute("trustee")).isEqualTo("batonTrustee");
    }
}
