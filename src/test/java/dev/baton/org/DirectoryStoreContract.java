package dev.baton.org;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every directory backend must do alike (issue 9: "the same directory loaded from org.yml
 * and from LDAP gives the same decisions"): a directory stored and loaded again is the same
 * directory, the rights table decides the same, changes are checked whole and a refused one
 * stores nothing, and the fingerprint tells a change from none. A backend's test extends this
 * and gives an empty store.
 */
public abstract class DirectoryStoreContract {

    /** An organization exercising every part of the model and the rights table's cases. */
    public static final String ORGANIZATION = """
            organization: { name: Example, acceptedDomains: [example.test, other.test] }
            realm: EXAMPLE.TEST
            servers:
              - { name: hub, fqdn: hub.example.test, virtualServers: [default, submission] }
              - { name: branch, fqdn: branch.example.test }
              - { name: edge, fqdn: edge.example.test, principal: "smtp/gateway.example.test@EXAMPLE.TEST" }
            users:
              - { name: alice, home: hub, addresses: [alice@example.test, a.smith@example.test],
                  password: "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8" }
              - { name: bob, home: branch, addresses: [bob@example.test] }
              - { name: carol, addresses: [carol@other.test] }
            groups:
              - { name: quarantine, members: [group:organization-servers] }
              - { name: partners, members: [group:level1, user:carol] }
              - { name: level1, members: [group:level2] }
              - { name: level2, members: [server:edge, user:bob] }
              - { name: submitters, members: [user:alice, user:bob] }
            distributionGroups:
              - { name: staff, address: staff@example.test, members: [user:alice, group:partners], owner: user:alice,
                  allowedSenders: [group:submitters], hiddenMembership: true, reports: owner }
            connectors:
              - { name: internet, addressSpaces: ["*"], trustedWithProperties: false }
              - { name: partner, addressSpaces: [partner.test], smarthost: "[192.0.2.1]:25", trustedWithProperties: true }
            rights:
              - { allow: submit, to: group:submitters, on: organization }
              - { deny: submit, to: user:bob, on: server:branch }
              - { allow: accept-any-sender, to: group:partners, on: server:hub }
              - { deny: accept-any-sender, to: group:level2, on: server:hub/submission }
              - { deny: send-properties, to: server:edge, on: organization }
              - { deny: accept-properties, to: group:quarantine, on: server:branch }
              - { allow: relay, to: anonymous, on: server:edge }
            """;

    protected DirectoryStore store;

    /** A store holding nothing yet, for this backend. */
    protected abstract DirectoryStore emptyStore() throws Exception;

    @BeforeEach
    void seed() throws Exception {
        store = emptyStore();
        store.store(null, OrgFile.parse(ORGANIZATION, "org.yml"));
    }

    @AfterEach
    void closeStore() throws Exception {
        store.close();
    }

    private static final Member HUB = Member.server("hub");
    private static final Member BRANCH = Member.server("branch");
    private static final Member EDGE = Member.server("edge");

    private boolean allowed(Member who, Right right, String on) throws Exception {
        return new Rights(store.load()).allowed(who, right, Scope.parse(on));
    }

    @Test
    void aStoredDirectoryLoadsAgainAsTheSameDirectory() throws Exception {
        Directory loaded = store.load();
        assertThat(loaded).isEqualTo(OrgFile.parse(ORGANIZATION, "org.yml"));
        assertThat(loaded.servers().get("hub").principal()).isEqualTo("smtp/hub.example.test@EXAMPLE.TEST");
        assertThat(loaded.servers().get("edge").principal()).isEqualTo("smtp/gateway.example.test@EXAMPLE.TEST");
        assertThat(loaded.users().get("alice").passwordHash()).startsWith("$argon2id$");
        assertThat(loaded.distributionGroups().get("staff").hiddenMembership()).isTrue();
        assertThat(loaded.connectors().get("partner").trustedWithProperties()).isTrue();
    }

    @Test
    void theRightsTableDecidesAlikeOnEveryBackend() throws Exception {
        // the built-in group: every server may relay and exchange properties on the organization
        assertThat(allowed(BRANCH, Right.RELAY, "server:hub/default")).isTrue();
        // a deny on a group that nests the servers' group, set on one server
        assertThat(allowed(HUB, Right.ACCEPT_PROPERTIES, "server:branch")).isFalse();
        assertThat(allowed(HUB, Right.ACCEPT_PROPERTIES, "server:hub")).isTrue();
        // a deny on the server itself
        assertThat(allowed(EDGE, Right.SEND_PROPERTIES, "server:hub")).isFalse();
        assertThat(allowed(BRANCH, Right.SEND_PROPERTIES, "server:hub")).isTrue();
        // an allow through two levels of nesting, with a deny on a group nested inside, on one virtual server
        assertThat(allowed(EDGE, Right.ACCEPT_ANY_SENDER, "server:hub/default")).isTrue();
        assertThat(allowed(EDGE, Right.ACCEPT_ANY_SENDER, "server:hub/submission")).isFalse();
        assertThat(allowed(Member.user("carol"), Right.ACCEPT_ANY_SENDER, "server:hub/submission")).isTrue();
        // an allow on the organization with a deny below it
        assertThat(allowed(Member.user("bob"), Right.SUBMIT, "server:hub")).isTrue();
        assertThat(allowed(Member.user("bob"), Right.SUBMIT, "server:branch/default")).isFalse();
        // no entry, no right
        assertThat(allowed(Member.user("carol"), Right.SUBMIT, "organization")).isFalse();
        assertThat(allowed(Member.ANONYMOUS, Right.RELAY, "server:hub")).isFalse();
        assertThat(allowed(Member.ANONYMOUS, Right.RELAY, "server:edge/default")).isTrue();
    }

    @Test
    void aPasswordIsStoredAsItsHashAndItsScramCredentialTogetherAndClearedTogether() throws Exception {
        char[] pw = "pencil".toCharArray();
        String hash = Passwords.hash(pw);
        String scram = ScramCredential.create(pw).encode();
        store.apply(new DirectoryChange.SetPassword("alice", hash, scram));
        Directory.User alice = store.load().users().get("alice");
        assertThat(alice.passwordHash()).isEqualTo(hash);
        assertThat(alice.scram()).isEqualTo(scram);
        assertThat(ScramCredential.parse(alice.scram())).isEqualTo(ScramCredential.parse(scram));
        store.apply(new DirectoryChange.SetPassword("alice", null, null));
        alice = store.load().users().get("alice");
        assertThat(alice.passwordHash()).isNull();
        assertThat(alice.scram()).isNull();
    }

    @Test
    void aChangeIsStoredAndTheNextLoadDecidesByIt() throws Exception {
        store.apply(new DirectoryChange.AddGroup("blocked", List.of()));
        store.apply(new DirectoryChange.AddMember("blocked", HUB));
        store.apply(new DirectoryChange.AddEntry(new AccessEntry(false, Member.group("blocked"), Right.RELAY, Scope.ORGANIZATION)));
        assertThat(allowed(HUB, Right.RELAY, "server:branch")).isFalse();
        assertThat(allowed(BRANCH, Right.RELAY, "server:hub")).isTrue();

        store.apply(new DirectoryChange.RemoveMember("blocked", HUB));
        assertThat(allowed(HUB, Right.RELAY, "server:branch")).isTrue();
        store.apply(new DirectoryChange.RemoveGroup("blocked"));
        assertThat(store.load().definedEntries()).noneMatch(e -> e.trustee().equals(Member.group("blocked")));
    }

    @Test
    void removingATrusteeTakesItsEntriesAndMembershipsWithIt() throws Exception {
        store.apply(new DirectoryChange.RemoveUser("bob"));
        Directory d = store.load();
        assertThat(d.users()).doesNotContainKey("bob");
        assertThat(d.groups().get("submitters").members()).containsExactly(Member.user("alice"));
        assertThat(d.definedEntries()).noneMatch(e -> e.trustee().equals(Member.user("bob")));
    }

    @Test
    void serversUsersAndDomainsCanBeAddedAndRemoved() throws Exception {
        store.apply(new DirectoryChange.AddServer(new Directory.Server("relay2", "relay2.example.test", null, List.of("default"),
                "[192.0.2.7]:2626")));
        store.apply(new DirectoryChange.AddUser(new Directory.User("dave", "relay2", List.of("dave@example.test"), null)));
        store.apply(new DirectoryChange.AcceptedDomain("third.test", true));
        Directory d = store.load();
        assertThat(d.servers().get("relay2").principal()).as("the realm gives it its principal").isEqualTo("smtp/relay2.example.test@EXAMPLE.TEST");
        assertThat(d.servers().get("relay2").smtp()).as("where the others reach it").isEqualTo("[192.0.2.7]:2626");
        assertThat(d.users().get("dave").homeServer()).isEqualTo("relay2");
        assertThat(d.organization().acceptedDomains()).contains("third.test");
        assertThat(new Rights(d).allowed(Member.server("relay2"), Right.RELAY, Scope.ORGANIZATION))
                .as("a new server is one of the organization's servers at once").isTrue();

        assertThatThrownBy(() -> store.apply(new DirectoryChange.RemoveServer("relay2")))
                .hasMessageContaining("home server of user \"dave\"");
        store.apply(new DirectoryChange.RemoveUser("dave"));
        store.apply(new DirectoryChange.RemoveServer("relay2"));
        store.apply(new DirectoryChange.AcceptedDomain("third.test", false));
        assertThat(store.load()).isEqualTo(OrgFile.parse(ORGANIZATION, "org.yml"));
    }

    @Test
    void aChangeThatBreaksTheDirectoryIsRefusedAndNothingIsStored() throws Exception {
        String before = store.fingerprint();
        assertThatThrownBy(() -> store.apply(new DirectoryChange.AddMember("level2", Member.group("partners"))))
                .isInstanceOf(DirectoryException.class).hasMessageContaining("cycle")
                .hasMessageContaining("group \"partners\" contains group \"level1\"")
                .hasMessageContaining("group:level1 > group:level2 > group:partners > group:level1");
        assertThatThrownBy(() -> store.apply(new DirectoryChange.AddMember("partners", Member.user("nobody"))))
                .hasMessageContaining("user:nobody, which is not in the directory");
        assertThatThrownBy(() -> store.apply(new DirectoryChange.AddServer(new Directory.Server("twin", "hub.example.test", null,
                List.of("default"))))).hasMessageContaining("servers \"hub\" and \"twin\" have the same FQDN");
        assertThat(store.fingerprint()).isEqualTo(before);
        assertThat(store.load()).isEqualTo(OrgFile.parse(ORGANIZATION, "org.yml"));
    }

    @Test
    void theFingerprintChangesWithTheDirectoryAndOnlyThen() throws Exception {
        String first = store.fingerprint();
        assertThat(store.fingerprint()).isEqualTo(first);
        store.apply(new DirectoryChange.AddEntry(new AccessEntry(true, Member.user("carol"), Right.SUBMIT, Scope.ORGANIZATION)));
        assertThat(store.fingerprint()).isNotEqualTo(first);
    }
}
