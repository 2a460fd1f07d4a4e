package dev.baton.auth.kerberos;

import static dev.baton.auth.kerberos.GssapiTest.context;
import static dev.baton.auth.kerberos.GssapiTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.auth.ClientExchange;
import dev.baton.auth.Exchange;
import dev.baton.auth.Step;
import dev.baton.testing.Eventually;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A sender whose tickets live 5 seconds logs in again before they run out and keeps authenticating. */
class InitiatorRenewalTest {

    @TempDir
    Path tmp;

    @Test
    void theTicketGrantingTicketIsRenewedBeforeItExpiresAndAuthenticationGoesOn() throws Exception {
        TestRealms realms = TestRealms.get();
        String sender = TestRealms.host("short.test");
        String receiver = TestRealms.host("short.test");
        Path senderKeytab = realms.shortLived.addServer(sender, tmp.resolve("sender.keytab"));
        Path receiverKeytab = realms.shortLived.addServer(receiver, tmp.resolve("receiver.keytab"));
        GssapiServerMechanism mechanism = new GssapiServerMechanism(new ServiceKeytab(receiverKeytab, TestRealms.SHORT));

        try (InitiatorLogin login = InitiatorLogin.start(realms.shortLived.serverPrincipal(sender), senderKeytab)) {
            Instant first = login.expires();
            assertThat(Duration.between(Instant.now(), first)).isLessThanOrEqualTo(TestRealms.SHORT_LIFETIME);

            Eventually.await("a second login before the first TGT (until " + first + ") runs out", Duration.ofSeconds(30),
                    () -> login.logins() >= 2 && login.expires().isAfter(first));
            Eventually.await("the first TGT has run out", Duration.ofSeconds(30), () -> Instant.now().isAfter(first));

            try (ClientExchange client = new GssapiClientMechanism(login).start(receiver);
                 Exchange server = mechanism.start(context(receiver))) {
                assertThat(run(client, server).last()).isInstanceOf(Step.Success.class);
            }
            assertThat(login.lastRenewalFailure()).isNull();
        }
    }
}
