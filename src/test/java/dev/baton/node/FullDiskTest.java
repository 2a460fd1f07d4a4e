package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.queue.Envelope;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import dev.baton.queue.Spool;
import dev.baton.testing.LimitedFileChannel;
import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.SmtpTestClient.Reply;
import dev.baton.testing.TestConfigs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk never turns into a 250: the client gets 452 4.3.1, nothing of the message stays
 * in the spool, and the session goes on (the next message, with room on the disk, is queued).
 */
class FullDiskTest {

    private static final String FROM = "sender@origin.test";
    private static final String TO = "user@baton.test";

    @TempDir
    Path dataDir;

    private BatonNode node;

    /** Opens spool files; each planned entry makes one file fail: -1 at creation, n after n octets. */
    static final class FaultyDisk implements Spool.FileOpener {
        final Deque<Long> plans = new ConcurrentLinkedDeque<>();

        @Override
        public FileChannel createNew(Path path) throws IOException {
            Long plan = plans.poll();
            if (plan != null && plan < 0) {
                throw new IOException(LimitedFileChannel.ENOSPC);
            }
            FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return plan == null ? ch : new LimitedFileChannel(ch, plan);
        }
    }

    private final FaultyDisk disk = new FaultyDisk();

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private SmtpTestClient start() throws IOException {
        node = BatonNode.start(TestConfigs.keepingMessages(dataDir, "10MiB"), dataDir, disk);
        return connect(node.smtpPort());
    }

    /** Connected, greeted, and past EHLO client.test (the name the header sizing below assumes). */
    private static SmtpTestClient connect(int port) throws IOException {
        SmtpTestClient c = SmtpTestClient.connect(port);
        try {
            c.readTimeout(Duration.ofSeconds(20));
            c.greetAndEhlo("client.test").expect(250);
            return c;
        } catch (IOException e) {
            c.close();
            throw e;
        }
    }

    private static void sendBdat(SmtpTestClient c, String args, byte[] chunk) throws IOException {
        c.sendRaw("BDAT " + args + "\r\n");
        c.sendRaw(chunk);
    }

    private static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    private void assertSpoolEmpty(Path spoolRoot) throws IOException {
        assertThat(entries(spoolRoot.resolve("incoming"))).as("incoming/").isEmpty();
        assertThat(entries(spoolRoot.resolve("queue"))).as("queue/").isEmpty();
    }

    private void assertOnlyQueued(Path spoolRoot, String id, String uniqueId) throws IOException {
        assertThat(entries(spoolRoot.resolve("incoming"))).as("incoming/").isEmpty();
        assertThat(entries(spoolRoot.resolve("queue"))).as("queue/").containsExactly(id);
        Spool spool = Spool.openReadOnly(spoolRoot);
        QueuedMessage m = spool.load(id).orElseThrow();
        try (InputStream in = spool.openContent(m)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("Message-ID: <" + uniqueId + "@baton.test>");
        }
    }

