package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.testing.Eventually;
import dev.baton.testing.SmtpTestClient;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code baton demo} as a person runs it, in a process of its own (its embedded realm's krb5.conf
 * is that process's; this test JVM has TestRealms', ADR 0018): the story it prints is the one the
 * servers' files tell, it stops cleanly on SIGTERM, and a second run starts afresh.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DemoCommandTest {

    private static final Duration START = Duration.ofSeconds(90);
    private static final String RUNNING = "Running until Ctrl-C.";

    @TempDir
    Path tmp;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : started) {
            p.destroy();
        }
        for (Process p : started) {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private Process demo(Path dir, Path output) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.baton.cli.Baton", "demo",
                "--dir", dir.toString());
        pb.redirectErrorStream(true).redirectOutput(output.toFile());
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private static String read(Path output) {
        try {
            return Files.readString(output);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    /** The output once the story is told and the demo runs on; fails with the output when the demo exits first. */
    private static String awaitStory(Process p, Path output) {
        Eventually.await("the demo telling its story", START, () -> {
            if (!p.isAlive()) {
                throw new AssertionError("baton demo exited with " + p.exitValue() + ":\n" + read(output));
            }
            return read(output).contains(RUNNING);
        });
        return read(output);
    }

    /** The story of a demo started in {@code dir}, once it runs on. */
    private String storyOf(Path dir) throws IOException {
        Path output = tmp.resolve("demo.out");
        return awaitStory(demo(dir, output), output);
    }

    private static int port(String story, String server) {
        Matcher m = Pattern.compile(server + " {2}" + server + "\\.demo\\.test, SMTP on 127\\.0\\.0\\.1:(\\d+)").matcher(story);
        assertThat(m.find()).as(story).isTrue();
        return Integer.parseInt(m.group(1));
    }

    private static List<Path> maildir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    private static boolean accepting(int port) throws IOException {
        try (SmtpTestClient c = SmtpTestClient.connect(port)) {
            return c.read().code() == 220;
        } catch (ConnectException refused) {
            return false;
        }
    }

    @Test
    void aliceOnMail1ReachesBobOnMail2OverTlsWithXExpsAndTheStoryNamesTheProtocolThePrincipalTheRightsTheMaildirAndTheEvents()
            throws Exception {
        Path dir = tmp.resolve("demo");
        String story = storyOf(dir);

        // landed where the story says: bob's Maildir on mail2, and nowhere on mail1
        List<Path> bob = maildir(dir.resolve("mail2/mailboxes/demo.test/bob/new"));
        assertThat(bob).as(story).hasSize(1);
        assertThat(story).contains(bob.get(0).toString());
        String message = Files.readString(bob.get(0));
        assertThat(message).contains("Subject: Hello from mail1 to mail2")
                .contains("by mail2.demo.test (Baton) with ESMTPSA").contains("(using TLSv1.3 with cipher TLS_");
        assertThat(dir.resolve("mail1/mailboxes/demo.test/bob")).doesNotExist();

        // the hop's TLS and principal as mail2 recorded them, and the story says the same
        String log2 = Files.readString(dir.resolve("mail2/logs/delivery.log"));
        assertThat(log2).contains("tls=TLSv1.3 with cipher TLS_", "auth=smtp/mail1.demo.test@DEMO.TEST, auth_as=server, auth_method=GSSAPI");
        // and as mail1 recorded it: the session it sent over, and whom it authenticated to
        assertThat(Files.readString(dir.resolve("mail1/logs/delivery.log"))).containsPattern("to=<bob@demo\\.test>,"
                + " relay=\\[127\\.0\\.0\\.1\\]:\\d+, tls=TLSv1\\.3 with cipher TLS_\\w+, auth_to=smtp/mail2\\.demo\\.test\\S*,"
                + " auth_method=X-EXPS GSSAPI, delay=");
        assertThat(story).containsPattern("STARTTLS: TLSv1\\.3 with cipher TLS_\\w+")
                .contains("X-EXPS GSSAPI: mail1 proved to be smtp/mail1.demo.test@DEMO.TEST")
                .contains("the server mail1, one of group:organization-servers")
                .contains("accept-authoritative-domain for server:mail1 on server:mail2/default: ALLOWED")
                .contains("submit for user:alice on server:mail1/default: ALLOWED");
        // each server's delivery event, from its own event log
        assertThat(story).containsPattern("4301 Message \\w+ was delivered to <bob@demo.test>: 250 2.0.0 OK queued as")
                .containsPattern("4301 Message \\w+ was delivered to <bob@demo.test>: 250 2.0.0 delivered to Maildir");

        // the commands it offers work against what it runs: mail2 hands a message back to alice on mail1
        int mail2 = port(story, "mail2");
        assertThat(story).contains("./baton send --server 127.0.0.1:" + mail2 + " --starttls --from you@demo.test --to alice@demo.test");
        try (SmtpTestClient c = SmtpTestClient.connect(mail2)) {
            c.greetAndEhlo();
            c.transaction("you@demo.test", "alice@demo.test");
            c.data("Subject: back to mail1\r\n\r\nhello\r\n").expect(250);
        }
        Path alice = Eventually.fileIn(dir.resolve("mail1/mailboxes/demo.test/alice/new"), START);
        assertThat(Files.readString(alice)).contains("Subject: back to mail1").contains("by mail1.demo.test (Baton) with ESMTPSA");
    }

    @Test
    void theFailureItOffersHappensAtOnceAndIsMendedAsItSays() throws Exception {
        Path dir = tmp.resolve("demo");
        String story = storyOf(dir);
        int mail1 = port(story, "mail1");
        Path keytab = dir.resolve("mail2/kerberos/smtp.keytab");
        Path away = dir.resolve("mail2.keytab.away");
        String mail1Dir = dir.resolve("mail1").toString();
        String mail2Dir = dir.resolve("mail2").toString();
        assertThat(story).contains("mv " + keytab + " " + away, "queue retry --all --data-dir " + mail1Dir);

        // right after the story's own message: no session kept from it carries this one past the check
        Files.move(keytab, away);
        try (SmtpTestClient c = SmtpTestClient.connect(mail1)) {
            c.greetAndEhlo();
            c.transaction("you@demo.test", "bob@demo.test");
            c.data("Subject: while the keytab is away\r\n\r\nhello\r\n").expect(250);
        }
        Eventually.await("mail1 keeping the message with mail2's refusal", START,
                () -> BatonCliTest.run("queue", "list", "--data-dir", mail1Dir).out().contains("504 5.7.4"));
        Eventually.await("7006 on mail1", START,
                () -> BatonCliTest.run("events", "--data-dir", mail1Dir, "--id", "7006").out().contains("mail2.demo.test"));
        Eventually.await("1704 on mail2", START, () -> BatonCliTest.run("events", "--data-dir", mail2Dir, "--id", "1704").out()
                .contains("keytab missing or unreadable"));
        assertThat(maildir(dir.resolve("mail2/mailboxes/demo.test/bob/new"))).hasSize(1);

        Files.move(away, keytab);
        BatonCliTest.Result retry = BatonCliTest.run("queue", "retry", "--all", "--data-dir", mail1Dir);
        assertThat(retry.exit()).as(retry.err()).isZero();
        Eventually.await("the message in bob's Maildir after the retry", START,
                () -> maildir(dir.resolve("mail2/mailboxes/demo.test/bob/new")).size() == 2);
        Eventually.await("mail1's queue empty", START,
                () -> BatonCliTest.run("queue", "list", "--data-dir", mail1Dir).out().contains("Queue is empty."));
    }

    @Test
    void sigtermStopsBothServersAndTheKdcAndASecondRunReplacesTheFolderOfTheFirst() throws Exception {
        Path dir = tmp.resolve("demo");
        Path first = tmp.resolve("first.out");
        Process p = demo(dir, first);
        String story = awaitStory(p, first);
        int mail1 = port(story, "mail1");
        int mail2 = port(story, "mail2");
        Matcher kdc = Pattern.compile("KDC {4}embedded, run by mail1, on 127\\.0\\.0\\.1:(\\d+)").matcher(story);
        assertThat(kdc.find()).as(story).isTrue();

        // while it runs, a second demo on the same folder is refused and deletes nothing
        BatonCliTest.Result busy = BatonCliTest.run("demo", "--dir", dir.toString());
        assertThat(busy.exit()).isEqualTo(2);
        assertThat(busy.err()).contains("a demo is still running on");
        assertThat(maildir(dir.resolve("mail2/mailboxes/demo.test/bob/new"))).hasSize(1);

        p.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the shutdown hook stops everything
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(read(first)).isTrue();
        assertThat(read(first)).contains("Stopped mail2, mail1 and the KDC.");
        assertThat(accepting(mail1)).isFalse();
        assertThat(accepting(mail2)).isFalse();
        try (Socket s = new Socket()) {
            assertThatThrownBy(() -> s.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(kdc.group(1))), 2000))
                    .as("the KDC stopped with mail1").isInstanceOf(ConnectException.class);
        }

        Path second = tmp.resolve("second.out");
        Process again = demo(dir, second);
        awaitStory(again, second);
        assertThat(maildir(dir.resolve("mail2/mailboxes/demo.test/bob/new"))).as("the first run's message is gone with its folder")
                .hasSize(1);
    }

    @Test
    void aFolderTheDemoDidNotMakeIsRefusedAndLeftAsItIs() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("mine"));
        Files.writeString(dir.resolve("notes.txt"), "keep me");
        BatonCliTest.Result r = BatonCliTest.run("demo", "--dir", dir.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("is not empty and was not made by 'baton demo'", "give --dir a new or empty folder");
        assertThat(Files.readString(dir.resolve("notes.txt"))).isEqualTo("keep me");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).hasSize(1);
        }
    }
}
