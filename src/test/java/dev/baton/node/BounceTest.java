package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.config.ConfigLoader;
import dev.baton.testing.Eventually;
import dev.baton.testing.SmtpTestClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A recipient that fails for good gets its sender a DSN, through the same queue; the others are delivered. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BounceTest {

    @TempDir
    Path dir;

    private static final String CONFIG = """
            server: { fqdn: mx.example.test }
            acceptedDomains: [example.test]
            virtualServers: [{ name: default, port: 0, tls: { mode: off } }]
            mailboxes: { quota: 16KiB }
            """;

    @Test
    void aRecipientOverItsQuotaBouncesAloneAndTheSenderGetsADsn() throws Exception {
        try (BatonNode node = BatonNode.start(ConfigLoader.parse(CONFIG, "test"), dir)) {
            Path boxes = dir.resolve("mailboxes").resolve("example.test");
            // fill bob's mailbox close to its quota
            Files.createDirectories(boxes.resolve("bob").resolve("new"));
            Files.write(boxes.resolve("bob").resolve("new").resolve("1.M1P1Q1.host,S=16000"), new byte[16000]);

            try (SmtpTestClient c = SmtpTestClient.connect(node.smtpPort())) {
                c.greetAndEhlo();
                c.command("MAIL FROM:<alice@example.test> ENVID=msg+2D1").expect(250);
                c.command("RCPT TO:<bob@example.test> NOTIFY=FAILURE ORCPT=rfc822;bob@example.test").expect(250);
                c.command("RCPT TO:<carol@example.test>").expect(250);
                c.data("Subject: quarterly figures\r\nMessage-ID: <q1@example.test>\r\n\r\n" + "x".repeat(500) + "\r\n").expect(250);
            }

            Path dsn = await(boxes.resolve("alice").resolve("new"));
            String text = Files.readString(dsn);
            assertThat(text).contains("Return-Path: <>", "Content-Type: multipart/report", "report-type=delivery-status",
                    "Reporting-MTA: dns; mx.example.test", "Original-Envelope-Id: msg-1",
                    "Final-Recipient: rfc822; bob@example.test", "Original-Recipient: rfc822; bob@example.test",
                    "Action: failed", "Status: 5.2.2", "Diagnostic-Code: X-Baton; the recipient's mailbox is full",
                    "Subject: quarterly figures");
            assertThat(text).doesNotContain("carol@example.test>\nAction");
            assertThat(await(boxes.resolve("carol").resolve("new"))).exists();
            awaitEmptyQueue(node);
        }
    }

    @Test
    void aDsnItselfNeverBounces() throws Exception {
        try (BatonNode node = BatonNode.start(ConfigLoader.parse(CONFIG, "test"), dir)) {
            Path boxes = dir.resolve("mailboxes").resolve("example.test");
            Files.createDirectories(boxes.resolve("bob").resolve("new"));
            Files.write(boxes.resolve("bob").resolve("new").resolve("1.M1P1Q1.host,S=16384"), new byte[16384]);
            try (SmtpTestClient c = SmtpTestClient.connect(node.smtpPort())) {
                c.greetAndEhlo();
                c.transaction("", "bob@example.test");
                c.data("Subject: a bounce\r\n\r\nbody\r\n").expect(250);
            }
            awaitEmptyQueue(node);
            try (Stream<Path> all = Files.walk(dir.resolve("mailboxes"))) {
                assertThat(all.filter(Files::isRegularFile).toList()).as("only bob's filler; no DSN to <>").hasSize(1);
            }
        }
    }

    private static Path await(Path newDir) {
        return Eventually.fileIn(newDir);
    }

    private static void awaitEmptyQueue(BatonNode node) {
        Eventually.eventually(() -> assertThat(node.spool().list()).as("queue after all outcomes are final").isEmpty());
    }
}
