package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.SmtpTestClient.Reply;
import dev.baton.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Input that is wrong in ways a careless or hostile client produces: bad UTF-8, bad literals, probing for users. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MalformedInputTest {

    @RegisterExtension
    final TestServer server = new TestServer();

    private static byte[] bytes(String before, int[] raw, String after) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(before.getBytes(StandardCharsets.UTF_8));
        for (int x : raw) {
            b.write(x);
        }
        b.writeBytes(after.getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }

    @Test
    void aRecipientThatIsNotValidUtf8IsRefusedNotMergedWithAnother() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        assertThat(c.command("MAIL FROM:<a@sender.test> SMTPUTF8").code()).isEqualTo(250);
        // 0xC3 0x28: a lead octet without its continuation; 0xFF never occurs in UTF-8
        c.sendRaw(bytes("RCPT TO:<j", new int[] {0xC3, 0x28}, "@example.test>\r\n"));
        assertThat(c.read().status()).isEqualTo("553 5.6.7");
        c.sendRaw(bytes("RCPT TO:<j", new int[] {0xFF}, "@example.test>\r\n"));
        assertThat(c.read().status()).isEqualTo("553 5.6.7");
        assertThat(c.command("RCPT TO:<j\u00e9@example.test>").code()).as("valid UTF-8 still works").isEqualTo(250);
    }

    @Test
    void aSenderThatIsNotValidUtf8Is553AndAnEhloNameIs501() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        c.read();
        c.sendRaw(bytes("EHLO h", new int[] {0xE2, 0x82}, ".test\r\n"));
        Reply ehlo = c.read(); // before a successful EHLO: no enhanced code shown
        assertThat(ehlo.code()).isEqualTo(501);
        assertThat(ehlo.text()).contains("not valid UTF-8");
        assertThat(c.command("EHLO client.test").code()).isEqualTo(250);
        c.sendRaw(bytes("MAIL FROM:<", new int[] {0xC0, 0xAF}, "@sender.test> SMTPUTF8\r\n")); // overlong "/"
        assertThat(c.read().status()).isEqualTo("553 5.6.7");
    }

    @Test
    void malformedIpv6LiteralsAreRefusedInEhloAndAddresses() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        c.read();
        // before a successful EHLO: no enhanced code shown
        assertThat(c.command("EHLO [IPv6:::::::::::::::]").text()).startsWith("Syntax error");
        assertThat(c.command("EHLO [IPv6:1::2::3]").code()).isEqualTo(501);
        assertThat(c.command("EHLO [IPv6:2001:db8::1]").code()).isEqualTo(250);
        assertThat(c.command("MAIL FROM:<a@[IPv6:::::::::::::::]>").status()).isEqualTo("501 5.1.7");
        assertThat(c.command("MAIL FROM:<a@[IPv6:::1]>").code()).isEqualTo(250);
    }

    @Test
    void probingForUsersIsSlowedAndCutOff() throws Exception {
        server.root("mailboxes: {users: [alice]}")
                .limits("unknownRecipientDelay: 200ms\nmaxUnknownRecipients: 3\nmaxErrors: 100").holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.readTimeout(Duration.ofSeconds(10));
        assertThat(c.command("MAIL FROM:<a@sender.test>").code()).isEqualTo(250);
        assertThat(c.command("RCPT TO:<alice@example.test>").code()).isEqualTo(250);
        long start = System.nanoTime();
        assertThat(c.command("RCPT TO:<bob@example.test>").status()).isEqualTo("550 5.1.1");
        assertThat(c.command("RCPT TO:<carol@example.test>").status()).isEqualTo("550 5.1.1");
        c.sendRaw("RCPT TO:<dave@example.test>\r\n");
        assertThat(c.read().status()).isEqualTo("550 5.1.1");
        Reply closing = c.read();
        // 200 ms, then 400 ms, then 600 ms
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1200));
        assertThat(closing.status()).isEqualTo("421 4.7.0");
        assertThat(closing.text()).contains("unknown recipients");
        assertThat(c.isClosedByServer()).isTrue();
    }

    @Test
    void percentHackBangPathAndQuotedAddressesInAnAcceptedDomainAreRefusedAsRelaying() throws Exception {
        server.holdDelivery().start(); // Maildirs made on demand: any plain local part is accepted
        SmtpTestClient c = server.connectEhlo();
        assertThat(c.command("MAIL FROM:<a@sender.test>").code()).isEqualTo(250);
        assertThat(c.command("RCPT TO:<relaytest%elsewhere.test@example.test>").status()).isEqualTo("550 5.7.1");
        assertThat(c.command("RCPT TO:<elsewhere.test!relaytest@example.test>").status()).isEqualTo("550 5.7.1");
        assertThat(c.command("RCPT TO:<\"relaytest@elsewhere.test\"@example.test>").status()).isEqualTo("550 5.7.1");
        assertThat(c.command("RCPT TO:<@example.test:relaytest@elsewhere.test>").status()).isEqualTo("550 5.7.1");
        assertThat(c.command("RCPT TO:<relaytest@example.test>").code()).isEqualTo(250);
    }
}
