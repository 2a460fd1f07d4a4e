package dev.baton.auth.kerberos;

import static dev.baton.auth.kerberos.GssapiTest.context;
import static dev.baton.auth.kerberos.GssapiTest.failureOf;
import static dev.baton.auth.kerberos.GssapiTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.baton.auth.AuthFailure;
import dev.baton.auth.ClientExchange;
import dev.baton.auth.Exchange;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each cause of a failed Kerberos authentication has its own SSPI code for event 1706. */
class KerberosFailureTest {

    private static TestRealms realms;

    @TempDir
    Path tmp;

    @BeforeAll
    static void realms() {
        realms = TestRealms.get();
    }

    private InitiatorLogin sender() throws Exception {
        String sender = TestRealms.host("baton.test");
        Path keytab = realms.baton.addServer(sender, tmp.resolve("sender.keytab"));
        return InitiatorLogin.start(realms.baton.serverPrincipal(sender), keytab);
    }

    private AuthFailure acceptorFailure(String receiver, ServiceKeytab keytab, String ticketFor) throws Exception {
        try (InitiatorLogin login = sender();
             ClientExchange client = new GssapiClientMechanism(login).start(ticketFor);
             Exchange server = new GssapiServerMechanism(keytab).start(context(receiver))) {
            return failureOf(run(client, server).last());
        }
    }

    private static void assertCode(AuthFailure f, KerberosCause cause, String code, String name) {
        assertThat(f.security()).as(f.toString()).isNotNull();
        assertThat(f.security().code()).as(f.toString()).isEqualTo(code);
        assertThat(f.security().name()).isEqualTo(name);
        assertThat(f.kind()).isEqualTo(cause.kind());
        assertThat(f.detail()).startsWith(cause.summary());
    }

    @Test
    void aMissingKeytabIsNoCredentials() throws Exception {
        String receiver = TestRealms.host("baton.test");
        realms.baton.addPrincipal(realms.baton.serverPrincipal(receiver));
        AuthFailure f = acceptorFailure(receiver, new ServiceKeytab(tmp.resolve("absent.keytab"), TestRealms.BATON), receiver);
        assertCode(f, KerberosCause.KEYTAB_MISSING, "0x8009030e", "SEC_E_NO_CREDENTIALS");
        assertThat(f.security().operation()).isEqualTo("AcquireCredentialsHandle");
        assertThat(f.kind()).isEqualTo(AuthFailure.Kind.UNSUPPORTED);
    }

    @Test
    void aKeytabWithoutThePrincipalsKeyIsNoKerberosKey() throws Exception {
        String receiver = TestRealms.host("baton.test");
        String other = TestRealms.host("baton.test");
        realms.baton.addPrincipal(realms.baton.serverPrincipal(receiver));
        Path othersKeytab = realms.baton.addServer(other, tmp.resolve("other.keytab"));
        AuthFailure f = acceptorFailure(receiver, new ServiceKeytab(othersKeytab, TestRealms.BATON), receiver);
        assertCode(f, KerberosCause.NO_KEY, "0x80090361", "SEC_E_NO_KERB_KEY");
    }

    @Test
    void aKeytabFromBeforeTheKeyChangedIsLogonDenied() throws Exception {
        String receiver = TestRealms.host("baton.test");
        Path stale = realms.baton.addServer(receiver, tmp.resolve("receiver.keytab"));
        realms.baton.rekey(realms.baton.serverPrincipal(receiver));
        assertThat(realms.baton.keyVersion(realms.baton.serverPrincipal(receiver))).isEqualTo(2);
        AuthFailure f = acceptorFailure(receiver, new ServiceKeytab(stale, TestRealms.BATON), receiver);
        assertCode(f, KerberosCause.STALE_KEY, "0x8009030c", "SEC_E_LOGON_DENIED");
        assertThat(f.security().operation()).isEqualTo("AcceptSecurityContext");
        assertThat(f.detail()).contains("key version 2");
    }