    private static void assertStorageFailure(Reply reply) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo("452 4.3.1");
    }

    private static String queueOk(Reply reply) {
        assertThat(reply.code()).as(reply.toString()).isEqualTo(250);
        return reply.queuedId();
    }

    @Test
    void dataGets452WhenTheDiskFillsWhileContentStreamsAndTheSessionStaysUsable() throws IOException {
        disk.plans.add(10_000L);
        try (SmtpTestClient c = start()) {
            c.transaction(FROM, TO);
            assertStorageFailure(c.data(TestConfigs.message("big-1", 300_000)));
            assertSpoolEmpty(node.spool().root());

            c.transaction(FROM, TO);
            String id = queueOk(c.data(TestConfigs.message("small-1", 2000)));
            assertOnlyQueued(node.spool().root(), id, "small-1");
        }
    }

    @Test
    void dataGets452WhenTheDiskFillsAtCommit() throws IOException {
        disk.plans.add(100L); // everything fits the spool's buffer until commit flushes it
        try (SmtpTestClient c = start()) {
            c.transaction(FROM, TO);
            assertStorageFailure(c.data(TestConfigs.message("small-fail", 2000)));
            assertSpoolEmpty(node.spool().root());

            c.transaction(FROM, TO);
            String id = queueOk(c.data(TestConfigs.message("small-2", 2000)));
            assertOnlyQueued(node.spool().root(), id, "small-2");
        }
    }

    @Test
    void dataGets452WhenNoSpoolFileCanBeCreated() throws IOException {
        disk.plans.add(-1L);
        try (SmtpTestClient c = start()) {
            c.transaction(FROM, TO);
            assertStorageFailure(c.command("DATA"));
            assertSpoolEmpty(node.spool().root());

            c.transaction(FROM, TO);
            String id = queueOk(c.data(TestConfigs.message("small-3", 2000)));
            assertOnlyQueued(node.spool().root(), id, "small-3");
        }
    }

    @Test
    void bdatGets452WhenTheDiskFillsDuringAChunkAndTheSessionStaysUsable() throws IOException {
        disk.plans.add(10_000L);
        try (SmtpTestClient c = start()) {
            c.transaction(FROM, TO);
            byte[] chunk = TestConfigs.message("bdat-big", 200_000).getBytes(StandardCharsets.US_ASCII);
            sendBdat(c, String.valueOf(chunk.length), chunk);
            assertStorageFailure(c.read());
            sendBdat(c, "7 LAST", "more\r\n\r".getBytes(StandardCharsets.US_ASCII));
            Reply last = c.read();
            assertThat(last.code()).as(last.toString()).isNotEqualTo(250);
            assertSpoolEmpty(node.spool().root());

            c.transaction(FROM, TO);
            byte[] ok = TestConfigs.message("bdat-ok", 3000).getBytes(StandardCharsets.US_ASCII);
            sendBdat(c, ok.length + " LAST", ok);
            String id = queueOk(c.read());
            assertOnlyQueued(node.spool().root(), id, "bdat-ok");
        }
    }

    @Test
    void bdatLastGets452WhenTheDiskFillsAtCommit() throws IOException {
        disk.plans.add(100L);
        disk.plans.add(-1L);
        try (SmtpTestClient c = start()) {
            c.transaction(FROM, TO);
            byte[] small = TestConfigs.message("bdat-commit", 2000).getBytes(StandardCharsets.US_ASCII);
            sendBdat(c, small.length + " LAST", small);
            assertStorageFailure(c.read());
            assertSpoolEmpty(node.spool().root());

            c.transaction(FROM, TO); // the spool file cannot even be created this time
            sendBdat(c, small.length + " LAST", small);
            assertStorageFailure(c.read());
            assertSpoolEmpty(node.spool().root());

            c.transaction(FROM, TO);
            byte[] ok = TestConfigs.message("bdat-ok2", 2000).getBytes(StandardCharsets.US_ASCII);
            sendBdat(c, ok.length + " LAST", ok);
            String id = queueOk(c.read());
            assertOnlyQueued(node.spool().root(), id, "bdat-ok2");
        }
    }

    @Test
    void moreStorageFailuresThanTheErrorLimitDoNotEndTheSession() throws IOException {
        int failures = 12; // the error limit is 10: a failure of ours must not count as the client's
        for (int i = 0; i < failures; i++) {
            disk.plans.add(100L);
        }
        try (SmtpTestClient c = start()) {
            for (int i = 0; i < failures; i++) {
                c.transaction(FROM, TO);
                assertStorageFailure(c.data(TestConfigs.message("full-" + i, 2000)));
            }
            c.transaction(FROM, TO);
            String id = queueOk(c.data(TestConfigs.message("room-again", 2000)));
            assertOnlyQueued(node.spool().root(), id, "room-again");
        }
    }

    @Test
    void moreBdatStorageFailuresThanTheErrorLimitDoNotEndTheSession() throws IOException {
        int failures = 6; // two refusals each (the failing chunk, then LAST): twelve, over the limit of 10
        for (int i = 0; i < failures; i++) {
            disk.plans.add(10_000L);
        }
        try (SmtpTestClient c = start()) {
            for (int i = 0; i < failures; i++) {
                c.transaction(FROM, TO);
                byte[] chunk = TestConfigs.message("bdat-full-" + i, 100_000).getBytes(StandardCharsets.US_ASCII);
                sendBdat(c, String.valueOf(chunk.length), chunk);
                assertStorageFailure(c.read());
                sendBdat(c, "2 LAST", "\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(c.read().code()).isNotEqualTo(250);
            }
            c.transaction(FROM, TO);
            byte[] ok = TestConfigs.message("bdat-room", 3000).getBytes(StandardCharsets.US_ASCII);
            sendBdat(c, ok.length + " LAST", ok);
            String id = queueOk(c.read());
            assertOnlyQueued(node.spool().root(), id, "bdat-room");
        }
    }

    /**
     * The spool buffers 64 KiB; with an envelope just under that, the Received header that DATA
     * writes first is what makes the buffer go to the (full) disk.
     */
    @Test
    void dataGets452AndLeavesNothingWhenTheReceivedHeaderHitsTheFullDisk() throws IOException {
        List<String> rcpts = recipientsForHeaderOf(65_536 - 40);
        disk.plans.add(100L);
        try (SmtpTestClient c = start()) {
            c.transaction(FROM, rcpts.toArray(String[]::new));
            assertStorageFailure(c.command("DATA"));
            assertSpoolEmpty(node.spool().root());

            c.transaction(FROM, TO);
            String id = queueOk(c.data(TestConfigs.message("after-header", 2000)));
            assertOnlyQueued(node.spool().root(), id, "after-header");
        }
    }

    /** Recipients that make the spool header of the message (as a session writes it) about this long. */
    private List<String> recipientsForHeaderOf(int target) throws IOException {
        int count = 600;
        int[] pad = new int[count];
        Spool scratch = Spool.open(dataDir.resolve("scratch"));
        for (int round = 0; round < 2; round++) {
            List<String> rcpts = recipients(pad);
            Envelope env = new Envelope(FROM, rcpts.stream().map(Recipient::of).toList(), "7BIT", false, null, null, 0,
                    "client.test", "127.0.0.1", "ESMTP", null, null, "mx.baton.test", scratch.clock().instant(), Map.of());
            Spool.Receipt r = scratch.begin(env);
            long header = r.commit().contentOffset();
            int missing = (int) (target - header);
            if (round == 1) {
                assertThat(Math.abs(missing)).as("header size").isLessThan(20);
                return rcpts;
            }
            assertThat(missing).as("room to pad").isBetween(0, count * 40);
            for (int i = 0; missing > 0; i = (i + 1) % count) {
                pad[i]++;
                missing--;
            }
        }
        throw new AssertionError();
    }

    private static List<String> recipients(int[] pad) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < pad.length; i++) {
            out.add(String.format("u%03d", i) + "x".repeat(pad[i]) + "@baton.test");
        }
        return out;
    }

    /** A real full file system: a 1 MiB tmpfs under the data directory (skipped where mount is not permitted). */
    @Test
    void aRealFullFileSystemGives452AndTheServerKeepsServing() throws Exception {
        Path mnt = dataDir.resolve("tmpfs");
        Files.createDirectories(mnt);
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt.toString()) == 0,
                "mounting a tmpfs is not permitted here");
        try {
            node = BatonNode.start(TestConfigs.keepingMessages(mnt, "10MiB"), mnt);
            try (SmtpTestClient c = connect(node.smtpPort())) {
                c.transaction(FROM, TO);
                Reply big = c.data(TestConfigs.message("tmpfs-big", 2 * 1024 * 1024));
                assertStorageFailure(big);
                assertSpoolEmpty(node.spool().root());

                c.transaction(FROM, TO);
                String id = queueOk(c.data(TestConfigs.message("tmpfs-small", 2000)));
                assertOnlyQueued(node.spool().root(), id, "tmpfs-small");
            }
            try (SmtpTestClient other = connect(node.smtpPort())) {
                other.transaction(FROM, TO);
                queueOk(other.data(TestConfigs.message("tmpfs-small-2", 2000)));
            }
        } finally {
            if (node != null) {
                node.close();
                node = null;
            }
            run("umount", mnt.toString());
        }
    }

    private static int run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
