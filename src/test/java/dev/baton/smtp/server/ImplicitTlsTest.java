package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.SmtpTestClient.Reply;
import dev.baton.testing.TestServer;
import java.io.InputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** RFC 8314 implicit TLS (port 465 style): the handshake comes first, the greeting inside it. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ImplicitTlsTest {

    @RegisterExtension
    final TestServer server = new TestServer().vs("tls: { mode: implicit }");

    @Test
    void theGreetingComesInsideTlsAndStarttlsIsNeitherOfferedNorNeeded() throws Exception {
        server.start();
        SmtpTestClient c = SmtpTestClient.connectTls(server.port());
        assertThat(((SSLSocket) c.socket()).getSession().getProtocol()).isIn("TLSv1.2", "TLSv1.3");
        assertThat(c.read().code()).isEqualTo(220);
        Reply ehlo = c.command("EHLO client.example.test");
        assertThat(ehlo.code()).isEqualTo(250);
        // inside TLS from the start: basic mechanisms are offered, STARTTLS is not
        assertThat(ehlo.lines()).noneMatch(l -> l.contains("STARTTLS")).anyMatch(l -> l.startsWith("AUTH") && l.contains("PLAIN"));
        assertThat(c.command("STARTTLS").status()).isEqualTo("503 5.5.1"); // TLS already active
        c.transaction("sender@client.test", "bob@example.test");
        assertThat(c.data("Subject: implicit\r\n\r\nhello\r\n").code()).isEqualTo(250);
        assertThat(server.queued()).singleElement()
                .satisfies(m -> assertThat(m.envelope().tls()).as("the envelope records the TLS").isNotNull());
    }

    @Test
    void aClientThatSpeaksPlaintextGetsNoReplyAndIsClosed() throws Exception {
        server.start();
        SmtpTestClient c = SmtpTestClient.connect(server.port());
        c.readTimeout(Duration.ofSeconds(10));
        c.sendRaw("EHLO client.example.test\r\n");
        InputStream in = c.socket().getInputStream();
        byte[] got = new byte[512];
        int n;
        try {
            n = in.read(got);
        } catch (SocketException e) {
            n = -1; // reset: closed
        }
        // nothing SMTP in plaintext: at most a TLS alert record (content type 21), then the close
        if (n > 0) {
            assertThat(got[0]).as("first octet: a TLS alert, not \"%s\"", new String(got, 0, n, StandardCharsets.ISO_8859_1))
                    .isEqualTo((byte) 0x15);
        }
        assertThat(c.isClosedByServer()).isTrue();
    }

    @Test
    void authPlainWorksWithoutStarttlsBecauseTheSessionIsAlreadyInsideTls() throws Exception {
        server.organization("""
                organization: { name: "example.test", acceptedDomains: ["example.test"] }
                servers:
                  - { name: "mx", fqdn: "mx.example.test", virtualServers: ["default"] }
                users: []
                rights: []
                """);
        server.start();
        SmtpTestClient c = SmtpTestClient.connectTls(server.port());
        assertThat(c.read().code()).isEqualTo(220);
        c.command("EHLO client.example.test").expect(250);
        String creds = Base64.getEncoder().encodeToString("\0nobody\0wrong".getBytes(StandardCharsets.UTF_8));
        // accepted for an exchange (not 538 "encryption required"): the credentials are what fail
        assertThat(c.command("AUTH PLAIN " + creds).status()).isEqualTo("535 5.7.8");
    }
}
