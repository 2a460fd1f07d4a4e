package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.events.Category;
import dev.baton.events.DiagnosticLevel;
import dev.baton.events.LoggedEvent;
import dev.baton.testing.Eventually;
import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.SmtpTestClient.Reply;
import dev.baton.testing.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Against password guessing (ADR 0019): the growing delay, the end of a session after its last
 * allowed failure, the per-address limit over sessions that refuses even a correct password until
 * its window has passed, and a failure for an unknown user that takes as long as for a known one.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AuthenticationLimitsTest {

    @RegisterExtension
    final TestServer server = new TestServer().organization(AuthenticationTest.organization());

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private SmtpTestClient inTls() throws IOException {
        SmtpTestClient c = server.connect();
        c.greetAndEhlo();
        c.command("STARTTLS").expect(220);
        c.startTls();
        c.command("EHLO client.example.test").expect(250);
        return c;
    }

    private static long millis(SmtpTestClient c, String line, String status) throws IOException {
        long t0 = System.nanoTime();
        Reply r = c.command(line);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.status()).isEqualTo(status);
        return ms;
    }

    @Test
    void eachFailureWaitsLongerAndTheLastAllowedOneClosesTheSession() throws Exception {
        server.vs("authentication: { failures: { delay: 300ms, maxDelay: 5s, perSession: 3, perClient: 100 } }").start();
        SmtpTestClient c = inTls();
        long first = millis(c, "AUTH PLAIN " + plain("alice", "guess1"), "535 5.7.8");
        long second = millis(c, "AUTH PLAIN " + plain("alice", "guess2"), "535 5.7.8");
        assertThat(first).as("the first failure waits the delay").isGreaterThanOrEqualTo(300);
        assertThat(second).as("the second twice the delay").isGreaterThanOrEqualTo(600);
        assertThat(c.command("AUTH PLAIN " + plain("alice", "guess3")).status()).isEqualTo("535 5.7.8");
        Reply closing = c.read();
        assertThat(closing.status()).isEqualTo("421 4.7.0");
        assertThat(closing.text()).contains("Too many failed authentication attempts");
        assertThat(c.isClosedByServer()).isTrue();
    }

    @Test
    void anAddressOverItsLimitIsRefusedEvenWithTheRightPasswordUntilTheWindowHasPassed() throws Exception {
        server.vs("authentication: { failures: { delay: 0s, perSession: 10, perClient: 3, window: 2s } }").start();
        server.node().events().setLevel(Category.AUTHENTICATION, "default", DiagnosticLevel.MINIMUM);
        SmtpTestClient a = inTls();
        a.command("AUTH PLAIN " + plain("alice", "guess1")).expect(535);
        a.command("AUTH PLAIN " + plain("alice", "guess2")).expect(535);
        SmtpTestClient b = inTls();
        long blockedAt = System.nanoTime();
        b.command("AUTH PLAIN " + plain("mallory", "guess3")).expect(535);

        SmtpTestClient c = inTls();
        assertThat(c.command("AUTH PLAIN " + plain("alice", AuthenticationTest.ALICE_PASSWORD)).status())
                .as("a correct password inside the window").isEqualTo("454 4.7.0");
        LoggedEvent e = AuthenticationTest.await(server.dataDir(), 4402);
        assertThat(e.text()).isEqualTo("The client at \"127.0.0.1\" failed to authenticate 3 times within 2s on virtual server ID 1"
                + " (connection #" + e.connection() + " was the last); its attempts are refused until " + e.fields().get("until") + ".");

        Eventually.await("a correct password accepted once the window has passed", Duration.ofSeconds(20), () -> {
            // each try closes its connection: open ones would reach maxConnectionsPerClient and never see the window end
            try (SmtpTestClient d = inTls()) {
                return d.command("AUTH PLAIN " + plain("alice", AuthenticationTest.ALICE_PASSWORD)).code() == 235;
            }
        });
        assertThat(Duration.ofNanos(System.nanoTime() - blockedAt)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aFailedPlainForAnUnknownUserTakesAsLongAsForAKnownOne() throws Exception {
        server.vs("authentication: { failures: { delay: 0s, perSession: 100, perClient: 1000 } }").limits("maxErrors: 1000").start();
        SmtpTestClient c = inTls();
        int n = 11;
        long[] known = new long[n];
        long[] unknown = new long[n];
        millis(c, "AUTH PLAIN " + plain("alice", "warm-up"), "535 5.7.8");
        for (int i = 0; i < n; i++) {
            known[i] = nanos(c, plain("alice", "wrong" + i));
            unknown[i] = nanos(c, plain("nobody" + i, "wrong" + i));
        }
        long k = median(known);
        long u = median(unknown);
        // Argon2id dominates both: without the dummy hash an unknown user would answer in well under a tenth
        assertThat(k).as("a known user's failure costs an Argon2id verification").isGreaterThan(Duration.ofMillis(5).toNanos());
        // a band, not equality: on a loaded 2-core machine medians of interleaved pairs still wander by half;
        // without the dummy hash the ratio is under 0.1, far outside it
        assertThat((double) u / k).as("unknown %d µs / known %d µs", u / 1000, k / 1000).isBetween(0.4, 2.5);
    }

    private static long nanos(SmtpTestClient c, String response) throws IOException {
        long t0 = System.nanoTime();
        c.command("AUTH PLAIN " + response).expect(535);
        return System.nanoTime() - t0;
    }

    private static long median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
