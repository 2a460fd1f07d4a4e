package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigLoader;
import dev.baton.mail.MailAddress;
import dev.baton.mail.Principal;
import dev.baton.routing.Routes;
import dev.baton.smtp.Reply;
import dev.baton.smtp.server.SessionInfo;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Who may relay: the relay networks, and a session that has authenticated; nobody else. */
class AcceptancePolicyTest {

    private final BatonConfig config = parse();
    private final AcceptancePolicy policy = new AcceptancePolicy(config, config.virtualServers().get(0),
            new Routes(config.routes()));

    private static BatonConfig parse() {
        try {
            return ConfigLoader.parse("""
                    server: {fqdn: mx.example.test}
                    acceptedDomains: [example.test]
                    routes:
                      - {domain: example.test, transport: local}
                      - {domain: elsewhere.test, transport: discard}
                    virtualServers: [{name: default, port: 0, relayNetworks: [192.0.2.0/24]}]
                    """, "test");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static SessionInfo session(String client, Principal principal) throws Exception {
        return new SessionInfo(1, InetAddress.getByName(client), "client.example.test", false, principal);
    }

    @Test
    void relayingIsAllowedToAnAuthenticatedPrincipal() throws Exception {
        MailAddress outside = MailAddress.parse("bob@elsewhere.test");
        assertThat(policy.checkRecipient(outside, session("198.51.100.7", new Principal.User("alice@example.test", "PLAIN"))))
                .isEmpty();
        assertThat(policy.checkRecipient(outside, session("198.51.100.7", new Principal.Server("smtp/mx2.example.test", "GSSAPI"))))
                .isEmpty();
    }

    @Test
    void relayingIsDeniedToAnAnonymousClientOutsideTheRelayNetworks() throws Exception {
        MailAddress outside = MailAddress.parse("bob@elsewhere.test");
        assertThat(policy.checkRecipient(outside, session("198.51.100.7", Principal.ANONYMOUS)))
                .hasValueSatisfying(r -> assertThat(r.id()).isEqualTo(Reply.RELAY_DENIED));
        assertThat(policy.checkRecipient(outside, session("192.0.2.9", Principal.ANONYMOUS))).isEmpty();
    }

    @Test
    void theDecisionsAreRightsSoADirectoryEntryChangesThemAndTheReplyKeepsItsWording() throws Exception {
        // the organization baton.yml implies, plus a deny for relay networks on this virtual server
        dev.baton.org.Directory implied = OrganizationOfOne.of(config);
        java.util.List<dev.baton.org.AccessEntry> entries = new java.util.ArrayList<>(implied.entries().subList(3, implied.entries().size()));
        entries.add(new dev.baton.org.AccessEntry(false, dev.baton.org.Member.group(dev.baton.org.Directory.RELAY_NETWORKS),
                dev.baton.org.Right.RELAY, dev.baton.org.Scope.virtualServer(OrganizationOfOne.serverName(config), "default")));
        dev.baton.org.Directory changed = dev.baton.org.Directory.of(implied.organization(), java.util.List.copyOf(implied.servers().values()),
                java.util.List.of(), java.util.List.of(), java.util.List.of(), java.util.List.of(), entries);
        AcceptancePolicy denying = new AcceptancePolicy(config, config.virtualServers().get(0), new Routes(config.routes()),
                new dev.baton.org.Rights(changed));
        MailAddress outside = MailAddress.parse("bob@elsewhere.test");
        assertThat(policy.checkRecipient(outside, session("192.0.2.9", Principal.ANONYMOUS))).as("as baton.yml says").isEmpty();
        assertThat(denying.checkRecipient(outside, session("192.0.2.9", Principal.ANONYMOUS)).orElseThrow().id())
                .isEqualTo(Reply.RELAY_DENIED);
        assertThat(denying.checkRecipient(outside, session("198.51.100.7", new Principal.User("alice@example.test", "PLAIN"))))
                .as("an authenticated user from elsewhere relays through authenticated-users").isEmpty();
        assertThat(denying.checkRecipient(outside, session("192.0.2.9", new Principal.User("alice@example.test", "PLAIN"))).isPresent())
                .as("from a relay network the session is in relay-networks too, and a deny wins").isTrue();
        assertThat(denying.checkRecipient(MailAddress.parse("alice@example.test"), session("192.0.2.9", Principal.ANONYMOUS)))
                .as("accepted domains are still open to all").isEmpty();
        dev.baton.org.Rights.Decision why = new dev.baton.org.Rights(changed).explain(dev.baton.org.Member.ANONYMOUS,
                java.util.List.of(dev.baton.org.Member.group(dev.baton.org.Directory.RELAY_NETWORKS)), dev.baton.org.Right.RELAY,
                dev.baton.org.Scope.virtualServer(OrganizationOfOne.serverName(config), "default"));
        assertThat(why.explanation()).contains("decides: deny relay to group:relay-networks on server:"
                + OrganizationOfOne.serverName(config) + "/default");
    }
}