    @Test
    void aTicketForAnotherServerIsWrongPrincipal() throws Exception {
        String receiver = TestRealms.host("baton.test");
        String other = TestRealms.host("baton.test");
        Path keytab = realms.baton.addServer(receiver, tmp.resolve("receiver.keytab"));
        realms.baton.addPrincipal(realms.baton.serverPrincipal(other));
        AuthFailure f = acceptorFailure(receiver, new ServiceKeytab(keytab, TestRealms.BATON), other);
        assertCode(f, KerberosCause.WRONG_PRINCIPAL, "0x80090322", "SEC_E_WRONG_PRINCIPAL");
        assertThat(f.detail()).contains("smtp/" + other).contains(receiver);
    }

    @Test
    void aServicePrincipalTheKdcDoesNotKnowIsTargetUnknown() throws Exception {
        String nobody = TestRealms.host("baton.test");
        try (InitiatorLogin login = sender();
             ClientExchange client = new GssapiClientMechanism(login).start(nobody)) {
            KerberosException e = catchThrowableOfType(KerberosException.class, client::initialResponse);
            assertCode(e.failure(), KerberosCause.PRINCIPAL_UNKNOWN, "0x80090303", "SEC_E_TARGET_UNKNOWN");
            assertThat(e.failure().security().operation()).isEqualTo("InitializeSecurityContext");
            assertThat(e.failure().security().underlying()).contains("(7)");
        }
    }

    @Test
    void aKdcThatDoesNotAnswerIsNoAuthenticatingAuthority() {
        KerberosException e = catchThrowableOfType(KerberosException.class,
                () -> InitiatorLogin.start(realms.deadPrincipal, realms.deadKeytab));
        assertCode(e.failure(), KerberosCause.KDC_UNREACHABLE, "0x80090311", "SEC_E_NO_AUTHENTICATING_AUTHORITY");
        assertThat(e.failure().kind()).isEqualTo(AuthFailure.Kind.TEMPORARY);
    }

    @Test
    void clocksTooFarApartAreTimeSkew() throws Exception {
        String sender = TestRealms.host("skew.test");
        String receiver = TestRealms.host("skew.test");
        Path keytab = realms.skew.addServer(sender, tmp.resolve("sender.keytab"));
        realms.skew.addPrincipal(realms.skew.serverPrincipal(receiver));
        try (InitiatorLogin login = InitiatorLogin.start(realms.skew.serverPrincipal(sender), keytab);
             ClientExchange client = new GssapiClientMechanism(login).start(receiver)) {
            KerberosException e = catchThrowableOfType(KerberosException.class, client::initialResponse);
            assertCode(e.failure(), KerberosCause.CLOCK_SKEW, "0x80090324", "SEC_E_TIME_SKEW");
            assertThat(e.failure().security().underlying()).contains("(37)");
        }
    }

    @Test
    void aSendersOwnMissingKeytabIsNoCredentialsAtLogin() {
        KerberosException e = catchThrowableOfType(KerberosException.class,
                () -> InitiatorLogin.start("smtp/mx0.baton.test@BATON.TEST", tmp.resolve("none.keytab")));
        assertCode(e.failure(), KerberosCause.KEYTAB_MISSING, "0x8009030e", "SEC_E_NO_CREDENTIALS");
    }

    @Test
    void aSendersStaleKeytabIsLogonDeniedAtLogin() throws Exception {
        String sender = TestRealms.host("baton.test");
        Path keytab = realms.baton.addServer(sender, tmp.resolve("sender.keytab"));
        realms.baton.rekey(realms.baton.serverPrincipal(sender));
        KerberosException e = catchThrowableOfType(KerberosException.class,
                () -> InitiatorLogin.start(realms.baton.serverPrincipal(sender), keytab));
        assertCode(e.failure(), KerberosCause.STALE_KEY, "0x8009030c", "SEC_E_LOGON_DENIED");
    }
}
