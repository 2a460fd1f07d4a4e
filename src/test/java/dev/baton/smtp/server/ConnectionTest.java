package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.mail.Principal;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** The reset rules of connection-scoped state, one method each. */
class ConnectionTest {

    private final Connection conn = new Connection(7, InetAddress.getLoopbackAddress());

    @Test
    void startingTlsForgetsHeloEsmtpAndPrincipalButKeepsTheErrorCount() {
        conn.greeted("client.example.test", true);
        conn.authenticated(new Principal.User("alice@example.test", "PLAIN"));
        conn.countError();
        conn.countError();
        conn.tlsStarted("TLSv1.3 with cipher TLS_AES_128_GCM_SHA256", null);
        assertThat(conn.heloName()).isNull();
        assertThat(conn.esmtp()).isFalse();
        assertThat(conn.principal()).isEqualTo(Principal.ANONYMOUS);
        assertThat(conn.errors()).isEqualTo(2);
        assertThat(conn.tlsActive()).isTrue();
        assertThat(conn.tlsDescription()).isEqualTo("TLSv1.3 with cipher TLS_AES_128_GCM_SHA256");
    }

    @Test
    void aNewGreetingReplacesNameAndEsmtpAndKeepsThePrincipal() {
        Principal alice = new Principal.User("alice@example.test", "PLAIN");
        conn.greeted("one.example.test", true);
        conn.authenticated(alice);
        conn.greeted("two.example.test", false);
        assertThat(conn.heloName()).isEqualTo("two.example.test");
        assertThat(conn.esmtp()).isFalse();
        assertThat(conn.principal()).isEqualTo(alice);
    }

    @Test
    void sessionInfoFollowsEveryChange() {
        assertThat(conn.info().heloName()).isNull();
        assertThat(conn.info().principal()).isEqualTo(Principal.ANONYMOUS);
        conn.greeted("client.example.test", true);
        assertThat(conn.info().heloName()).isEqualTo("client.example.test");
        Principal server = new Principal.Server("smtp/mx2.example.test", "GSSAPI");
        conn.authenticated(server);
        assertThat(conn.info().principal()).isEqualTo(server);
        conn.tlsStarted("TLSv1.2 with cipher X", null);
        assertThat(conn.info().tls()).isTrue();
        assertThat(conn.info().heloName()).isNull();
        assertThat(conn.info().principal()).isEqualTo(Principal.ANONYMOUS);
        assertThat(conn.info().connection()).isEqualTo(7);
        assertThat(conn.info().client()).isEqualTo(InetAddress.getLoopbackAddress());
    }
}
