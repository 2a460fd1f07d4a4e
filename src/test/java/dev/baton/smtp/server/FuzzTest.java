package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random input (fixed seeds, so a failure reproduces): whatever arrives, the server
 * answers with well-formed replies or closes; it never reports an internal error, and a normal
 * session works afterwards.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FuzzTest {

    private static final String[] VERBS = {"EHLO", "HELO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "NOOP", "VRFY",
        "HELP", "EXPN", "AUTH", "STARTTLS", "XEXCH50", "ETRN", "mail", "Rcpt", "", " ", "\t"};
    private static final String[] PIECES = {"FROM:", "TO:", "<", ">", "@", "example.test", "<>", " ", "SIZE=",
        "BODY=BINARYMIME", "BODY=8BITMIME", "SMTPUTF8", "NOTIFY=", "NEVER", ",", "ORCPT=rfc822;", "+41", "+", "=",
        "RET=FULL", "ENVID=", "\"", "\\", "\u00e9", "\u4e2d", "[127.0.0.1]", "[IPv6:::1]", ":", "LAST", "0", "18446744073709551616",
        "99999999999999999999", "-1", "postmaster", "alice", ".", "..", "\0", "\r", "%s%n%x", "${jndi:x}"};

    @RegisterExtension
    final TestServer server = new TestServer();

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 42, 1337})
    void randomBytesNeverCrashTheServer(long seed) throws Exception {
        server.limits("maxErrors: 1000").start();
        Random rnd = new Random(seed);
        SmtpTestClient c = server.connectEhlo();
        ByteArrayOutputStream garbage = new ByteArrayOutputStream();
        int n = 200 + rnd.nextInt(4000);
        for (int i = 0; i < n; i++) {
            int kind = rnd.nextInt(10);
            garbage.write(kind == 0 ? '\r' : kind == 1 ? '\n' : rnd.nextInt(256));
        }
        garbage.write('\r');
        garbage.write('\n');
        sendAndCheckReplies(c, garbage.toByteArray());
        normalSessionStillWorks();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13, 14, 15, 16, 17, 18, 99, 2024})
    void randomCommandLinesNeverCrashTheServer(long seed) throws Exception {
        server.limits("maxErrors: 1000").holdDelivery().start();
        Random rnd = new Random(seed);
        SmtpTestClient c = server.connectEhlo();
        StringBuilder lines = new StringBuilder();
        int n = 20 + rnd.nextInt(80);
        for (int i = 0; i < n; i++) {
            String verb = VERBS[rnd.nextInt(VERBS.length)];
            if (verb.equals("STARTTLS") || verb.equals("DATA") || verb.equals("BDAT")) {
                // these change the framing; they get a well-formed or broken argument so the
                // server refuses them (DATA and BDAT framing has its own tests)
                verb = verb + (rnd.nextBoolean() ? " x" : " ");
            }
            StringBuilder line = new StringBuilder(verb);
            int parts = rnd.nextInt(8);
            for (int p = 0; p < parts; p++) {
                line.append(PIECES[rnd.nextInt(PIECES.length)]);
            }
            if (rnd.nextInt(20) == 0) {
                line.append("z".repeat(rnd.nextInt(1200)));
            }
            lines.append(line).append(rnd.nextInt(15) == 0 ? "\n" : "\r\n");
        }
        sendAndCheckReplies(c, lines.toString().getBytes(StandardCharsets.UTF_8));
        normalSessionStillWorks();
    }

    /**
     * Sends everything, then reads replies until the server falls silent or closes. Every line
     * must be a well-formed reply line, and none may be the internal-error reply (451 4.3.0).
     */
    private static void sendAndCheckReplies(SmtpTestClient c, byte[] input) throws IOException {
        try {
            c.sendRaw(input);
        } catch (SocketException e) {
            return; // the server closed while we were still sending: allowed
        }
        c.readTimeout(Duration.ofMillis(700));
        List<SmtpTestClient.Reply> replies = new ArrayList<>();
        try {
            while (true) {
                replies.add(c.read());
            }
        } catch (SocketTimeoutException | EOFException | SocketException e) {
            // silent or closed: both are fine ends
        }
        assertThat(replies).allSatisfy(r -> {
            assertThat(r.code()).isBetween(200, 599);
            assertThat(r.text()).doesNotContain("Local error in processing");
        });
    }

    private void normalSessionStillWorks() throws Exception {
        SmtpTestClient c = server.connectEhlo();
        assertThat(c.command("MAIL FROM:<a@sender.test>").code()).isEqualTo(250);
        assertThat(c.command("RCPT TO:<alice@example.test>").code()).isEqualTo(250);
        assertThat(c.command("DATA").code()).isEqualTo(354);
        assertThat(c.command("Subject: after fuzz\r\n\r\nstill alive\r\n.").code()).isEqualTo(250);
        assertThat(c.command("QUIT").code()).isEqualTo(221);
    }

}
