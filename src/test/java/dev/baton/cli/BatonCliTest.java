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
    void versionNamesBatonTheBuildsCommitAndJava() {
        Result r = run("--version");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("baton ").contains("Java ");
        // the build writes the commit and its date (git.properties): the version names the build, not just the release
        assertThat(r.out()).containsPattern("\\(commit [0-9a-f]{7,} of \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    }

    @Test
    void everyCommandHasHelp() {
        List<List<String>> commands = List.of(List.of(), List.of("serve"), List.of("send"), List.of("queue"),
                List.of("queue", "list"), List.of("queue", "show"), List.of("queue", "delete"), List.of("org"), List.of("org", "explain"),
                List.of("org", "show"), List.of("org", "list"), List.of("org", "add"), List.of("org", "add", "server"),
                List.of("org", "add", "user"), List.of("org", "add", "group"), List.of("org", "add", "member"),
                List.of("org", "add", "domain"), List.of("org", "remove"), List.of("org", "remove", "entry"),
                List.of("org", "remove", "member"), List.of("org", "allow"), List.of("org", "deny"), List.of("org", "password"),
                List.of("config"), List.of("config", "check"), List.of("config", "show"), List.of("status"),
                List.of("sendmail"), List.of("demo"));
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
    void orgCommandsChangeTheDirectoryOfTheDataDirectoryAndRefuseABreakingChange() throws IOException {
        Path data = dir.resolve("data");
        DefaultConfig.write(data.resolve("baton.yml"));
        String d = data.toString();
        assertThat(data.resolve("org.yml")).as("created with the data directory").exists();
        assertThat(run("org", "list", "servers", "--data-dir", d).out()).startsWith("baton\tmail.baton.test\tsmtp/mail.baton.test@BATON.TEST");

        Result badSmtp = run("org", "add", "server", "branch", "--fqdn", "branch.baton.test", "--smtp", "branch:0x19", "--data-dir", d);
        assertThat(badSmtp.exit()).isEqualTo(2);
        assertThat(badSmtp.err()).contains("--smtp: \"branch:0x19\" is not host:port");
        Result added = run("org", "add", "server", "branch", "--fqdn", "branch.baton.test", "--smtp", "[127.0.0.1]:2626", "--data-dir", d);
        assertThat(added.exit()).as(added.err()).isZero();
        assertThat(run("org", "list", "servers", "--data-dir", d).out()).contains("branch\tbranch.baton.test\tsmtp/branch.baton.test@BATON.TEST"
                + "\tdefault\t[127.0.0.1]:2626");
        assertThat(added.out()).contains("changed file " + data.resolve("org.yml").toAbsolutePath() + ": add server branch",
                "running servers take it up within 1s");
        assertThat(run("org", "add", "group", "partners", "--member", "server:branch", "--data-dir", d).exit()).isZero();
        assertThat(run("org", "deny", "relay", "--to", "group:partners", "--on", "server:baton", "--data-dir", d).exit()).isZero();
        Result why = run("org", "explain", "--who", "server:branch", "--right", "relay", "--on", "server:baton/default", "--data-dir", d);
        assertThat(why.exit()).isEqualTo(1);
        assertThat(why.out()).contains("decides: deny relay to group:partners on server:baton", "via server:branch > group:partners");

        Result cycle = run("org", "add", "member", "partners", "group:partners", "--data-dir", d);
        assertThat(cycle.exit()).isEqualTo(1);
        assertThat(cycle.err()).contains("the change is refused, nothing was stored", "cycle");
        assertNoStackTrace(cycle);
        Result missing = run("org", "add", "member", "partners", "user:nobody", "--data-dir", d);
        assertThat(missing.err()).contains("user:nobody, which is not in the directory");

        assertThat(run("org", "list", "entries", "--data-dir", d).out())
                .contains("allow relay to group:organization-servers on organization   (built in)",
                        "deny relay to group:partners on server:baton\n");
        assertThat(run("org", "remove", "entry", "deny", "relay", "--to", "group:partners", "--on", "server:baton", "--data-dir", d)
                .exit()).isZero();
        assertThat(run("org", "explain", "--who", "server:branch", "--right", "relay", "--on", "server:baton", "--data-dir", d).exit())
                .isZero();
        Result builtIn = run("org", "remove", "entry", "allow", "relay", "--to", "group:organization-servers", "--data-dir", d);
        assertThat(builtIn.err()).contains("is built in and cannot be removed");
        assertThat(run("org", "remove", "server", "branch", "--data-dir", d).exit()).isZero();
        assertThat(run("org", "list", "groups", "--json", "--data-dir", d).out()).isEqualTo("{\"name\":\"partners\",\"members\":[]}\n");
        assertThat(run("org", "add", "domain", "not a domain", "--data-dir", d).err()).contains("is not a domain name");
        assertThat(run("org", "add", "domain", "second.test", "--data-dir", d).exit()).isZero();
        assertThat(run("org", "list", "domains", "--data-dir", d).out()).isEqualTo("baton.test\nsecond.test\n");
        assertThat(run("org", "list", "planets", "--data-dir", d).err()).contains("not a kind to list");
    }

    @Test
    void configCheckSaysWhatItLookedAtAndFailsOnADirectoryThatDoesNotFitOrAMissingCertificate() throws IOException {
        Path data = dir.resolve("data");
        DefaultConfig.write(data.resolve("baton.yml"));
        Result good = run("config", "check", "--data-dir", data.toString());
        assertThat(good.exit()).as(good.out() + good.err()).isZero();
        assertThat(good.out()).contains("ok: " + data.resolve("baton.yml"), "ok: directory: file ", "baton.test: 1 servers",
                "ok: virtual server \"default\" TLS: offered, self-signed certificate for mail.baton.test");

        Files.writeString(data.resolve("baton.yml"), Files.readString(data.resolve("baton.yml"))
                .replace("name: baton ", "name: elsewhere ").replace("tls: { mode: offered }",
                        "tls: { mode: required, certificate: missing.pem, key: missing.key }"));
        Result bad = run("config", "check", "--data-dir", data.toString());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.out()).contains("FAILED: directory: the directory is refused: this server, \"elsewhere\"",
                "FAILED: virtual server \"default\" TLS: cannot use " + data.resolve("missing.pem"));
        assertNoStackTrace(bad);

        Files.writeString(data.resolve("baton.yml"), "virtualServers: [{ port: 99999 }]\n");
        Result refused = run("config", "check", "--data-dir", data.toString());
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.err()).contains("virtualServers[0].port");
    }

    @Test
    void statusTellsARunningServerFromNone() throws Exception {
        Path data = dir.resolve("data");
        DefaultConfig.write(data.resolve("baton.yml"));
        Files.writeString(data.resolve("baton.yml"), Files.readString(data.resolve("baton.yml")).replace("port: 2525", "port: 0"));
        dev.baton.config.BatonConfig config = dev.baton.config.ConfigLoader.load(data.resolve("baton.yml"));
        try (dev.baton.node.BatonNode node = dev.baton.node.BatonNode.start(config, data)) {
            Result up = run("status", "--data-dir", data.toString());
            assertThat(up.exit()).as(up.err()).isZero();
            assertThat(up.out()).startsWith("running: baton (mail.baton.test), pid " + ProcessHandle.current().pid())
                    .contains("virtual server \"default\" on 127.0.0.1:" + node.smtpPort(), "queue: 0 message(s)",
                            "directory: file " + data.resolve("org.yml").toAbsolutePath());
            assertThat(up.out()).as("the start time as a person reads it").containsPattern("\\(since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d\\)");
            assertThat(run("status", "--json", "--data-dir", data.toString()).out()).contains("\"running\":true", "\"port\":" + node.smtpPort());
        }
        Result down = run("status", "--data-dir", data.toString());
        assertThat(down.exit()).isEqualTo(3);
        assertThat(down.out()).startsWith("not running: ").contains("queue: 0 message(s)");
        assertNoStackTrace(down);
    }

    @Test
    void reloadWithoutARunningServerSaysSoWithExitCode3() throws IOException {
        Path data = dataDirWithSpool();
        Result r = run("reload", "--data-dir", data.toString());
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err()).contains("not reloaded: no server is running on this data directory");
        assertNoStackTrace(r);
    }

    private static Result withStdin(String input, String... args) {
        java.io.InputStream stdin = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
            return run(args);
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void sendmailTakesTheMessageFromStandardInputAndAnswersInSysexits() throws Exception {
        Path data = dir.resolve("data");
        DefaultConfig.write(data.resolve("baton.yml"));
        Files.writeString(data.resolve("baton.yml"), Files.readString(data.resolve("baton.yml")).replace("port: 2525", "port: 0"));
        String d = data.toString();
        String message = "From: cron <root@baton.test>\nTo: Alice <alice@baton.test>, \"Smith, Bob\" <bob@baton.test>\n"
                + "Bcc: carol@baton.test\nSubject: nightly\n\nall done\n.\nafter the dot\n";
        Result none = withStdin(message, "sendmail", "-t", "--data-dir", d);
        assertThat(none.exit()).as("no server: try again later").isEqualTo(75);
        assertThat(none.err()).contains("no Baton server runs on", "the message was not sent");

        dev.baton.config.BatonConfig config = dev.baton.config.ConfigLoader.load(data.resolve("baton.yml"));
        try (dev.baton.node.BatonNode node = dev.baton.node.BatonNode.start(config, data)) {
            assertThat(node.smtpPort()).as("sendmail finds the port the server bound (0 in baton.yml)").isPositive();
            Result sent = withStdin(message, "sendmail", "-t", "-oem", "--data-dir", d);
            assertThat(sent.exit()).as(sent.err()).isZero();
            Path mailboxes = data.resolve("mailboxes").resolve("baton.test");
            for (String user : List.of("alice", "bob", "carol")) {
                Path file = dev.baton.testing.Eventually.fileIn(mailboxes.resolve(user).resolve("new"));
                String stored = Files.readString(file);
                assertThat(stored).as(user + " (a Maildir keeps LF line ends)").contains("Subject: nightly\n", "\n\nall done\n")
                        .doesNotContain("Bcc")
                        .doesNotContain("after the dot");
            }
            Result dots = withStdin("Subject: dots\n\n.\nkept\n", "sendmail", "-i", "-f", "root@baton.test", "dave@baton.test",
                    "--data-dir", d);
            assertThat(dots.exit()).isZero();
            assertThat(Files.readString(dev.baton.testing.Eventually.fileIn(mailboxes.resolve("dave").resolve("new"))))
                    .contains("From: <root@baton.test>", "\n\n.\nkept\n");

            Result refused = withStdin("Subject: x\n\nhi\n", "sendmail", "bob@elsewhere.test", "--data-dir", d);
            assertThat(refused.exit()).as("a recipient refused for good").isEqualTo(67);
            assertThat(refused.err()).contains("bob@elsewhere.test: 550 5.7.1 Relaying denied");
            assertThat(withStdin("Subject: x\n\nhi\n", "sendmail", "--data-dir", d).exit()).as("no recipient").isEqualTo(65);
            assertThat(withStdin("Subject: x\n\nhi\n", "sendmail", "-q", "a@baton.test", "--data-dir", d).exit()).isEqualTo(64);
        }
    }

    @Test
    void sendmailFindsEveryAddressOfAnAddressList() {
        assertThat(SendmailCommand.Message.addresses("\"Smith, Bob\" <bob@x.test>, carol@x.test (Carol, C.), team: d@x.test, e@x.test;"))
                .containsExactly("bob@x.test", "carol@x.test", "d@x.test", "e@x.test");
        assertThat(SendmailCommand.Message.addresses("undisclosed-recipients:;")).isEmpty();
    }

    @Test
    void aPasswordGivenOnStandardInputIsStoredAsAnArgon2idHashAndAScramCredential() throws Exception {
        Path data = dir.resolve("data");
        DefaultConfig.write(data.resolve("baton.yml"));
        java.io.InputStream stdin = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream("correct horse\n".getBytes(StandardCharsets.UTF_8)));
            Result r = run("org", "add", "user", "alice", "--address", "alice@baton.test", "--home", "baton", "--password-stdin",
                    "--data-dir", data.toString());
            assertThat(r.exit()).as(r.err()).isZero();
        } finally {
            System.setIn(stdin);
        }
        String yml = Files.readString(data.resolve("org.yml"));
        assertThat(yml).contains("password: \"$argon2id$v=19$").doesNotContain("correct horse");
        var alice = dev.baton.org.OrgFile.parse(yml, "org.yml").users().get("alice");
        assertThat(dev.baton.org.Passwords.verify("correct horse".toCharArray(), alice.passwordHash())).isTrue();
        assertThat(dev.baton.org.Passwords.verify("wrong".toCharArray(), alice.passwordHash())).isFalse();
        // and beside it the SCRAM-SHA-256 credential of the same password (SCRAM cannot use the Argon2id hash)
        dev.baton.org.ScramCredential scram = dev.baton.org.ScramCredential.parse(alice.scram());
        assertThat(scram).isNotNull();
        assertThat(dev.baton.org.ScramCredential.derive("correct horse".toCharArray(), scram.salt(), scram.iterations()))
                .isEqualTo(scram);
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

    @org.junit.jupiter.api.extension.RegisterExtension
    final dev.baton.testing.TestServer server = new dev.baton.testing.TestServer();

    @Test
    void sendReportsEachRefusalAsTheServerSentIt() throws Exception {
        server.start();
        String at = "127.0.0.1:" + server.port();
        Result none = run("send", "--server", at, "--from", "a@example.test", "--to", "bob@elsewhere.test", "--to", "carol@elsewhere.test");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).contains("the server refused every recipient, so the message was not sent",
                "RCPT TO:<bob@elsewhere.test>: 550 5.7.1 Relaying denied: <bob@elsewhere.test>",
                "RCPT TO:<carol@elsewhere.test>: 550 5.7.1 Relaying denied: <carol@elsewhere.test>").doesNotContain("554");
        Result some = run("send", "--server", at, "--from", "a@example.test", "--to", "bob@elsewhere.test", "--to", "alice@example.test");
        assertThat(some.exit()).isEqualTo(1);
        assertThat(some.out()).contains("refused: RCPT TO:<bob@elsewhere.test>: 550 5.7.1 Relaying denied")
                .containsPattern("accepted: 250 2\\.0\\.0 OK queued as \\S+");
    }

    @Test
    void sendWithUserAuthenticatesWithPlainInsideTlsAndNeverShowsOrSendsThePasswordInClear() throws Exception {
        Path data = dir.resolve("data");
        DefaultConfig.write(data.resolve("baton.yml"));
        Files.writeString(data.resolve("baton.yml"), Files.readString(data.resolve("baton.yml")).replace("port: 2525", "port: 0"));
        String d = data.toString();
        assertThat(withStdin("s3cret-pw\n", "org", "add", "user", "alice", "--address", "alice@baton.test", "--home", "baton",
                "--password-stdin", "--data-dir", d).exit()).isZero();
        dev.baton.config.BatonConfig config = dev.baton.config.ConfigLoader.load(data.resolve("baton.yml"));
        try (dev.baton.node.BatonNode node = dev.baton.node.BatonNode.start(config, data)) {
            String at = "127.0.0.1:" + node.smtpPort();
            Result sent = withStdin("s3cret-pw\n", "send", "--server", at, "--starttls", "--user", "alice", "--password-stdin",
                    "--from", "alice@baton.test", "--to", "bob@baton.test", "--subject", "as alice", "-v");
            assertThat(sent.exit()).as(sent.err()).isZero();
            assertThat(sent.out()).contains("> AUTH PLAIN <initial response,", "< 235").doesNotContain("s3cret-pw")
                    .doesNotContain(java.util.Base64.getEncoder().encodeToString("\0alice\0s3cret-pw".getBytes(StandardCharsets.UTF_8)));
            Path bob = dev.baton.testing.Eventually.fileIn(data.resolve("mailboxes/baton.test/bob/new"));
            assertThat(Files.readString(bob)).contains("Subject: as alice").contains("with ESMTPSA");

            Result wrong = withStdin("guess\n", "send", "--server", at, "--starttls", "--user", "alice", "--password-stdin",
                    "--from", "alice@baton.test", "--to", "bob@baton.test");
            assertThat(wrong.exit()).isEqualTo(2);
            assertThat(wrong.err()).contains("the server refused AUTH PLAIN as alice: 535");
            Result clear = withStdin("s3cret-pw\n", "send", "--server", at, "--user", "alice", "--password-stdin",
                    "--from", "alice@baton.test", "--to", "bob@baton.test");
            assertThat(clear.exit()).isEqualTo(2);
            assertThat(clear.err()).contains("only inside TLS: add --starttls");
            Result noPassword = run("send", "--server", at, "--starttls", "--user", "alice", "--from", "alice@baton.test", "--to", "b@baton.test");
            assertThat(noPassword.err()).contains("needs its password: give --password-stdin");
        }
        try (var files = Files.list(data.resolve("mailboxes/baton.test/bob/new"))) {
            assertThat(files.count()).as("only the authenticated message").isEqualTo(1);
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
        Result show = run("queue", "show", "--json", "--data-dir", data.toString(), first.id());
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

    @Test
    void queueDeleteWritesTheRemovalToTheDeliveryLog() throws IOException {
        Path data = dataDirWithSpool();
        QueuedMessage doomed = queue(data, "a@origin.test", "x@baton.test");
        assertThat(run("queue", "delete", "--data-dir", data.toString(), doomed.id()).exit()).isZero();
        assertThat(Files.readAllLines(dev.baton.events.DeliveryLog.file(data))).singleElement().asString()
                .endsWith(" " + doomed.id() + ": removed");
    }
}
