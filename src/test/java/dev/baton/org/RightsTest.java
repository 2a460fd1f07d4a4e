package dev.baton.org;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.org.Directory.Group;
import dev.baton.org.Directory.Organization;
import dev.baton.org.Directory.Server;
import dev.baton.org.Directory.User;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Effective rights through nested groups with deny entries, and the evidence for each decision. */
class RightsTest {

    private static final Organization ORG = new Organization("Example", List.of("example.test"));
    private static final Member A = Member.server("a");
    private static final Member B = Member.server("b");
    private static final Scope ON_A = Scope.server("a");
    private static final Scope ON_A_DEFAULT = Scope.virtualServer("a", "default");

    private static List<Server> servers() {
        return List.of(new Server("a", "a.example.test", Server.principalFor("a.example.test", "example.test"), List.of("default", "submission")),
                new Server("b", "b.example.test", Server.principalFor("b.example.test", "example.test"), List.of("default")));
    }

    private static Rights rights(List<Group> groups, AccessEntry... entries) throws DirectoryException {
        return new Rights(Directory.of(ORG, servers(), List.of(new User("alice", "a", List.of("alice@example.test"), null)), groups,
                List.of(), List.of(), List.of(entries)));
    }

    private static AccessEntry allow(Right r, Member to, Scope on) {
        return new AccessEntry(true, to, r, on);
    }

    private static AccessEntry deny(Right r, Member to, Scope on) {
        return new AccessEntry(false, to, r, on);
    }

    @Test
    void everyServerMayRelayThroughTheBuiltInGroupAndTheEvidenceSaysSo() throws Exception {
        Rights r = rights(List.of());
        assertThat(r.allowed(B, Right.RELAY, ON_A_DEFAULT)).isTrue();
        Rights.Decision d = r.explain(B, Right.RELAY, ON_A_DEFAULT);
        assertThat(d.allowed()).isTrue();
        assertThat(d.deciding().entry().trustee()).isEqualTo(Member.group(Directory.ORGANIZATION_SERVERS));
        assertThat(d.deciding().chain()).containsExactly(B, Member.group(Directory.ORGANIZATION_SERVERS));
        assertThat(r.allowed(Member.user("alice"), Right.RELAY, ON_A_DEFAULT)).as("a user is not a server").isFalse();
    }

    @Test
    void noEntryMeansNoRight() throws Exception {
        Rights r = rights(List.of());
        Rights.Decision d = r.explain(Member.user("alice"), Right.SUBMIT, ON_A);
        assertThat(d.allowed()).isFalse();
        assertThat(d.deciding()).isNull();
        assertThat(d.applied()).isEmpty();
        assertThat(d.explanation()).contains("DENIED", "no entry on server:a or above it grants submit to user:alice");
    }

    @Test
    void aDenyOnAGroupThatNestsTheServersGroupWinsForEveryServer() throws Exception {
        Rights r = rights(List.of(new Group("quarantine", List.of(Member.group(Directory.ORGANIZATION_SERVERS)))),
                deny(Right.RELAY, Member.group("quarantine"), Scope.ORGANIZATION));
        assertThat(r.allowed(A, Right.RELAY, ON_A)).isFalse();
        assertThat(r.allowed(B, Right.RELAY, ON_A_DEFAULT)).isFalse();
        Rights.Decision d = r.explain(B, Right.RELAY, ON_A_DEFAULT);
        assertThat(d.deciding().entry().allow()).isFalse();
        assertThat(d.deciding().chain()).containsExactly(B, Member.group(Directory.ORGANIZATION_SERVERS), Member.group("quarantine"));
        assertThat(d.applied()).hasSize(2); // the built-in allow applied too, and lost
        assertThat(d.explanation()).contains("decides: deny relay to group:quarantine on organization",
                "via server:b > group:organization-servers > group:quarantine", "a deny anywhere wins");
    }

