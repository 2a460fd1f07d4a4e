package dev.baton.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.queue.DeliveryOutcome;
import dev.baton.queue.Envelope;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import dev.baton.queue.RecipientId;
import dev.baton.queue.Spool;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalDeliveryQuotaTest {

    @TempDir
    Path dir;

    private QueuedMessage queue(Spool spool, String content, String... recipients) throws IOException {
        Envelope env = new Envelope("sender@origin.test", Stream.of(recipients).map(Recipient::of).toList(), "7BIT", false, null,
                null, 0, "client.test", "127.0.0.1", "ESMTP", null, null, "mx.baton.test", spool.clock().instant(), Map.of());
        Spool.Receipt r = spool.begin(env);
        r.content().write(content.getBytes(StandardCharsets.US_ASCII));
        return r.commit();
    }

    private static long filesIn(Path d) throws IOException {
        if (!Files.isDirectory(d)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.count();
        }
    }

    @Test
    void overQuotaRecipientFailsWith552WhileTheOthersAreDelivered() throws IOException {
        Spool spool = Spool.open(dir.resolve("spool"));
        Path root = dir.resolve("mailboxes");
        // fill alice's mailbox to 950 of 1000 octets: one file in cur/ (named with S=), one in new/ without
        Path cur = root.resolve("baton.test/alice/cur");
        Path fresh = root.resolve("baton.test/alice/new");
        Files.createDirectories(cur);
        Files.createDirectories(fresh);
        Files.write(cur.resolve("1.M1P1Q1.host,S=900:2,S"), new byte[900]);
        Files.write(fresh.resolve("2.M1P1Q2.host"), new byte[50]);

        QueuedMessage m = queue(spool, "Subject: big enough\r\n\r\n" + "x".repeat(100) + "\r\n", "alice@baton.test", "bob@baton.test");
        LocalDelivery local = new LocalDelivery(root, spool, 1000);
        DeliveryOutcome alice = local.deliver(m, RecipientId.of(1));
        DeliveryOutcome bob = local.deliver(m, RecipientId.of(2));

        assertThat(alice.kind()).isEqualTo(DeliveryOutcome.Kind.FAILED);
        assertThat(alice.reply()).isEqualTo("552 5.2.2 mailbox <alice@baton.test> is full (quota 1000 octets)");
        assertThat(bob.kind()).isEqualTo(DeliveryOutcome.Kind.DELIVERED);
        assertThat(filesIn(fresh)).isEqualTo(1);
        assertThat(filesIn(root.resolve("baton.test/alice/tmp"))).as("nothing left behind in tmp/").isZero();
        assertThat(filesIn(root.resolve("baton.test/bob/new"))).isEqualTo(1);
    }

    @Test
    void aMessageThatFitsExactlyIsDeliveredAndTheNextOneIsRefused() throws IOException {
        Spool spool = Spool.open(dir.resolve("spool"));
        Path root = dir.resolve("mailboxes");
        QueuedMessage m = queue(spool, "Subject: s\r\n\r\nbody\r\n", "carol@baton.test");
        // find out what one delivery stores, then allow exactly two
        Path probe = new Maildir(dir.resolve("probe")).deliver("Return-Path: <sender@origin.test>\r\nDelivered-To: carol@baton.test\r\n",
                new ByteArrayInputStream("Subject: s\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)));
        long one = Files.size(probe);
        LocalDelivery local = new LocalDelivery(root, spool, 2 * one);

        assertThat(local.deliver(m, RecipientId.of(1)).kind()).isEqualTo(DeliveryOutcome.Kind.DELIVERED);
        assertThat(local.deliver(m, RecipientId.of(1)).kind()).as("2 x size == quota: still fits").isEqualTo(DeliveryOutcome.Kind.DELIVERED);
        DeliveryOutcome third = local.deliver(m, RecipientId.of(1));
        assertThat(third.kind()).isEqualTo(DeliveryOutcome.Kind.FAILED);
        assertThat(third.reply()).startsWith("552 5.2.2 ");
        assertThat(local.maildirOf(Recipient.of("carol@baton.test")).usage()).isEqualTo(2 * one);
    }

    @Test
    void noQuotaMeansNoLimit() throws IOException {
        Spool spool = Spool.open(dir.resolve("spool"));
        QueuedMessage m = queue(spool, "Subject: s\r\n\r\n" + "y".repeat(5000) + "\r\n", "dave@baton.test");
        LocalDelivery local = new LocalDelivery(dir.resolve("mailboxes"), spool, 0);
        for (int i = 0; i < 3; i++) {
            assertThat(local.deliver(m, RecipientId.of(1)).kind()).isEqualTo(DeliveryOutcome.Kind.DELIVERED);
        }
        assertThatThrownBy(() -> new LocalDelivery(dir, spool, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void usageCountsNewAndCurByTheSizeInTheNameOrOnDisk() throws IOException {
        Maildir box = new Maildir(dir.resolve("box"));
        assertThat(box.usage()).isZero();
        Files.createDirectories(box.path().resolve("cur"));
        Files.createDirectories(box.path().resolve("tmp"));
        Files.write(box.path().resolve("cur").resolve("a,S=123:2,RS"), new byte[3]); // the name is believed
        Files.write(box.path().resolve("cur").resolve("b:2,"), new byte[7]);
        Files.write(box.path().resolve("tmp").resolve("c"), new byte[1000]); // not counted
        assertThat(box.usage()).isEqualTo(130);
    }
}
