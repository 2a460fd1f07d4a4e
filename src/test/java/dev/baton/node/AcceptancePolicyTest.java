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
}
