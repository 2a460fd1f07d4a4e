package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testing.ChildBaton;
import dev.baton.testing.Eventually;
import dev.baton.testing.SmtpTestClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGHUP does not stop `baton serve` (the JVM's default would, silently): it reloads baton.yml, as `baton reload` does. */
class HangupTest {

    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

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

    private void hangup() throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(server.pid())).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -HUP our child").isTrue();
    }

    private void awaitLines(String needle, long count) {
        Eventually.await(count + " × \"" + needle + "\"", Duration.ofSeconds(30), () -> {
            assertThat(server.isAlive()).as("the server runs on after SIGHUP; its output:\n" + output()).isTrue();
            return output().lines().filter(l -> l.contains(needle)).count() >= count;
        });
    }

    @Test
    void sighupReloadsBatonYmlAndABadOneChangesNothing() throws Exception {
        Path data = dir.resolve("data");
        server = ChildBaton.start(dir, "256m", "serve", "--data-dir", data.toString(), "--smtp-port", "0");
        int port = Eventually.awaitValue("the child server is listening", Duration.ofSeconds(60), () -> {
            assertThat(server.isAlive()).as("child alive: " + output()).isTrue();
            Matcher m = LISTENING.matcher(output());
            return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
        });

        hangup();
        awaitLines("SIGHUP: baton.yml reloaded: no setting changed", 1);
        assertThat(output()).contains("SIGHUP: the directory is unchanged");

        Path yml = data.resolve("baton.yml");
        String good = Files.readString(yml);
        Files.writeString(yml, good.replace("    protocolLog: false", "    protocolLog: false\n    limits: { maxMessageSize: 12345 }"));
        hangup();
        awaitLines("SIGHUP: baton.yml reloaded: virtual server \"default\": limits changed", 1);
        try (SmtpTestClient c = SmtpTestClient.connect(port)) {
            assertThat(c.greetAndEhlo().lines()).as("the new limit, on the port --smtp-port gave").contains("SIZE 12345");
        }

        Files.writeString(yml, "virtualServers: [{ port: 99999 }]\n");
        hangup();
        awaitLines("SIGHUP: baton.yml refused, nothing changed", 1);
        assertThat(output()).contains("virtualServers[0].port");
        try (SmtpTestClient c = SmtpTestClient.connect(port)) {
            assertThat(c.greetAndEhlo().lines()).contains("SIZE 12345");
            c.command("QUIT").expect(221);
        }

        // baton reload asks the same process the same way
        BatonCliTest.Result refused = BatonCliTest.run("reload", "--data-dir", data.toString());
        assertThat(refused.exit()).as(refused.out() + refused.err()).isEqualTo(1);
        assertThat(refused.err()).contains("refused, nothing changed", "virtualServers[0].port");
        Files.writeString(yml, good);
        BatonCliTest.Result reloaded = BatonCliTest.run("reload", "--data-dir", data.toString());
        assertThat(reloaded.exit()).as(reloaded.out() + reloaded.err()).isZero();
        assertThat(reloaded.out()).startsWith("reloaded:").contains("virtual server \"default\": limits changed");
        try (SmtpTestClient c = SmtpTestClient.connect(port)) {
            assertThat(c.greetAndEhlo().lines()).noneMatch(l -> l.contains("SIZE 12345"));
        }
    }
}
