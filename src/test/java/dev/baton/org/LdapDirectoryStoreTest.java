package dev.baton.org;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.SearchResultEntry;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The LDAP backend against the UnboundID in-memory server: the shared contract, and what is particular to LDAP. */
class LdapDirectoryStoreTest extends DirectoryStoreContract {

    @TempDir
    Path dir;

    private LdapTestServer ldap;

    @Override
    protected DirectoryStore emptyStore() throws Exception {
        ldap = new LdapTestServer(dir);
        return ldap.store();
    }

    @AfterEach
    void stopServer() {
        if (ldap != null) {
            ldap.close();
        }
    }

    @Test
    void aChangeMadeByAnotherLdapClientChangesTheFingerprintAndTheNextLoad() throws Exception {
        String before = store.fingerprint();
        try (LDAPConnection other = ldap.connection()) {
            other.modify("cn=submitters,ou=groups," + LdapTestServer.BASE, new Modification(ModificationType.ADD, "member",
                    "uid=carol,ou=users," + LdapTestServer.BASE));
        }
        String afterModify = store.fingerprint();
        assertThat(afterModify).isNotEqualTo(before);
        assertThat(new Rights(store.load()).allowed(Member.user("carol"), Right.SUBMIT, Scope.ORGANIZATION)).isTrue();

        try (LDAPConnection other = ldap.connection()) {
            other.delete("cn=internet,ou=connectors," + LdapTestServer.BASE);
        }
        assertThat(store.fingerprint()).as("a delete changes it too").isNotEqualTo(afterModify);
        assertThat(store.load().connectors()).doesNotContainKey("internet");
    }

    @Test
    void aChangeMadeInLdapBetweenLoadAndStoreIsRefused() throws Exception {
        Directory read = store.load();
        try (LDAPConnection other = ldap.connection()) {
            other.modify("cn=organization," + LdapTestServer.BASE, new Modification(ModificationType.ADD, "batonAcceptedDomain",
                    "third.test"));
        }
        Directory next = new DirectoryChange.AddGroup("second", List.of()).applyTo(read);
        assertThatThrownBy(() -> store.store(read, next)).isInstanceOf(DirectoryException.class)
                .hasMessageContaining("changed while this change was being made");
        assertThat(store.load().groups()).doesNotContainKey("second");
    }

    @Test
    void seedingOverADirectoryIsRefused() {
        assertThatThrownBy(() -> store.store(null, OrgFile.parse(ORGANIZATION, "org.yml")))
                .isInstanceOf(DirectoryException.class).hasMessageContaining("holds a directory already");
    }

    @Test
    void thePasswordHashIsStoredAsThePhcStringInBatonsAttributeAndNeverAsUserPassword() throws Exception {
        try (LDAPConnection other = ldap.connection()) {
            SearchResultEntry alice = other.getEntry("uid=alice,ou=users," + LdapTestServer.BASE, "*");
            assertThat(alice.getAttributeValue("batonPasswordHash")).startsWith("$argon2id$v=19$");
            assertThat(alice.hasAttribute("userPassword")).isFalse();
            assertThat(alice.getAttributeValue("mail")).isEqualTo("alice@example.test");
            assertThat(alice.getAttributeValues("batonAlias")).containsExactly("a.smith@example.test");
        }
    }

    @Test
    void membersAndTrusteesAreDnsAndBuiltInGroupsHaveEntriesOfTheirOwn() throws Exception {
        try (LDAPConnection other = ldap.connection()) {
            assertThat(other.getEntry("cn=quarantine,ou=groups," + LdapTestServer.BASE).getAttributeValues("member"))
                    .containsExactly("cn=organization-servers,ou=built-in," + LdapTestServer.BASE);
            assertThat(other.getEntry("cn=organization-servers,ou=built-in," + LdapTestServer.BASE)).isNotNull();
            assertThat(other.getEntry("cn=allow relay to anonymous on server:edge,ou=rights," + LdapTestServer.BASE)
                    .getAttributeValue("batonTrustee")).isEqualTo("cn=anonymous,ou=built-in," + LdapTestServer.BASE);
        }
    }

    @Test
    void withoutAChangeStampTheFingerprintIsADigestOfTheContent() throws Exception {
        DirectoryStore content = ldap.store(ldap.settings().withChangeAttribute("seeAlso"));
        String before = content.fingerprint();
        assertThat(before).startsWith("content:");
        assertThat(content.fingerprint()).isEqualTo(before);
        try (LDAPConnection other = ldap.connection()) {
            other.modify("uid=bob,ou=users," + LdapTestServer.BASE, new Modification(ModificationType.ADD, "batonAlias",
                    "robert@example.test"));
        }
        assertThat(content.fingerprint()).isNotEqualTo(before);
    }
}
