package dev.baton.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The helpers tests stand on must not lie either. */
@Timeout(30)
class TestHelpersTest {

    @Test
    void aFailedAssertionInAScriptedPeerFailsTheTestWhenThePeerIsClosed() throws Exception {
        ScriptedPeer peer = new ScriptedPeer(c -> {
            c.send("220 peer.test");
            assertThat(c.readLine()).as("what the client said").isEqualTo("EHLO expected.test");
        });
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), peer.port())) {
            s.getInputStream().read(new byte[64]);
            OutputStream out = s.getOutputStream();
            out.write("EHLO something.else\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Eventually.await("the script has run", () -> peer.received.contains("EHLO something.else"));
        }
        assertThatThrownBy(peer::close).isInstanceOf(AssertionError.class).hasMessageContaining("expected.test");
    }

    @Test
    void aClientThatGoesAwayIsNotAScriptFailure() throws Exception {
        ScriptedPeer peer = new ScriptedPeer(c -> {
            c.send("220 peer.test");
            c.readLine(); // the client hangs up: an I/O error, which is fine
        });
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), peer.port())) {
            s.getInputStream().read(new byte[64]);
        }
        Eventually.await("the connection was taken", () -> peer.accepted() == 1);
        peer.close();
    }

    @Test
    void eventuallyReturnsAsSoonAsTheConditionHoldsAndOtherwiseFailsNamingIt() {
        AtomicInteger n = new AtomicInteger();
        Eventually.await("three looks", () -> n.incrementAndGet() >= 3);
        assertThat(n.get()).isEqualTo(3);
        assertThatThrownBy(() -> Eventually.await("pigs fly", Duration.ofMillis(50), () -> false))
                .isInstanceOf(AssertionError.class).hasMessageContaining("pigs fly");
        assertThatThrownBy(() -> Eventually.eventually(Duration.ofMillis(50), () -> assertThat(1).isEqualTo(2)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("expected: 2");
    }
}
