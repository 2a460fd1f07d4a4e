package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.queue.Envelope;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import dev.baton.queue.Spool;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatonCliTest {

    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Baton.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    /** A data directory as 'baton serve' leaves it: the default configuration and a spool. */
    private Path dataDirWithSpool() throws IOException {
        Path data = dir.resolve("data");
        DefaultConfig.write(data.resolve("baton.yml"));
        Spool.open(data.resolve("spool"));
        return data;
    }

    private static QueuedMessage queue(Path data, String sender, String... rcpts) throws IOException {
        Spool spool = Spool.open(data.resolve("spool"));
        Envelope env = new Envelope(sender, List.of(rcpts).stream().map(Recipient::of).toList(), "7BIT", false, null, null, 0,
                "client.test", "127.0.0.1", "ESMTP", null, null, "mail.baton.test", spool.clock().instant(), Map.of());
        Spool.Receipt r = spool.begin(env);
        r.content().write("Subject: x\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII));
        return r.commit();
    }

    private static void assertNoStackTrace(Result r) {
        assertThat(r.err()).doesNotContain("\tat ").doesNotContain("Exception").doesNotContain("internal error");
    }

    @Test
    void versionNamesBatonAndJava() {
        Result r = run("--version");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("baton ").contains("Java ");
    }

    @Test
    void everyCommandHasHelp() {
        List<List<String>> commands = List.of(List.of(), List.of("serve"), List.of("send"), List.of("queue"),
                List.of("queue", "list"), List.of("queue", "show"), List.of("queue", "delete"), List.of("org"), List.of("org", "explain"),
                List.of("org", "show"));
        for (List<String> c : commands) {
            for (String flag : List.of("--help", "-h")) {
                List<String> args = new ArrayList<>(c);
                args.add(flag);
                Result r = run(args.toArray(String[]::new));
                assertThat(r.exit()).as(String.join(" ", args)).isZero();
                assertThat(r.out()).as(String.join(" ", args)).contains("Usage: baton" + (c.isEmpty() ? "" : " " + String.join(" ", c)));
                assertThat(r.err()).isEmpty();
            }
        }
        assertThat(run("help", "queue").out()).contains("Usage: baton queue");
        assertThat(run().out()).contains("Usage: baton").contains("serve").contains("send").contains("queue");
    }

    @Test
    void orgExplainPrintsTheDecisionTheDecidingEntryAndItsChain() throws IOException {
        Path org = dir.resolve("org.yml");
        java.nio.file.Files.writeString(org, """
                organization: { name: Example, acceptedDomains: [example.test] }
                servers:
                  - { name: hub, fqdn: hub.example.test, virtualServers: [default] }
                  - { name: branch, fqdn: branch.example.test }
                groups:
                  - { name: quarantine, members: [group:dmz] }
                  - { name: dmz, members: [server:branch] }
                rights:
                  - { deny: relay, to: group:quarantine, on: server:hub }
                """);
        Result denied = run("org", "explain", "--directory", org.toString(), "--who", "server:branch", "--right", "relay",
                "--on", "server:hub/default");
        assertThat(denied.exit()).isEqualTo(1);
        assertThat(denied.out()).contains("relay for server:branch on server:hub/default: DENIED",
                "decides: deny relay to group:quarantine on server:hub", "via server:branch > group:dmz > group:quarantine",
                "applies: allow relay to group:organization-servers on organization");
        Result allowed = run("org", "explain", "--directory", org.toString(), "--who", "server:hub", "--right", "relay", "--json");
        assertThat(allowed.exit()).isZero();
        assertThat(allowed.out()).contains("\"allowed\":true", "\"chain\":[\"server:hub\",\"group:organization-servers\"]");
        Result bad = run("org", "explain", "--directory", org.toString(), "--who", "host:x", "--right", "relay");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("server, user or group");
        assertThat(run("org", "show", "--directory", org.toString()).out()).contains("group dmz: server:branch");
        Result none = run("org", "show", "--data-dir", dir.resolve("nothing").toString());
        assertThat(none.err()).contains("no directory at");
        assertNoStackTrace(none);
    }

    @Test
    void queueListOnADirectoryWithoutBatonDataSaysSo() throws IOException {
        Path empty = dir.resolve("nothing-here");
        for (String[] args : List.of(new String[] {"queue", "list", "--data-dir", empty.toString()},
                new String[] {"queue", "list", "--json", "--data-dir", empty.toString()})) {
            Result r = run(args);
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).startsWith("baton: no Baton data in ").contains(empty.toAbsolutePath().toString()).contains("baton serve");
            assertThat(r.out()).isEmpty();
            assertNoStackTrace(r);
        }
        assertThat(empty).doesNotExist(); // looking must not create anything

        Path existing = dir.resolve("empty-dir");
        Files.createDirectories(existing);
        Result r = run("queue", "list", "--data-dir", existing.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("baton: no Baton data in " + existing.toAbsolutePath());
        assertNoStackTrace(r);
        assertThat(existing).isEmptyDirectory();
    }

    @Test
    void queueListOfAnEmptyQueueSaysItIsEmpty() throws IOException {
        Path data = dataDirWithSpool();
        Result r = run("queue", "list", "--data-dir", data.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Queue is empty.");
        assertThat(run("queue", "list", "--json", "--data-dir", data.toString()).out()).isEmpty();
    }

    @Test
    void queueShowOfAnUnknownIdIsAClearErrorWithExitCode2() throws IOException {
        Path data = dataDirWithSpool();
        for (String id : List.of("0ZZZZZZZZZ", "../../etc/passwd", "x")) {
            Result r = run("queue", "show", "--data-dir", data.toString(), id);
            assertThat(r.exit()).as(id).isEqualTo(2);
            assertThat(r.err()).isEqualTo("baton: no message " + id + " in the queue (see 'baton queue list')" + System.lineSeparator());
            assertNoStackTrace(r);
        }
    }

    @Test
    void sendToAClosedPortAsksWhetherTheServerRuns() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Result r = run("send", "--server", "127.0.0.1:" + port, "--from", "a@baton.test", "--to", "b@baton.test");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("baton: cannot connect to 127.0.0.1:" + port)
                .contains("(is 'baton serve' running there?)");
        assertNoStackTrace(r);
    }

    @Test
    void serveWithAMissingCertificateSaysWhatIsMissingAndWhereToFixIt() throws IOException {
        Path data = dir.resolve("data");
        Path config = dir.resolve("baton.yml");
        java.nio.file.Files.writeString(config, """
                server: { fqdn: mail.baton.test }
                acceptedDomains: [baton.test]
                virtualServers:
                  - { name: default, address: 127.0.0.1, port: 0,
                      tls: { mode: offered, certificate: /nonexistent/cert.pem, key: /nonexistent/key.pem } }
                """);
        String level = System.getProperty("baton.log.level");
        System.setProperty("baton.log.level", level == null ? "WARN" : level); // serve would make the test JVM chatty
        try {
            Result r = run("serve", "--config", config.toString(), "--data-dir", data.toString());
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("virtual server \"default\"", "TLS certificate", "/nonexistent/cert.pem",
                    "no such file or directory", "tls.certificate");
            assertNoStackTrace(r);
        } finally {
            if (level == null) {
                System.clearProperty("baton.log.level");
            }
        }
    }

    @Test
    void queueListJsonPrintsOneObjectPerMessage() throws IOException {
        Path data = dataDirWithSpool();
        QueuedMessage first = queue(data, "a@origin.test", "x@baton.test", "y@baton.test");
        QueuedMessage second = queue(data, "", "z@baton.test");
        Result r = run("queue", "list", "--json", "--data-dir", data.toString());
        assertThat(r.exit()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(2);
        ObjectMapper m = new ObjectMapper();
        List<JsonNode> objects = new ArrayList<>();
        for (String line : lines) {
            JsonNode o = m.readTree(line);
            assertThat(o.isObject()).isTrue();
            objects.add(o);
        }
        assertThat(objects).extracting(o -> o.get("queue_id").asText()).containsExactlyInAnyOrder(first.id(), second.id());
        JsonNode a = objects.stream().filter(o -> o.get("queue_id").asText().equals(first.id())).findFirst().orElseThrow();
        assertThat(a.get("sender").asText()).isEqualTo("a@origin.test");
        assertThat(a.get("message_size").asLong()).isEqualTo(first.contentSize());
        assertThat(a.get("recipients")).hasSize(2);
        assertThat(a.get("recipients").get(0).get("address").asText()).isEqualTo("x@baton.test");
        assertThat(a.get("recipients").get(0).get("status").asText()).isEqualTo("pending");

        Result text = run("queue", "list", "--data-dir", data.toString());
        assertThat(text.out()).contains(first.id()).contains(second.id()).contains("2 message(s).");
        Result show = run("queue", "show", "--data-dir", data.toString(), first.id());
        assertThat(show.exit()).isZero();
        assertThat(m.readTree(show.out()).get("queue_id").asText()).isEqualTo(first.id());
    }

    @Test
    void queueDeleteRemovesTheMessage() throws IOException {
        Path data = dataDirWithSpool();
        QueuedMessage doomed = queue(data, "a@origin.test", "x@baton.test");
        QueuedMessage kept = queue(data, "a@origin.test", "y@baton.test");
        Result r = run("queue", "delete", "--data-dir", data.toString(), doomed.id());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("deleted " + doomed.id());
        assertThat(Files.exists(data.resolve("spool").resolve("queue").resolve(doomed.id()))).isFalse();
        assertThat(run("queue", "list", "--json", "--data-dir", data.toString()).out().lines().toList())
                .singleElement().asString().contains(kept.id());

        Result again = run("queue", "delete", "--data-dir", data.toString(), doomed.id());
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("no message " + doomed.id());
        assertThat(run("queue", "show", "--data-dir", data.toString(), doomed.id()).exit()).isEqualTo(2);
    }
}