    @Test
    void aDenyOnAGroupNestedDeepInsideAnAllowedOneWins() throws Exception {
        List<Group> groups = new ArrayList<>();
        // partners > level1 > ... > level20 > server:b; allow on partners, deny on level20
        groups.add(new Group("partners", List.of(Member.group("level1"))));
        for (int i = 1; i < 20; i++) {
            groups.add(new Group("level" + i, List.of(Member.group("level" + (i + 1)))));
        }
        groups.add(new Group("level20", List.of(B, Member.user("alice"))));
        Rights r = rights(groups, allow(Right.ACCEPT_ANY_SENDER, Member.group("partners"), Scope.ORGANIZATION),
                deny(Right.ACCEPT_ANY_SENDER, Member.group("level20"), ON_A));
        assertThat(r.allowed(B, Right.ACCEPT_ANY_SENDER, Scope.server("b"))).as("the deny is set on a only").isTrue();
        assertThat(r.allowed(B, Right.ACCEPT_ANY_SENDER, ON_A_DEFAULT)).isFalse();
        Rights.Decision allowedOnB = r.explain(B, Right.ACCEPT_ANY_SENDER, Scope.server("b"));
        assertThat(allowedOnB.deciding().chain()).hasSize(22).startsWith(B, Member.group("level20")).endsWith(Member.group("partners"));
    }

    @Test
    void aDenyOnTheServerItselfWins() throws Exception {
        Rights r = rights(List.of(), deny(Right.SEND_PROPERTIES, B, Scope.ORGANIZATION));
        assertThat(r.allowed(B, Right.SEND_PROPERTIES, ON_A)).isFalse();
        assertThat(r.explain(B, Right.SEND_PROPERTIES, ON_A).deciding().chain()).containsExactly(B);
        assertThat(r.allowed(A, Right.SEND_PROPERTIES, ON_A)).isTrue();
    }

    @Test
    void anAllowOnTheOrganizationWithADenyOnOneVirtualServer() throws Exception {
        Rights r = rights(List.of(), allow(Right.SUBMIT, Member.group(Directory.AUTHENTICATED_USERS), Scope.ORGANIZATION),
                deny(Right.SUBMIT, Member.group(Directory.AUTHENTICATED_USERS), Scope.virtualServer("a", "default")));
        Member alice = Member.user("alice");
        assertThat(r.allowed(alice, Right.SUBMIT, Scope.virtualServer("a", "submission"))).isTrue();
        assertThat(r.allowed(alice, Right.SUBMIT, ON_A_DEFAULT)).isFalse();
        assertThat(r.allowed(alice, Right.SUBMIT, Scope.virtualServer("b", "default"))).isTrue();
        assertThat(r.allowed(Member.ANONYMOUS, Right.SUBMIT, Scope.virtualServer("a", "submission"))).isFalse();
    }

    @Test
    void anonymousIsATrusteeLikeAnyOtherSoTheRelayNetworkRuleIsAnOrdinaryEntry() throws Exception {
        Rights r = rights(List.of(), allow(Right.ACCEPT_AUTHORITATIVE_DOMAIN, Member.group(Directory.EVERYONE), Scope.ORGANIZATION),
                deny(Right.RELAY, Member.ANONYMOUS, Scope.ORGANIZATION));
        assertThat(r.allowed(Member.ANONYMOUS, Right.ACCEPT_AUTHORITATIVE_DOMAIN, ON_A_DEFAULT)).isTrue();
        assertThat(r.allowed(Member.ANONYMOUS, Right.RELAY, ON_A_DEFAULT)).isFalse();
        assertThat(r.allowed(B, Right.RELAY, ON_A_DEFAULT)).isTrue();
    }

    @Test
    void aPrincipalNotInTheDirectoryIsAuthenticatedButNoServerOfTheOrganization() throws Exception {
        Rights r = rights(List.of(), allow(Right.SUBMIT, Member.group(Directory.AUTHENTICATED_USERS), Scope.ORGANIZATION));
        Member stranger = Member.server("stranger");
        assertThat(r.allowed(stranger, Right.RELAY, ON_A)).as("organization-servers holds only listed servers").isFalse();
        assertThat(r.allowed(Member.user("mallory"), Right.SUBMIT, ON_A)).as("she authenticated").isTrue();
        assertThat(r.allowed(Member.ANONYMOUS, Right.SUBMIT, ON_A)).isFalse();
        assertThat(r.explain(stranger, Right.RELAY, ON_A).explanation()).contains("not in the directory");
    }

