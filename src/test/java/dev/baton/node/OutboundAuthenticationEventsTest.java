package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.auth.AuthFailure;
import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigLoader;
import dev.baton.config.EventSettings;
import dev.baton.events.Category;
import dev.baton.events.DiagnosticLevel;
import dev.baton.events.EventLog;
import dev.baton.events.LoggedEvent;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What delivery's failed authentications to organization servers become in the event log. */
class OutboundAuthenticationEventsTest {

    @TempDir
    Path data;

    private List<LoggedEvent> report(AuthFailure.SecurityError security) throws Exception {
        BatonConfig config = ConfigLoader.parse("""
                server: {fqdn: mx1.baton.test}
                acceptedDomains: [example.test]
                routes:
                  - {domain: example.test, transport: local}
                virtualServers:
                  - {name: default, address: 127.0.0.1, port: 0}
                """, "test");
        EventLog log = EventLog.open(data, "mx1", List.of("default"), EventSettings.DEFAULT, Clock.systemUTC());
        log.setLevel(Category.AUTHENTICATION, "default", DiagnosticLevel.MINIMUM);
        new EventReports(log, config).authenticationFailed("Q1", 4, "mx2.baton.test[127.0.0.1]:25", "X-EXPS GSSAPI",
                security == null ? "535 5.7.3 Authentication unsuccessful" : "stale keytab", security);
        log.close();
        return AuthenticationTest.events(data).stream().filter(e -> e.id() == 7006 || e.id() == 1706).toList();
    }

    @Test
    void aRefusalIs7006WithThePeersReply() throws Exception {
        assertThat(report(null)).singleElement().satisfies(e -> {
            assertThat(e.id()).isEqualTo(7006);
            assertThat(e.text()).contains("\"mx2.baton.test[127.0.0.1]:25\"", "connection #4", "\"X-EXPS GSSAPI\"",
                    "535 5.7.3");
        });
    }

    @Test
    void aFailureOnThisSideIs7006And1706WithTheSecurityError() throws Exception {
        List<LoggedEvent> events = report(new AuthFailure.SecurityError("0x8009030c", "SEC_E_LOGON_DENIED",
                "AcquireCredentialsHandle", "Pre-authentication information was invalid (24)"));
        assertThat(events).extracting(LoggedEvent::id).containsExactly(7006, 1706);
        assertThat(events.get(1).text()).contains("Kerberos called AcquireCredentialsHandle", "0x8009030c",
                "SEC_E_LOGON_DENIED", "(24)");
    }
}
