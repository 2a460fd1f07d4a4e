package dev.baton.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.org.ScramCredential;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** SCRAM-SHA-256 on the server side against the test vector of RFC 7677 3 and its failure cases. */
class ScramMechanismTest {

    /** RFC 7677 3: user "user", password "pencil", these nonces, salt and iteration count. */
    static final String CLIENT_FIRST = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    static final String SERVER_NONCE = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    static final String SERVER_FIRST = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    static final String CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    static final String SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    static final ScramCredential PENCIL = ScramCredential.derive("pencil".toCharArray(),
            Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
    static final Credentials USERS = login -> login.equals("user") ? new Credentials.Account("user", null, PENCIL) : null;
    static final AuthContext TLS = new AuthContext(InetAddress.getLoopbackAddress(), "mx.example.test", true, null);

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void theRfc7677VectorAuthenticatesAndTheServerSignatureIsTheRfcs() {
        Exchange ex = new ScramMechanism(USERS, false, () -> SERVER_NONCE).start(TLS);
        assertThat(ex.evaluate(null)).isInstanceOf(Step.Challenge.class); // no initial response: an empty challenge
        Step first = ex.evaluate(b(CLIENT_FIRST));
        assertThat(s(((Step.Challenge) first).data())).isEqualTo(SERVER_FIRST);
        Step last = ex.evaluate(b(CLIENT_FINAL));
        assertThat(last).isInstanceOf(Step.Success.class);
        Step.Success ok = (Step.Success) last;
        assertThat(ok.identity()).isEqualTo("user");
        assertThat(s(ok.finalData())).isEqualTo(SERVER_FINAL);
    }

    @Test
    void aStoredCredentialReadsBackFromItsTextForm() {
        assertThat(ScramCredential.parse(PENCIL.encode())).isEqualTo(PENCIL);
        assertThat(PENCIL.encode()).startsWith("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$");
        assertThat(ScramCredential.parse("SCRAM-SHA-256$4096:abc")).isNull();
        assertThat(ScramCredential.parse("$argon2id$v=19$m=19456,t=2,p=1$x$y")).isNull();
        assertThat(ScramCredential.parse("SCRAM-SHA-256$100:W22ZaJ0SNY7soEsUEjb6gQ==$" + PENCIL.encode().split("\\$")[2]))
                .as("fewer iterations than RFC 7677 allows").isNull();
    }

    @Test
    void aWrongProofFailsAsInvalidCredentials() {
        Exchange ex = new ScramMechanism(USERS, false, () -> SERVER_NONCE).start(TLS);
        ex.evaluate(b(CLIENT_FIRST));
        Step last = ex.evaluate(b(CLIENT_FINAL.replace("p=dHzb", "p=dHzc")));
        assertThat(((Step.Failure) last).failure().kind()).isEqualTo(AuthFailure.Kind.INVALID_CREDENTIALS);
    }

    @Test
    void anUnknownUserGetsTheSameSaltEveryTimeAndFailsAtTheProof() {
        ScramMechanism m = new ScramMechanism(USERS, false, () -> SERVER_NONCE);
        String one = s(((Step.Challenge) m.start(TLS).evaluate(b("n,,n=nobody,r=abc"))).data());
        String two = s(((Step.Challenge) m.start(TLS).evaluate(b("n,,n=nobody,r=abc"))).data());
        assertThat(one).isEqualTo(two).contains(",i=" + ScramCredential.DEFAULT_ITERATIONS);
        Exchange ex = m.start(TLS);
        ex.evaluate(b("n,,n=nobody,r=abc"));
        Step last = ex.evaluate(b("c=biws,r=abc" + SERVER_NONCE + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
        AuthFailure f = ((Step.Failure) last).failure();
        assertThat(f.kind()).isEqualTo(AuthFailure.Kind.INVALID_CREDENTIALS);
        assertThat(f.detail()).contains("unknown user");
    }

    @Test
    void aNonceThatIsNotTheExchangesOrAMissingProofIsMalformed() {
        Exchange ex = new ScramMechanism(USERS, false, () -> SERVER_NONCE).start(TLS);
        ex.evaluate(b(CLIENT_FIRST));
        assertThat(((Step.Failure) ex.evaluate(b(CLIENT_FINAL.replace("hvYD", "hvYE")))).failure().kind())
                .isEqualTo(AuthFailure.Kind.MALFORMED);
        Exchange ex2 = new ScramMechanism(USERS, false, () -> SERVER_NONCE).start(TLS);
        assertThat(((Step.Failure) ex2.evaluate(b("x,,n=user,r=abc"))).failure().kind()).isEqualTo(AuthFailure.Kind.MALFORMED);
        assertThat(((Step.Failure) new ScramMechanism(USERS, false).start(TLS).evaluate(b("n,,m=ext,n=user,r=abc"))).failure().kind())
                .isEqualTo(AuthFailure.Kind.UNSUPPORTED);
    }

    @Test
    void withChannelBindingPlusAuthenticatesOnlyWithThisConnectionsBinding() throws Exception {
        byte[] binding = new byte[32];
        binding[0] = 7;
        AuthContext bound = new AuthContext(InetAddress.getLoopbackAddress(), "mx.example.test", true, binding);
        ScramMechanism plus = new ScramMechanism(USERS, true, () -> SERVER_NONCE);
        assertThat(plus.available(bound)).isTrue();
        assertThat(plus.available(TLS)).isFalse();

        dev.baton.testing.ScramClient good = new dev.baton.testing.ScramClient("user", "pencil", "cn1", "p=tls-exporter,,", binding);
        Exchange ex = plus.start(bound);
        String serverFirst = s(((Step.Challenge) ex.evaluate(b(good.first()))).data());
        Step ok = ex.evaluate(b(good.last(serverFirst)));
        assertThat(good.verifies(s(((Step.Success) ok).finalData()))).isTrue();

        byte[] other = binding.clone();
        other[0] = 8;
        dev.baton.testing.ScramClient mitm = new dev.baton.testing.ScramClient("user", "pencil", "cn2", "p=tls-exporter,,", other);
        Exchange ex2 = plus.start(bound);
        String sf2 = s(((Step.Challenge) ex2.evaluate(b(mitm.first()))).data());
        assertThat(((Step.Failure) ex2.evaluate(b(mitm.last(sf2)))).failure().detail()).contains("channel binding does not match");
    }

    @Test
    void flagYWhereThisServerCouldBindIsADowngradeAndFails() {
        AuthContext bound = new AuthContext(InetAddress.getLoopbackAddress(), "mx.example.test", true, new byte[32]);
        Step s = new ScramMechanism(USERS, false).start(bound).evaluate(b("y,,n=user,r=abc"));
        assertThat(((Step.Failure) s).failure().detail()).contains("downgrade");
        assertThat(new ScramMechanism(USERS, false).start(TLS).evaluate(b("y,,n=user,r=abc"))).isInstanceOf(Step.Challenge.class);
    }
}
