package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.org.Passwords;
import dev.baton.testing.ChildBaton;
import dev.baton.testing.Eventually;
import dev.baton.net.LoopbackPorts;
import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.SmtpTestClient.Reply;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first-run configuration's three listeners, started by a real `baton serve` (a child JVM):
 * the relay endpoint, submission (STARTTLS then AUTH, RFC 6409) and submissions (implicit TLS
 * then AUTH, RFC 8314); and a port already taken, which names the listener that wanted it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FirstRunListenersTest {

    private static final Pattern LISTENING = Pattern.compile("virtual server \"([a-z]+)\" listening on 127\\.0\\.0\\.1:(\\d+) \\(([^)]+)\\)");
    private static final String PASSWORD = "first run secret";

    @TempDir
    Path dir;

    private ChildBaton server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private String output() {
        return server.output();
    }

    /** Starts `baton serve --smtp-port 0` on the data directory; returns each virtual server's "port (how)". */
    private Map<String, String> serve(Path data) throws IOException {
        server = ChildBaton.start(dir, "256m", "serve", "--data-dir", data.toString(), "--smtp-port", "0");
        return Eventually.awaitValue("the child server lists its three listeners", Duration.ofSeconds(60), () -> {
            assertThat(server.isAlive()).as("child alive: " + output()).isTrue();
            Map<String, String> found = new HashMap<>();
            Matcher m = LISTENING.matcher(output());
            while (m.find()) {
                found.put(m.group(1), m.group(2) + " (" + m.group(3) + ")");
            }
            return found.size() == 3 ? Optional.of(found) : Optional.empty();
        });
    }

    private static int port(String listener) {
        return Integer.parseInt(listener.substring(0, listener.indexOf(' ')));
    }

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theFirstRunConfigurationServesRelaySubmissionWithStarttlsAndSubmissionsWithImplicitTls() throws Exception {
        Path data = dir.resolve("data");
        DefaultConfig.write(data.resolve("baton.yml"));
        // a user to submit as, as 'baton org add user' would add one
        Files.writeString(data.resolve("org.yml"), Files.readString(data.resolve("org.yml")) + """
                users:
                  - { name: alice, addresses: [alice@baton.test], password: "%s" }
                """.formatted(Passwords.hash(PASSWORD.toCharArray())));
        Map<String, String> ls = serve(data);
        assertThat(ls.get("default")).endsWith("(STARTTLS offered)");
        assertThat(ls.get("submission")).endsWith("(STARTTLS required, AUTH required)");
        assertThat(ls.get("submissions")).endsWith("(implicit TLS, AUTH required)");
        assertThat(ls.values()).extracting(FirstRunListenersTest::port).doesNotHaveDuplicates().doesNotContain(2525, 2587, 2465);

        try (SmtpTestClient relay = SmtpTestClient.connect(port(ls.get("default")))) {
            relay.greetAndEhlo();
            relay.transaction("you@elsewhere.test", "alice@baton.test");
            relay.data("Subject: to alice\r\n\r\nhello\r\n").expect(250);
        }

        try (SmtpTestClient sub = SmtpTestClient.connect(port(ls.get("submission")))) {
            assertThat(sub.greetAndEhlo().lines()).contains("STARTTLS").noneMatch(l -> l.startsWith("AUTH"));
            assertThat(sub.command("MAIL FROM:<alice@baton.test>").lines()).containsExactly("5.7.0 Must issue a STARTTLS command first");
            sub.command("STARTTLS").expect(220);
            sub.startTls();
            assertThat(sub.command("EHLO client.test").expect(250).lines()).anyMatch(l -> l.startsWith("AUTH ") && l.contains("PLAIN"));
            Reply anonymous = sub.command("MAIL FROM:<alice@baton.test>");
            assertThat(anonymous.code()).isEqualTo(530);
            assertThat(anonymous.lines()).containsExactly("5.7.0 Authentication required");
            sub.command("AUTH PLAIN " + plain("alice", PASSWORD)).expect(235);
            sub.transaction("alice@baton.test", "alice@baton.test");
            sub.data("Subject: submitted\r\n\r\nover 587\r\n").expect(250);
        }

        try (SmtpTestClient subs = SmtpTestClient.connectTls(port(ls.get("submissions")))) {
            assertThat(subs.socket()).isInstanceOf(javax.net.ssl.SSLSocket.class);
            Reply ehlo = subs.greetAndEhlo();
            assertThat(ehlo.lines()).noneMatch(l -> l.startsWith("STARTTLS")).anyMatch(l -> l.startsWith("AUTH "));
            assertThat(subs.command("MAIL FROM:<alice@baton.test>").status()).isEqualTo("530 5.7.0");
            subs.command("AUTH PLAIN " + plain("alice", PASSWORD)).expect(235);
            subs.transaction("alice@baton.test", "alice@baton.test");
            subs.data("Subject: submitted\r\n\r\nover 465\r\n").expect(250);
        }
        Path inbox = data.resolve("mailboxes/baton.test/alice/new");
        Eventually.await("three messages in alice's Maildir", Duration.ofSeconds(30), () -> {
            try (var files = Files.list(inbox)) {
                return files.count() == 3;
            } catch (java.nio.file.NoSuchFileException e) {
                return false;
            }
        });
    }

    @Test
    void aListenerWhosePortIsTakenStopsTheStartAndTheErrorNamesIt() throws Exception {
        Path data = dir.resolve("data");
        DefaultConfig.write(data.resolve("baton.yml"));
        int first;
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            first = LoopbackPorts.unused();
            int last = LoopbackPorts.unused();
            Path yml = data.resolve("baton.yml");
            Files.writeString(yml, Files.readString(yml).replace("port: 2525", "port: " + first)
                    .replace("port: 2587", "port: " + taken.getLocalPort()).replace("port: 2465", "port: " + last));
            String level = System.getProperty("baton.log.level");
            System.setProperty("baton.log.level", level == null ? "WARN" : level);
            try {
                BatonCliTest.Result r = BatonCliTest.run("serve", "--data-dir", data.toString());
                assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
                assertThat(r.err()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort() + " for virtual server \"submission\"",
                        "give virtual server \"submission\" another port in baton.yml");
                assertThat(r.err()).doesNotContain("\tat ");
            } finally {
                if (level == null) {
                    System.clearProperty("baton.log.level");
                }
            }
        }
        // the relay listener, bound before the failure, was let go with the rest
        try (ServerSocket again = new ServerSocket()) {
            again.setReuseAddress(true);
            again.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), first));
        }
    }
}
