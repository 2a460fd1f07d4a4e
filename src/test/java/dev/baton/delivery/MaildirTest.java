package dev.baton.delivery;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaildirTest {

    @TempDir
    Path dir;

    private static List<Path> files(Path d) throws IOException {
        if (!Files.isDirectory(d)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.sorted().toList();
        }
    }

    @Test
    void deliveryWritesThroughTmpIntoNewUnderUniqueNames() throws Exception {
        Maildir box = new Maildir(dir.resolve("box"));
        Set<String> names = Collections.synchronizedSet(new HashSet<>());
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 50; i++) {
                int n = i;
                pool.submit(() -> {
                    Path p = box.deliver("X-N: " + n + "\r\n", new ByteArrayInputStream("body\r\n".getBytes(StandardCharsets.US_ASCII)));
                    names.add(p.getFileName().toString());
                    return p;
                });
            }
        }
        assertThat(names).hasSize(50);
        assertThat(files(box.path().resolve("new"))).hasSize(50)
                .allSatisfy(p -> assertThat(p.getFileName().toString()).matches("\\d+\\.M\\d+P\\d+Q\\d+\\..+,S=\\d+"));
        assertThat(files(box.path().resolve("tmp"))).isEmpty();
        assertThat(files(box.path().resolve("cur"))).isEmpty();
        Path one = files(box.path().resolve("new")).get(0);
        assertThat(one.getFileName().toString()).endsWith(",S=" + Files.size(one));
    }

    @Test
    void localDeliveryPutsReturnPathAndDeliveredToFirstWithLfLineEndingsAndDotsIntact() throws IOException {
        Spool spool = Spool.open(dir.resolve("spool"));
        Envelope env = new Envelope("sender@origin.test", List.of(Recipient.of("Bob@baton.test")), "8BITMIME", false, null, null, 0,
                "client.test", "127.0.0.1", "ESMTP", null, null, "mx.baton.test", spool.clock().instant(), Map.of());
        String content = "Subject: dots\r\n\r\n.\r\n..\r\n.hidden\r\nlast line\r\n";
        Spool.Receipt r = spool.begin(env);
        r.content().write(content.getBytes(StandardCharsets.US_ASCII));
        QueuedMessage m = r.commit();

        LocalDelivery local = new LocalDelivery(dir.resolve("mailboxes"), spool);
        var outcome = local.deliver(m, RecipientId.of(1));
        assertThat(outcome.kind()).isEqualTo(dev.baton.queue.DeliveryOutcome.Kind.DELIVERED);

        List<Path> delivered = files(dir.resolve("mailboxes").resolve("baton.test").resolve("bob").resolve("new"));
        assertThat(delivered).hasSize(1);
        String text = Files.readString(delivered.get(0), StandardCharsets.US_ASCII);
        assertThat(text).isEqualTo("Return-Path: <sender@origin.test>\nDelivered-To: Bob@baton.test\n"
                + "Subject: dots\n\n.\n..\n.hidden\nlast line\n");
        assertThat(text).doesNotContain("\r");
    }

    @Test
    void localDeliveryIsDeferredWhenTheMailboxCannotBeWritten() throws IOException {
        Spool spool = Spool.open(dir.resolve("spool"));
        Envelope env = new Envelope("", List.of(Recipient.of("bob@baton.test")), "7BIT", false, null, null, 0,
                "client.test", "127.0.0.1", "ESMTP", null, null, "mx.baton.test", spool.clock().instant(), Map.of());
        Spool.Receipt r = spool.begin(env);
        r.content().write("x\r\n".getBytes(StandardCharsets.US_ASCII));
        QueuedMessage m = r.commit();
        Files.writeString(dir.resolve("not-a-dir"), "file");

        var outcome = new LocalDelivery(dir.resolve("not-a-dir"), spool).deliver(m, RecipientId.of(1));
        assertThat(outcome.kind()).isEqualTo(dev.baton.queue.DeliveryOutcome.Kind.DEFERRED);
        assertThat(outcome.reply()).startsWith("451 4.3.0");
    }

    @Test
    void lfConversionOnlyTouchesCrlfPairs() throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        long n = Maildir.copyWithoutCr(new ByteArrayInputStream("a\r\nb\rc\r".getBytes(StandardCharsets.US_ASCII)), out);
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("a\nb\rc\r");
        assertThat(n).isEqualTo(6);
    }

    @Test
    void folderNameEscapesSlashesDotDotAndUnusualCharacters() {
        assertThat(Maildir.folderName("Alice.Smith+tag")).isEqualTo("alice.smith+tag");
        assertThat(Maildir.folderName("a/b")).isEqualTo("a%2Fb");
        assertThat(Maildir.folderName("a%2Fb")).isEqualTo("a%252fb"); // lower-cased, then escaped: no collision with "a/b"
        assertThat(Maildir.folderName("..")).isEqualTo("%2E.");
        assertThat(Maildir.folderName(".")).isEqualTo("%2E");
        assertThat(Maildir.folderName("\"../../etc\"")).isEqualTo("%2E.%2F..%2Fetc");
        assertThat(Maildir.folderName("j\u00f6rg")).isEqualTo("j%C3%B6rg");
        assertThat(Maildir.folderName("a\\b c")).isEqualTo("a%5Cb%20c");
        assertThat(Maildir.folderName("\"\"")).isNotEmpty();
        for (String lp : List.of("a/b", "..", ".", "../../etc", "\"../../etc\"", "\"\"", "a\u0000b", "C:\\x", "~root")) {
            String f = Maildir.folderName(lp);
            assertThat(f).as(lp).isNotEmpty().doesNotContain("/", "\\", "\u0000").isNotIn(".", "..").doesNotStartWith(".");
        }
    }

    @Test
    void noLocalPartOrDomainLeavesTheMailboxRoot() throws IOException {
        Path root = dir.resolve("mailboxes");
        LocalDelivery local = new LocalDelivery(root, null);
        List<String> hostile = new ArrayList<>(List.of("../../etc@baton.test", "\"../../etc\"@baton.test", "..@baton.test",
                "\"/etc/passwd\"@baton.test", "\"\"@baton.test", "x@..", "x@../../tmp", ".@."));
        for (String address : hostile) {
            Path box = local.maildirOf(Recipient.of(address)).path();
            assertThat(box.normalize()).as(address).isEqualTo(box);
            assertThat(box.getParent().getParent()).as(address).isEqualTo(root);
        }
    }
}
