package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.config.ConfigLoader;
import dev.baton.testing.SmtpTestClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The address-to-user map of local delivery: aliases land in their user's Maildir; unknown addresses are refused. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AliasTest {

    @TempDir
    Path dir;

    @Test
    void anAliasIsAcceptedAndLandsInItsUsersMaildir() throws Exception {
        try (BatonNode node = BatonNode.start(ConfigLoader.parse("""
                server: { fqdn: mx.example.test }
                acceptedDomains: [example.test]
                virtualServers: [{ name: default, port: 0, tls: { mode: off } }]
                mailboxes:
                  users: [alice, bob]
                  aliases: { sales: bob, "Info@example.test": alice }
                """, "test"), dir);
             SmtpTestClient c = SmtpTestClient.connect(node.smtpPort())) {
            c.greetAndEhlo();
            c.command("MAIL FROM:<x@sender.test>").expect(250);
            c.command("RCPT TO:<sales@example.test>").expect(250);
            c.command("RCPT TO:<info@example.test>").expect(250);
            assertThat(c.command("RCPT TO:<nobody@example.test>").status()).isEqualTo("550 5.1.1");
            c.data("Subject: aliases\r\n\r\nhi\r\n").expect(250);

            Path bob = TwoServerRelayTest.await(dir.resolve("mailboxes/example.test/bob/new"));
            Path alice = TwoServerRelayTest.await(dir.resolve("mailboxes/example.test/alice/new"));
            assertThat(Files.readString(bob)).contains("Delivered-To: bob@example.test", "Subject: aliases");
            assertThat(Files.readString(alice)).contains("Delivered-To: alice@example.test");
            assertThat(dir.resolve("mailboxes/example.test/sales")).doesNotExist();
        }
    }
}