    @Test
    void aSessionGroupSuchAsRelayNetworksCountsWithEverythingItBelongsTo() throws Exception {
        Member relayNetworks = Member.group(Directory.RELAY_NETWORKS);
        Rights r = rights(List.of(new Group("trusted-clients", List.of(relayNetworks))),
                allow(Right.RELAY, Member.group("trusted-clients"), Scope.ORGANIZATION),
                deny(Right.RELAY, relayNetworks, Scope.virtualServer("a", "submission")));
        assertThat(r.allowed(Member.ANONYMOUS, Right.RELAY, ON_A_DEFAULT)).isFalse();
        assertThat(r.allowed(Member.ANONYMOUS, List.of(relayNetworks), Right.RELAY, ON_A_DEFAULT)).isTrue();
        assertThat(r.allowed(Member.ANONYMOUS, List.of(relayNetworks), Right.RELAY, Scope.virtualServer("a", "submission"))).isFalse();
        Rights.Decision d = r.explain(Member.ANONYMOUS, List.of(relayNetworks), Right.RELAY, ON_A_DEFAULT);
        assertThat(d.allowed()).isTrue();
        assertThat(d.deciding().chain()).containsExactly(Member.ANONYMOUS, relayNetworks, Member.group("trusted-clients"));
    }

    @Test
    void aCycleInGroupNestingIsRefusedNamingTheWholeCycle() {
        assertThatThrownBy(() -> rights(List.of(new Group("x", List.of(Member.group("y"))), new Group("y", List.of(Member.group("z"))),
                new Group("z", List.of(Member.group("x"), A)))))
                .isInstanceOf(DirectoryException.class)
                .hasMessageContaining("cycle").hasMessageContaining("group:x > group:y > group:z > group:x");
    }

    @Test
    void aLongChainIsCheckedWithoutRunningOutOfStack() throws Exception {
        List<Group> groups = new ArrayList<>();
        int depth = 20_000;
        for (int i = 0; i < depth; i++) {
            groups.add(new Group("g" + i, List.of(i + 1 < depth ? Member.group("g" + (i + 1)) : A)));
        }
        Rights r = rights(groups, deny(Right.RELAY, Member.group("g0"), Scope.ORGANIZATION));
        assertThat(r.allowed(A, Right.RELAY, ON_A)).isFalse();
        groups.set(depth - 1, new Group("g" + (depth - 1), List.of(Member.group("g0"))));
        assertThatThrownBy(() -> rights(groups)).isInstanceOf(DirectoryException.class).hasMessageContaining("cycle");
    }

    @Test
    void aMemberOrTrusteeThatDoesNotExistIsRefusedNamingBothEnds() {
        assertThatThrownBy(() -> rights(List.of(new Group("partners", List.of(Member.user("bob"))))))
                .hasMessage("group \"partners\" lists member user:bob, which is not in the directory");
        assertThatThrownBy(() -> rights(List.of(), allow(Right.RELAY, Member.group("ghosts"), Scope.ORGANIZATION)))
                .hasMessage("the entry \"allow relay to group:ghosts on organization\" names trustee group:ghosts, which is not in the directory");
        assertThatThrownBy(() -> rights(List.of(), allow(Right.RELAY, A, Scope.virtualServer("a", "nope"))))
                .hasMessageContaining("virtual server \"nope\", which server \"a\" does not run");
        assertThatThrownBy(() -> rights(List.of(new Group(Directory.EVERYONE, List.of()))))
                .hasMessageContaining("built in");
    }

