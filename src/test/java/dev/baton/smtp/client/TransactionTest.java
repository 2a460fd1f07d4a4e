package dev.baton.smtp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.mail.DialogueStage;
import dev.baton.smtp.MailParameters;
import dev.baton.smtp.RcptParameters;
import dev.baton.testing.ScriptedPeer;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The one client transaction (delivery and 'baton send' both use it), against scripted servers on real sockets. */
@Timeout(30)
class TransactionTest {

    private static final byte[] CONTENT = "Subject: t\r\n\r\n.dot\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

    private ScriptedPeer peer;
    private final List<SmtpClient> clients = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        clients.forEach(SmtpClient::close);
        if (peer != null) {
            peer.close();
        }
    }

    private SmtpClient client(ClientTimeouts t) throws Exception {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), peer.port());
        SmtpClient c = SmtpClient.open(s, "peer.test", peer.port(), t, line -> { });
        clients.add(c);
        assertThat(c.greeting().code()).isEqualTo(220);
        assertThat(c.hello("client.test", false).accepted()).isTrue();
        return c;
    }

    private static Transaction transaction(boolean chunking, boolean resetFirst, String... rcpts) {
        List<Transaction.Rcpt> rs = new ArrayList<>();
        for (String r : rcpts) {
            rs.add(new Transaction.Rcpt(r, new RcptParameters(Set.of("FAILURE", "DELAY"), "rfc822;" + r)));
        }
        return new Transaction("s@origin.test", new MailParameters("8BITMIME", false, "HDRS", "e 1", 99), rs,
                () -> new ByteArrayInputStream(CONTENT), CONTENT.length, chunking, false, resetFirst);
    }

    @Test
    void withPipeliningMailAndEveryRcptGoInOneWriteAndEveryReplyComesBackInOrder() throws Exception {
        peer = new ScriptedPeer(ScriptedPeer.standard(List.of("PIPELINING", "DSN", "8BITMIME"),
                a -> a.startsWith("no") ? "550 5.1.1 unknown" : "250 2.1.5 ok", a -> "250 2.0.0 queued"));
        SmtpClient c = client(ClientTimeouts.all(Duration.ofSeconds(5)));
        TransactionResult r = c.send(transaction(false, false, "a@x.test", "no@x.test", "b@x.test"));
        assertThat(r.mailAccepted()).isTrue();
        assertThat(r.recipients()).extracting(SmtpReply::code).containsExactly(250, 550, 250);
        assertThat(r.accepted(1)).isFalse();
        assertThat(r.finals()).singleElement().extracting(SmtpReply::code).isEqualTo(250);
        assertThat(peer.received).contains("MAIL FROM:<s@origin.test> SIZE=99 BODY=8BITMIME RET=HDRS ENVID=e+201",
                "RCPT TO:<a@x.test> NOTIFY=DELAY,FAILURE ORCPT=rfc822;a@x.test", "DATA", "..dot");
    }

    @Test
    void aReusedSessionSendsRsetFirstAndOneThatDoesNotAnswerItIsStale() throws Exception {
        peer = new ScriptedPeer(c -> {
            c.send("220 peer.test");
            c.readLine();
            c.send("250-peer.test\n250 PIPELINING");
            assertThat(c.readLine()).isEqualTo("RSET");
            assertThat(c.readLine()).startsWith("MAIL FROM:");
            assertThat(c.readLine()).startsWith("RCPT TO:");
            c.send("421 4.4.2 idle too long");
        });
        SmtpClient c = client(ClientTimeouts.all(Duration.ofSeconds(5)));
        assertThatThrownBy(() -> c.send(transaction(false, true, "a@x.test")))
                .isInstanceOfSatisfying(TransactionException.class, e -> {
                    assertThat(e.staleSession()).isTrue();
                    assertThat(e.dataSent()).isFalse();
                });
    }

    @Test
    void bdatIsUsedWhenAllowedAndOfferedAndARefusedChunkEndsTheTransaction() throws Exception {
        peer = new ScriptedPeer(c -> {
            c.send("220 peer.test");
            c.readLine();
            c.send("250-peer.test\n250 CHUNKING");
            c.readLine();
            c.send("250 ok");
            c.readLine();
            c.send("250 ok");
            String bdat = c.readLine();
            assertThat(bdat).isEqualTo("BDAT " + CONTENT.length + " LAST");
            c.readBytes(CONTENT.length);
            c.send("554 5.6.0 no thanks");
            c.readLine();
        });
        SmtpClient c = client(ClientTimeouts.all(Duration.ofSeconds(5)));
        TransactionResult r = c.send(transaction(true, false, "a@x.test"));
        assertThat(r.dataRefused()).isNull();
        assertThat(r.dataStage()).isEqualTo(DialogueStage.BDAT);
        assertThat(r.finals()).singleElement().extracting(SmtpReply::code).isEqualTo(554);
    }

    @Test
    void aReplyDrippedOneOctetAtATimeIsCutAtTheDeadlineOfItsStepNotExtendedByEachOctet() throws Exception {
        peer = new ScriptedPeer(c -> {
            c.send("220 peer.test");
            c.readLine();
            c.send("250 peer.test");
            c.readLine(); // MAIL
            for (char ch : "250 2.1.0 sender is fine, eventually".toCharArray()) {
                c.socket.getOutputStream().write(ch);
                c.socket.getOutputStream().flush();
                Thread.sleep(100); // each octet well within any per-read timeout
            }
        });
        Duration step = Duration.ofMillis(700);
        SmtpClient c = client(new ClientTimeouts(step, step, step, step, step, step));
        long start = System.nanoTime();
        assertThatThrownBy(() -> c.send(transaction(false, false, "a@x.test")))
                .isInstanceOfSatisfying(TransactionException.class, e -> {
                    assertThat(e.stage()).isEqualTo(DialogueStage.MAIL);
                    assertThat(e.failure()).isInstanceOf(SocketTimeoutException.class);
                });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2500));
    }

    @Test
    void ehloRefusedPermanentlyFallsBackToHelo() throws Exception {
        peer = new ScriptedPeer(c -> {
            c.send("220 old.test");
            assertThat(c.readLine()).startsWith("EHLO ");
            c.send("500 5.5.2 what is EHLO");
            assertThat(c.readLine()).isEqualTo("HELO client.test");
            c.send("250 old.test");
            c.readLine();
        });
        Socket s = new Socket(InetAddress.getLoopbackAddress(), peer.port());
        SmtpClient c = SmtpClient.open(s, "old.test", peer.port(), ClientTimeouts.all(Duration.ofSeconds(5)), line -> { });
        clients.add(c);
        c.greeting();
        SmtpClient.Hello h = c.hello("client.test", false);
        assertThat(h.verb()).isEqualTo(DialogueStage.HELO);
        assertThat(h.accepted()).isTrue();
        assertThat(c.offers("PIPELINING")).isFalse();
    }
}
