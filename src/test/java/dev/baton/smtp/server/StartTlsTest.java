package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.SmtpTestClient.Reply;
import dev.baton.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 3207 STARTTLS, the protocols allowed, and the plaintext injection of CVE-2011-0411. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class StartTlsTest {

    @RegisterExtension
    final TestServer server = new TestServer();

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void starttlsWorksWith(String protocol) throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        assertThat(c.command("STARTTLS").status()).isEqualTo("220 2.0.0");
        SSLSession s = c.startTls(protocol);
        assertThat(s.getProtocol()).isEqualTo(protocol);
        Reply ehlo = c.command("EHLO client.example.test");
        assertThat(ehlo.code()).isEqualTo(250);
        assertThat(ehlo.lines()).doesNotContain("STARTTLS").contains("PIPELINING");
        assertThat(c.command("NOOP").code()).isEqualTo(250);
    }

    /**
     * A hand-made TLS 1.1 ClientHello (no supported_versions extension): the JDK client will
     * not even offer TLS 1.1, so the refusal is tested on the wire. The server must answer
     * with an alert or close, never with a ServerHello.
     */
    @Test
    void tls11IsRefused() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        assertThat(c.command("STARTTLS").code()).isEqualTo(220);
        c.sendRaw(tls11ClientHello());
        InputStream in = c.socket().getInputStream();
        int first;
        try {
            first = in.read();
        } catch (SocketException e) {
            first = -1; // reset: refused
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server neither answered nor closed after a TLS 1.1 ClientHello", e);
        }
        assertThat(first).as("first octet of the server's answer (0x15 alert, -1 closed; 0x16 would be a ServerHello)")
                .isIn(0x15, -1);
    }

    private static byte[] tls11ClientHello() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(new byte[] {3, 2}); // client_version TLS 1.1
        body.write(new byte[32]); // random
        body.write(0); // session id
        int[] suites = {0xC009, 0xC013, 0x002F, 0x0035};
        body.write(0);
        body.write(suites.length * 2);
        for (int s : suites) {
            body.write(s >> 8);
            body.write(s & 0xff);
        }
        body.write(new byte[] {1, 0}); // compression: null
        byte[] b = body.toByteArray();
        ByteArrayOutputStream rec = new ByteArrayOutputStream();
        rec.write(new byte[] {0x16, 3, 1, (byte) ((b.length + 4) >> 8), (byte) (b.length + 4)});
        rec.write(new byte[] {1, 0, (byte) (b.length >> 8), (byte) b.length});
        rec.write(b);
        return rec.toByteArray();
    }

    @Test
    void afterStarttlsTheClientMustEhloAgain() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        c.command("STARTTLS");
        c.startTls();
        assertThat(c.command("MAIL FROM:<a@sender.test>").code()).isEqualTo(503);
        assertThat(c.command("EHLO client.example.test").code()).isEqualTo(250);
        assertThat(c.command("MAIL FROM:<a@sender.test>").code()).isEqualTo(250);
    }

    @Test
    void starttlsForgetsTheTransactionStartedBefore() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("STARTTLS");
        c.startTls();
        c.command("EHLO client.example.test");
        assertThat(c.command("RCPT TO:<alice@example.test>").code()).isEqualTo(503);
    }

    @Test
    void commandsPipelinedBehindStarttlsNeverRunInsideTls() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        c.sendRaw("STARTTLS\r\nRSET\r\n");
        assertThat(c.read().status()).isEqualTo("220 2.0.0");
        c.startTls(); // fails if anything else came in plaintext after the 220
        Reply first = c.command("EHLO client.example.test");
        assertThat(first.code()).isEqualTo(250);
        assertThat(first.lines().get(0)).contains("Hello client.example.test");
        assertThat(first.lines()).contains("PIPELINING");
        assertThat(c.command("NOOP").text()).isEqualTo("2.0.0 OK");
    }

    @Test
    void injectedMailBehindStarttlsIsNotExecuted() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        c.sendRaw("STARTTLS\r\nMAIL FROM:<evil@x.test>\r\n");
        assertThat(c.read().code()).isEqualTo(220);
        c.startTls();
        c.command("EHLO client.example.test");
        assertThat(c.command("RCPT TO:<alice@example.test>").status()).isEqualTo("503 5.5.1");
    }

    @Test
    void starttlsTwiceIs503() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        c.command("STARTTLS");
        c.startTls();
        c.command("EHLO client.example.test");
        assertThat(c.command("STARTTLS").status()).isEqualTo("503 5.5.1");
    }

    @Test
    void starttlsBeforeEhloIs503() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        c.read();
        assertThat(c.command("STARTTLS").code()).isEqualTo(503);
    }

    @Test
    void starttlsWithArgumentIs501() throws Exception {
        server.start();
        assertThat(server.connectEhlo().command("STARTTLS now").status()).isEqualTo("501 5.5.4");
    }

    @Test
    void requiredTlsRefusesMailBeforeStarttlsWith530() throws Exception {
        server.vs("tls: {mode: required}").start();
        SmtpTestClient c = server.connectEhlo();
        assertThat(c.command("MAIL FROM:<a@sender.test>").status()).isEqualTo("530 5.7.0");
        c.command("STARTTLS");
        c.startTls();
        c.command("EHLO client.example.test");
        assertThat(c.command("MAIL FROM:<a@sender.test>").code()).isEqualTo(250);
    }

    @Test
    void receivedHeaderSaysEsmtpsWithTlsVersionAndCipher() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.command("STARTTLS");
        SSLSession s = c.startTls("TLSv1.3");
        c.command("EHLO client.example.test");
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        c.command("DATA");
        assertThat(c.command("Subject: tls\r\n\r\nsecret\r\n.").code()).isEqualTo(250);
        var m = server.queued().get(0);
        String content = server.content(m);
        String received = content.substring(0, content.indexOf("Subject:"));
        assertThat(received).startsWith("Received: from client.example.test ([127.0.0.1])")
                .contains("with ESMTPS id " + m.id())
                .contains("TLSv1.3")
                .contains(s.getCipherSuite());
        assertThat(m.envelope().protocol()).isEqualTo("ESMTPS");
        assertThat(m.envelope().tls()).contains("TLSv1.3").contains(s.getCipherSuite());
    }

    @Test
    void plaintextSessionHasNoTlsInTheReceivedHeader() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        c.command("DATA");
        c.command("Subject: plain\r\n\r\nhi\r\n.");
        String content = server.content(server.queued().get(0));
        assertThat(content).contains("with ESMTP id").doesNotContain("ESMTPS").doesNotContain("using TLS");
    }

    @Test
    void failedHandshakeDoesNotHurtTheListener() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        c.command("STARTTLS");
        c.sendRaw("this is not a TLS record\r\n");
        try {
            c.socket().getInputStream().readAllBytes(); // perhaps an alert, then the end
        } catch (SocketException e) {
            // reset: closed as well
        }
        assertThat(server.connectEhlo().command("NOOP").code()).isEqualTo(250);
    }

    @Test
    void aClientCannotRenegotiateTls12() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        assertThat(c.command("STARTTLS").code()).isEqualTo(220);
        javax.net.ssl.SSLSocket tls = c.startTls(java.util.List.of("TLSv1.2"), java.util.List.of());
        assertThat(c.command("EHLO client.test").code()).isEqualTo(250);
        // a second handshake on the same connection: the server refuses it and the connection ends
        assertThatThrownBy(() -> {
            tls.startHandshake();
            c.command("NOOP");
        }).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void cbcCipherSuitesAreNotAcceptedAndAeadOnesAre() throws Exception {
        server.start();
        SmtpTestClient cbc = server.connectEhlo();
        assertThat(cbc.command("STARTTLS").code()).isEqualTo(220);
        assertThatThrownBy(() -> cbc.startTls(java.util.List.of("TLSv1.2"),
                java.util.List.of("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
                        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA")))
                .isInstanceOf(javax.net.ssl.SSLException.class);

        SmtpTestClient gcm = server.connectEhlo();
        assertThat(gcm.command("STARTTLS").code()).isEqualTo(220);
        javax.net.ssl.SSLSocket tls = gcm.startTls(java.util.List.of("TLSv1.2"),
                java.util.List.of("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
        assertThat(tls.getSession().getCipherSuite()).contains("_GCM_");
        assertThat(gcm.command("EHLO client.test").code()).isEqualTo(250);
    }
}
