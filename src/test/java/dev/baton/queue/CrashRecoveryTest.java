package dev.baton.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testing.Eventually;
import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.SmtpTestClient.Reply;
import dev.baton.testing.TestConfigs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a real server process while clients send: after a restart on the same data
 * directory every message that got a 250 is in the queue exactly once, with its content
 * intact, and nothing that was not committed shows up in it. The moment of each kill comes
 * from a seeded Random (set -Dcrash.seed=N to repeat a run); the seed is in every failure.
 */
class CrashRecoveryTest {

    private static final int ROUNDS = 3;
    private static final int CLIENTS = 4;
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern MESSAGE_ID = Pattern.compile("Message-ID: <(crash-[^@>]+)@baton\\.test>");

    @TempDir
    Path work;

    /** Every message a client sent (acknowledged or not): unique id to its exact content. */
    private final Map<String, String> sent = new ConcurrentHashMap<>();
    /** Messages that got 250: unique id to queue id. */
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();

    @Test
    void everyAcknowledgedMessageSurvivesKillMinus9ExactlyOnceAndNothingElseIsHalfPresent() throws Exception {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        System.out.println("CrashRecoveryTest seed " + seed + " (repeat with -Dcrash.seed=" + seed + ")");
        Random random = new Random(seed);
        Path dataDir = work.resolve("data");
        Path config = work.resolve("baton.yml");
        TestConfigs.keepingMessages(dataDir, "10MiB");
        Files.writeString(config, TestConfigs.keepingMessagesYaml("10MiB"));

        long t0 = System.nanoTime();
        Server server = Server.start(config, dataDir, work.resolve("server.log"));
        System.out.println("start took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        try {
            for (int round = 1; round <= ROUNDS; round++) {
                int port = server.port;
                AtomicBoolean stop = new AtomicBoolean();
                List<Thread> clients = new ArrayList<>();
                for (int t = 0; t < CLIENTS; t++) {
                    String prefix = "crash-r" + round + "-t" + t + "-";
                    long clientSeed = random.nextLong();
                    clients.add(Thread.ofPlatform().name(prefix).start(() -> sendUntilRefused(port, prefix, new Random(clientSeed), stop)));
                }
                int before = acknowledged.size();
                long t1 = System.nanoTime();
                Eventually.await("every client has a message acknowledged", () -> acknowledged.size() >= before + CLIENTS);
                System.out.println("first acknowledgements after " + (System.nanoTime() - t1) / 1_000_000 + " ms");
                long delay = random.nextInt(700);
                Thread.sleep(delay);
                server.kill();
                for (Thread c : clients) {
                    c.join(TimeUnit.SECONDS.toMillis(30));
                }
                stop.set(true);
                System.out.println("round " + round + ": killed " + delay + " ms after the first acknowledgements; "
                        + acknowledged.size() + " acknowledged, " + sent.size() + " sent so far");

                long t2 = System.nanoTime();
                server = Server.start(config, dataDir, work.resolve("server.log"));
                System.out.println("restart took " + (System.nanoTime() - t2) / 1_000_000 + " ms");
                verify(dataDir.resolve("spool"), "seed " + seed + ", round " + round);
            }
        } finally {
            long t1 = System.nanoTime();
            server.stop();
            System.out.println("stop took " + (System.nanoTime() - t1) / 1_000_000 + " ms");
        }
        assertThat(acknowledged).as("seed " + seed + ": messages acknowledged at all").isNotEmpty();
    }

    private void sendUntilRefused(int port, String prefix, Random random, AtomicBoolean stop) {
        int n = 0;
        try (SmtpTestClient c = SmtpTestClient.connect(port)) {
            c.readTimeout(Duration.ofSeconds(20));
            c.greetAndEhlo("client.test");
            while (!stop.get()) {
                String uid = prefix + n++;
                String content = TestConfigs.message(uid, 200 + random.nextInt(40_000));
                c.command("MAIL FROM:<sender@origin.test>").expect(250);
                c.command("RCPT TO:<user" + random.nextInt(3) + "@baton.test>").expect(250);
                sent.put(uid, content);
                Reply reply = c.data(content);
                String id = reply.queuedId();
                if (id == null) {
                    throw new IOException("not accepted: " + reply);
                }
                acknowledged.put(uid, id);
            }
        } catch (IOException e) {
            // the server was killed: whatever was in flight is unacknowledged
        }
    }

    private void verify(Path spoolRoot, String context) throws IOException {
        try (Stream<Path> s = Files.list(spoolRoot.resolve("incoming"))) {
            assertThat(s.toList()).as(context + ": incoming/ after recovery").isEmpty();
        }
        List<String> files;
        try (Stream<Path> s = Files.list(spoolRoot.resolve("queue"))) {
            files = s.map(p -> p.getFileName().toString()).toList();
        }
        Spool spool = Spool.openReadOnly(spoolRoot);
        List<QueuedMessage> queued = spool.list();
        assertThat(queued).extracting(QueuedMessage::id).as(context + ": every file in queue/ is a readable message")
                .containsExactlyInAnyOrderElementsOf(files);

        Map<String, String> found = new HashMap<>(); // unique id -> queue id
        for (QueuedMessage m : queued) {
            String content;
            try (InputStream in = spool.openContent(m)) {
                content = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Matcher mid = MESSAGE_ID.matcher(content);
            assertThat(mid.find()).as(context + ": " + m.id() + " has one of our Message-IDs").isTrue();
            String uid = mid.group(1);
            assertThat(found.put(uid, m.id())).as(context + ": " + uid + " queued twice").isNull();
            assertThat(sent).as(context + ": " + uid + " was sent").containsKey(uid);
            assertThat(content).as(context + ": " + m.id() + " (" + uid + ") is complete").endsWith(sent.get(uid));
            assertThat(content).startsWith("Received: ");
        }
        for (Map.Entry<String, String> a : acknowledged.entrySet()) {
            assertThat(found.get(a.getKey())).as(context + ": acknowledged " + a.getKey() + " queued as " + a.getValue())
                    .isEqualTo(a.getValue());
        }
    }

    /** A {@code baton serve} in a child JVM. */
    private static final class Server {
        final Process process;
        final int port;

        private Server(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        static Server start(Path config, Path dataDir, Path log) throws IOException, InterruptedException {
            String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            Process p = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
                    "-cp", System.getProperty("java.class.path"), "dev.baton.cli.Baton",
                    "serve", "--config", config.toString(), "--data-dir", dataDir.toString(), "--smtp-port", "0")
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // the process is gone
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                String line = lines.poll(100, TimeUnit.MILLISECONDS);
                if (line != null) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        return new Server(p, Integer.parseInt(m.group(1)));
                    }
                } else if (!p.isAlive()) {
                    break;
                }
            }
            p.destroyForcibly().waitFor();
            throw new IllegalStateException("baton serve did not start; see " + log + ":\n" + Files.readString(log));
        }

        /** SIGKILL: no shutdown hook, no flushing, no goodbye. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