    @Test
    void twoServersWithOneFqdnOrOnePrincipalAreRefusedNamingBoth() {
        assertThatThrownBy(() -> Directory.of(ORG, List.of(new Server("a", "mx.example.test", null, List.of("default")),
                new Server("b", "MX.example.test", null, List.of("default"))), List.of(), List.of(), List.of(), List.of(), List.of()))
                .hasMessage("servers \"a\" and \"b\" have the same FQDN MX.example.test; each server needs its own");
        assertThatThrownBy(() -> Directory.of(ORG, List.of(new Server("a", "a.example.test", "smtp/x@EXAMPLE.TEST", List.of("default")),
                new Server("b", "b.example.test", "smtp/x@EXAMPLE.TEST", List.of("default"))), List.of(), List.of(), List.of(), List.of(),
                List.of()))
                .hasMessageContaining("servers \"a\" and \"b\" have the same Kerberos principal smtp/x@EXAMPLE.TEST");
    }

    @Test
    void membersScopesAndRightsParseFromTheirWrittenForms() {
        assertThat(Member.parse("server:A")).isEqualTo(A);
        assertThat(Member.parse("anonymous")).isEqualTo(Member.ANONYMOUS);
        assertThat(Scope.parse("server:a/default")).isEqualTo(ON_A_DEFAULT);
        assertThat(Scope.parse("organization")).isEqualTo(Scope.ORGANIZATION);
        assertThat(Right.parse("accept-any-sender")).isEqualTo(Right.ACCEPT_ANY_SENDER);
        assertThat(Right.parse("fly")).isNull();
        assertThatThrownBy(() -> Member.parse("host:a")).hasMessageContaining("server, user or group");
        assertThatThrownBy(() -> Scope.parse("server:")).hasMessageContaining("organization, server:NAME");
    }

    @Test
    void theChangesBetweenTwoSnapshotsAreNamedOneByOne() throws Exception {
        Directory before = rights(List.of(new Group("partners", List.of(B)))).directory();
        Directory after = new DirectoryChange.AddMember("partners", Member.user("alice")).applyTo(
                new DirectoryChange.AddEntry(deny(Right.RELAY, Member.group("partners"), ON_A)).applyTo(
                        new DirectoryChange.AcceptedDomain("other.test", true).applyTo(before)));
        assertThat(before.changesTo(after)).containsExactly("accepted domain added: other.test",
                "group partners: added member user:alice", "added the entry \"deny relay to group:partners on server:a\"");
        assertThat(after.changesTo(after)).isEmpty();
        assertThat(new DirectoryChange.RemoveGroup("partners").applyTo(after).changesTo(after)).contains("added group partners");
    }

    @Test
    void theClosureCacheKeepsAtMostItsCapAndAnswersStayRightPastIt() throws Exception {
        Directory d = Directory.of(ORG, servers(), List.of(new User("alice", "a", List.of("alice@example.test"), null)),
                List.of(new Group("partners", List.of(B)), new Group("wide", List.of(Member.group("partners")))),
                List.of(), List.of(), List.of(allow(Right.SUBMIT, Member.group("wide"), ON_A), deny(Right.SUBMIT, Member.user("alice"), ON_A),
                        allow(Right.SUBMIT, Member.group(Directory.AUTHENTICATED_USERS), ON_A)));
        Rights r = new Rights(d, 3);
        for (int i = 0; i < 50; i++) {
            // a peer's stream of new principals, between the ones asked about all the time
            Member stranger = Member.server("stranger" + i + ".example.test");
            assertThat(r.allowed(stranger, Right.SUBMIT, ON_A)).as("an unknown server is an authenticated principal").isTrue();
            assertThat(r.allowed(stranger, Right.RELAY, ON_A)).as("but not an organization server").isFalse();
            assertThat(r.allowed(Member.user("alice"), Right.SUBMIT, ON_A)).as("the deny still wins").isFalse();
            assertThat(r.allowed(Member.ANONYMOUS, Right.SUBMIT, ON_A)).isFalse();
            assertThat(r.explain(B, Right.SUBMIT, ON_A).applied()).extracting(Rights.Applied::chain)
                    .contains(List.of(B, Member.group("partners"), Member.group("wide")));
            assertThat(r.groupsOf(B)).containsKeys(Member.group("partners"), Member.group("wide"), Member.group(Directory.ORGANIZATION_SERVERS));
            assertThat(r.cachedClosures()).isLessThanOrEqualTo(3);
        }
        assertThat(r.cachedClosures()).isPositive();
        assertThatThrownBy(() -> new Rights(d, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
