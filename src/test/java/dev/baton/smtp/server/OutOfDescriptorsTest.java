package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testing.Eventually;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server in a child JVM with a low descriptor limit ({@code ulimit -n}) and more connections
 * than it can hold: it stays calm (little CPU, a few log lines instead of a line per failed
 * accept), keeps serving the sessions it has, and accepts again once descriptors free up.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OutOfDescriptorsTest {

    private static final int LIMIT = 400;
    private static final int CONNECTIONS = 460;
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    private Process server;
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.destroy(); // our own child, by its handle
            if (!server.waitFor(20, TimeUnit.SECONDS)) {
                server.destroyForcibly();
                server.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Starts `baton serve` under `ulimit -n LIMIT` and returns its SMTP port. */
    private int start(String... jvmOptions) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Path config = dir.resolve("baton.yml");
        Files.writeString(config, """
                server: { fqdn: mail.baton.test }
                acceptedDomains: [baton.test]
                virtualServers:
                  - { name: default, address: 127.0.0.1, port: 0, limits: { maxConnectionsPerClient: 100000 } }
                """);
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "ulimit -n " + LIMIT + " && exec \"$0\" \"$@\"", java));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-Xmx256m", "-cp", System.getProperty("java.class.path"), "dev.baton.cli.Baton", "serve",
                "--config", config.toString(), "--data-dir", dir.resolve("data").toString(), "--smtp-port", "0"));
        server = new ProcessBuilder(cmd).redirectOutput(dir.resolve("out.log").toFile()).redirectError(dir.resolve("err.log").toFile())
                .start();
        int port = Eventually.awaitValue("the child server is listening", Duration.ofSeconds(60), () -> {
            assertThat(server.isAlive()).as("child alive; stderr: " + read("err.log")).isTrue();
            Matcher m = LISTENING.matcher(read("out.log"));
            return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
        });
        // a warm server, as one is when it runs out: every class of a session loaded (from target/classes
        // each class would need a descriptor of its own; the packaged jar is open already)
        try (dev.baton.testing.SmtpTestClient c = dev.baton.testing.SmtpTestClient.connect(port)) {
            c.greetAndEhlo();
            c.transaction("a@baton.test", "alice@baton.test");
            c.data("Subject: warm-up\r\n\r\nhello\r\n").expect(250);
            c.command("RSET").expect(250);
            c.command("QUIT").expect(221);
        }
        return port;
    }

    private String read(String name) throws IOException {
        Path p = dir.resolve(name);
        return Files.exists(p) ? Files.readString(p) : "";
    }

    private long lines(String needle) throws IOException {
        return read("err.log").lines().filter(l -> l.contains(needle)).count();
    }

    private Duration cpu() {
        return server.toHandle().info().totalCpuDuration().orElseThrow();
    }

    private Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        sockets.add(s);
        return s;
    }

    private static String readLine(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }

    private static void ehlo(Socket s) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Test
    void whenAcceptFailsForWantOfDescriptorsTheServerBacksOffAndResumes() throws Exception {
        int port = start("-Dbaton.descriptorReserve=0"); // no reserve: accept itself runs out (EMFILE)
        Socket first = connect(port);
        assertThat(readLine(first)).startsWith("220 ");
        for (int i = 1; i < CONNECTIONS; i++) {
            connect(port); // past the limit they wait in the listen backlog
        }
        // accept itself fails (EMFILE), or what it accepted cannot be kept: either way the limit was reached
        Eventually.await("the descriptor limit is reached", Duration.ofSeconds(30),
                () -> lines("accept failed") + lines("near the process limit") > 0);
        // a second for the child's JIT and GC to settle after the burst (they are not the accept loop)
        assertThat(server.waitFor(1, TimeUnit.SECONDS)).as("the server exited; stderr: %s", read("err.log")).isFalse();
        Duration before = cpu();
        long start = System.nanoTime();
        // the interval measured: the server out of descriptors with a full backlog must neither exit nor spin.
        // A spinning accept loop burns a whole core (CPU >= wall time); a calm one a small part. The bound
        // leaves room for a machine loaded by other builds, which slows the child's own background work.
        assertThat(server.waitFor(4, TimeUnit.SECONDS)).as("the server exited; stderr: %s", read("err.log")).isFalse();
        Duration used = cpu().minus(before);
        Duration wall = Duration.ofNanos(System.nanoTime() - start);
        assertThat(used).as("CPU used in %s while out of descriptors", wall).isLessThan(wall.multipliedBy(6).dividedBy(10));
        assertThat(lines("accept failed")).as("one report per interval, not one per failure").isLessThanOrEqualTo(3);
        assertThat(lines("near the process limit")).as("one report per interval").isLessThanOrEqualTo(3);
        assertThat(read("err.log").lines().count()).as("the whole log while out of descriptors").isLessThan(20);

        ehlo(first); // the sessions it has are still served
        BufferedReader r = new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.US_ASCII));
        assertThat(r.readLine()).as("EHLO reply; server log:%n%s", read("err.log")).startsWith("250");

        for (Socket s : sockets.subList(1, sockets.size())) {
            s.close();
        }
        // the backlog drains (each waiting connection gets its greeting or a 421), then new ones are served
        Socket late = Eventually.awaitValue("a new connection is greeted", Duration.ofSeconds(60), () -> {
            Socket s = connect(port);
            String greeting = readLine(s);
            return greeting != null && greeting.startsWith("220 ") ? Optional.of(s) : Optional.empty();
        });
        assertThat(late.isConnected()).isTrue();
    }

    @Test
    void connectionsThatWouldEatIntoTheReserveGet421AndTheServerStaysCalm() throws Exception {
        int port = start();
        Socket first = connect(port);
        assertThat(readLine(first)).startsWith("220 ");
        int greeted = 1;
        int refused = 0;
        for (int i = 1; i < CONNECTIONS; i++) {
            String line = readLine(connect(port));
            if (line != null && line.startsWith("220 ")) {
                greeted++;
            } else if (line != null && line.startsWith("421 4.3.2")) {
                refused++;
            }
        }
        assertThat(refused).as("refused to keep the reserve (%d greeted)", greeted).isPositive();
        assertThat(greeted + refused).isEqualTo(CONNECTIONS);
        assertThat(lines("accept failed")).as("the reserve keeps accept itself from failing").isZero();
        assertThat(lines("refused")).as("one report per interval").isLessThanOrEqualTo(3);
        assertThat(read("err.log").lines().count()).as("the whole log").isLessThan(20);
        ehlo(first);
        BufferedReader r = new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.US_ASCII));
        assertThat(r.readLine()).as("EHLO reply; server log:%n%s", read("err.log")).startsWith("250");
    }
}
