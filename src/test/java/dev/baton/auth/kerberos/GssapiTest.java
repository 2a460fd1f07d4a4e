package dev.baton.auth.kerberos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.baton.auth.AuthContext;
import dev.baton.auth.AuthFailure;
import dev.baton.auth.ClientExchange;
import dev.baton.auth.Exchange;
import dev.baton.auth.Step;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two servers of BATON.TEST authenticate with GSSAPI through the embedded Kerby KDC, JGSS on both sides. */
class GssapiTest {

    private static TestRealms realms;

    @TempDir
    Path tmp;

    @BeforeAll
    static void realms() {
        realms = TestRealms.get();
    }

    /** The steps of one dialogue: what the server answered each time. */
    record Dialogue(List<Step> steps, ClientExchange client) {
        Step last() {
            return steps.get(steps.size() - 1);
        }
    }

    static Dialogue run(ClientExchange client, Exchange server) throws Exception {
        List<Step> steps = new ArrayList<>();
        byte[] response = client.initialResponse();
        for (int i = 0; i < 10; i++) {
            Step step = server.evaluate(response);
            steps.add(step);
            if (!(step instanceof Step.Challenge c)) {
                return new Dialogue(steps, client);
            }
            response = client.evaluate(c.data());
        }
        return fail("no end after 10 steps: " + steps);
    }

    static AuthContext context(String fqdn) {
        return new AuthContext(InetAddress.getLoopbackAddress(), fqdn, true, null);
    }

    @Test
    void serversAuthenticateEachOtherAndSuccessNamesTheClientPrincipal() throws Exception {
        String receiver = TestRealms.host("baton.test");
        String sender = TestRealms.host("baton.test");
        Path receiverKeytab = realms.baton.addServer(receiver, tmp.resolve("receiver.keytab"));
        Path senderKeytab = realms.baton.addServer(sender, tmp.resolve("sender.keytab"));
        GssapiServerMechanism mechanism = new GssapiServerMechanism(new ServiceKeytab(receiverKeytab, TestRealms.BATON));

        try (InitiatorLogin login = InitiatorLogin.start(realms.baton.serverPrincipal(sender), senderKeytab);
             ClientExchange client = new GssapiClientMechanism(login).start(receiver);
             Exchange server = mechanism.start(context(receiver))) {
            Dialogue d = run(client, server);

            assertThat(d.last()).isEqualTo(new Step.Success("smtp/" + sender + "@BATON.TEST", null, null));
            // AP-REQ answered with AP-REP, then the security layer offer (RFC 4752 3.1), then success
            assertThat(d.steps()).hasSize(3);
            assertThat(client.isComplete()).isTrue();
            assertThat(client.serverIdentity()).isEqualTo("smtp/" + receiver);
        }
        assertThat(mechanism.name()).isEqualTo("GSSAPI");
        assertThat(mechanism.exposesPassword()).isFalse();
    }

    @Test
    void aServerWithoutTheInitialResponseAsksForTheClientsTokenFirst() throws Exception {
        String receiver = TestRealms.host("baton.test");
        String sender = TestRealms.host("baton.test");
        Path receiverKeytab = realms.baton.addServer(receiver, tmp.resolve("receiver.keytab"));
        Path senderKeytab = realms.baton.addServer(sender, tmp.resolve("sender.keytab"));
        try (InitiatorLogin login = InitiatorLogin.start(realms.baton.serverPrincipal(sender), senderKeytab);
             ClientExchange client = new GssapiClientMechanism(login).start(receiver);
             Exchange server = new GssapiServerMechanism(new ServiceKeytab(receiverKeytab, TestRealms.BATON))
                     .start(context(receiver))) {
            Step first = server.evaluate(null);
            assertThat(first).isInstanceOfSatisfying(Step.Challenge.class, c -> assertThat(c.data()).isEmpty());
            Step step = server.evaluate(client.initialResponse());
            for (int i = 0; i < 5 && step instanceof Step.Challenge c; i++) {
                step = server.evaluate(client.evaluate(c.data()));
            }
            assertThat(step).isInstanceOfSatisfying(Step.Success.class,
                    s -> assertThat(s.identity()).isEqualTo("smtp/" + sender + "@BATON.TEST"));
        }
    }

    static AuthFailure failureOf(Step step) {
        assertThat(step).isInstanceOf(Step.Failure.class);
        return ((Step.Failure) step).failure();
    }
}
