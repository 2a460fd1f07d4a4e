package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.SmtpTestClient.Reply;
import dev.baton.testing.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that sends one octet at a time, each well within the idle timeout, is closed with
 * 421 4.4.2 once the deadline of the whole exchange has passed: the command line, the message
 * transfer (DATA and BDAT) and the TLS handshake (closed without a plaintext reply after the
 * 220). A slow client that keeps up the minimum data rate still gets its message through.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SlowClientDeadlineTest {

    /** Idle timeout and deadline of 2 s; the drip comes every 400 ms, so no single read times out. */
    private static final String LIMITS = "timeouts: {command: 2s, dataBlock: 2s, tlsHandshake: 2s}\nminDataRate: 100";
    private static final Duration DRIP = Duration.ofMillis(400);
    /** The deadline (2 s) with room for a loaded machine, well under what the drip would last (40 octets: 16 s). */
    private static final Duration CLOSED_WITHIN = Duration.ofSeconds(8);

    @RegisterExtension
    final TestServer server = new TestServer();

    private Thread dripper;
    private final AtomicReference<Throwable> dripFailure = new AtomicReference<>();
    /** Counted down when the test is over: the dripper stops at its next pause. */
    private final CountDownLatch over = new CountDownLatch(1);

    @AfterEach
    void stopDripping() throws Exception {
        over.countDown();
        if (dripper != null) {
            dripper.join(5000);
            assertThat(dripper.isAlive()).as("dripper stopped").isFalse();
        }
        assertThat(dripFailure.get()).as("dripper failure").isNull();
    }

    /** Sends the octets one at a time with a pause between them, until done, the server closes, or interrupted. */
    private void drip(SmtpTestClient c, byte[] octets) {
        dripper = Thread.ofPlatform().name("dripper").start(() -> {
            try {
                OutputStream out = c.socket().getOutputStream();
                for (byte b : octets) {
                    out.write(b);
                    out.flush();
                    // the client's pace is what is under test; the pause ends early when the test is over
                    if (over.await(DRIP.toMillis(), TimeUnit.MILLISECONDS)) {
                        return;
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the server closed the connection (what the test wants) or the test is over
            } catch (Throwable t) {
                dripFailure.set(t);
            }
        });
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Reads the server's next reply and checks it is the timeout's 421 (4.4.2 once EHLO made
     * enhanced codes visible) that came within the bound, then the close.
     */
    private static void assertTimedOut(SmtpTestClient c, long startNanos) throws IOException {
        c.readTimeout(CLOSED_WITHIN);
        Reply r = c.read();
        assertThat(r.code()).isEqualTo(421);
        assertThat(r.lines().get(0)).contains("Timeout exceeded");
        assertThat(Duration.ofNanos(System.nanoTime() - startNanos)).isLessThan(CLOSED_WITHIN);
        assertThat(c.isClosedByServer()).isTrue();
    }

    @Test
    void aCommandLineDrippedBeforeEhloIsCutOffAtItsDeadline() throws Exception {
        server.limits(LIMITS).start();
        SmtpTestClient c = server.connect();
        assertThat(c.read().code()).isEqualTo(220);
        long start = System.nanoTime();
        drip(c, ascii("EHLO slow.example.test.and.a.long.name.test\r\n"));
        assertTimedOut(c, start);
    }

    @Test
    void aCommandLineDrippedInsideTheSessionIsCutOffAtItsDeadline() throws Exception {
        server.limits(LIMITS).start();
        SmtpTestClient c = server.connectEhlo();
        long start = System.nanoTime();
        drip(c, ascii("MAIL FROM:<slow-sender-with-a-long-name@sender.test>\r\n"));
        assertTimedOut(c, start);
    }

    @Test
    void dataDrippedBelowTheMinimumRateIsCutOffAndNothingIsQueued() throws Exception {
        server.limits(LIMITS).holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.transaction("a@sender.test", "alice@example.test");
        assertThat(c.command("DATA").code()).isEqualTo(354);
        long start = System.nanoTime();
        drip(c, ascii("Subject: slow\r\n\r\n" + "x".repeat(40) + "\r\n.\r\n"));
        assertTimedOut(c, start);
        assertThat(server.queued()).isEmpty();
    }

    @Test
    void aBdatChunkDrippedBelowTheMinimumRateIsCutOff() throws Exception {
        server.limits(LIMITS).holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.transaction("a@sender.test", "alice@example.test");
        c.sendRaw("BDAT 100 LAST\r\n");
        long start = System.nanoTime();
        drip(c, ascii("x".repeat(100)));
        assertTimedOut(c, start);
        assertThat(server.queued()).isEmpty();
    }

    @Test
    void aTlsHandshakeDrippedPastItsDeadlineIsClosedWithoutAPlaintextReply() throws Exception {
        server.limits(LIMITS).start();
        SmtpTestClient c = server.connectEhlo();
        assertThat(c.command("STARTTLS").code()).isEqualTo(220);
        long start = System.nanoTime();
        // a TLS record header announcing 512 octets of handshake, then the octets, slowly
        byte[] record = new byte[5 + 40];
        record[0] = 0x16;
        record[1] = 0x03;
        record[2] = 0x01;
        record[3] = 0x02;
        record[4] = 0x00;
        drip(c, record);
        c.readTimeout(CLOSED_WITHIN);
        assertThat(c.isClosedByServer()).as("closed").isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(CLOSED_WITHIN);
        assertThat(c.buffered()).as("octets sent in plaintext after the 220").isZero();
    }

    @Test
    void aSlowClientAboveTheMinimumRateGetsItsMessageThroughPastTheDeadline() throws Exception {
        // 100 octets every 200 ms = 500 octets/s, five times the minimum; 3 s in all, past the 2 s deadline
        server.limits(LIMITS).holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.transaction("a@sender.test", "alice@example.test");
        assertThat(c.command("DATA").code()).isEqualTo(354);
        String line = "y".repeat(98) + "\r\n";
        OutputStream out = c.socket().getOutputStream();
        long start = System.nanoTime();
        out.write(ascii("Subject: steady\r\n\r\n"));
        c.readTimeout(Duration.ofMillis(200));
        for (int i = 0; i < 15; i++) {
            out.write(ascii(line));
            out.flush();
            // the pace between lines: in it the server neither replies nor closes
            assertThat(c.isClosedByServer()).as("closed after line %d", i).isFalse();
            assertThat(c.buffered()).as("a reply before the end of data, after line %d", i).isZero();
        }
        out.write(ascii(".\r\n"));
        out.flush();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofSeconds(2));
        c.readTimeout(Duration.ofSeconds(10));
        assertThat(c.read().code()).isEqualTo(250);
        assertThat(server.queued()).hasSize(1);
    }
}
