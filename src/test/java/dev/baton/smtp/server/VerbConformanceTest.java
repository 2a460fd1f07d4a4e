package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.queue.Envelope;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.SmtpTestClient.Reply;
import dev.baton.testing.TestServer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every verb of RFC 5321 and the extensions Baton offers, over a real socket. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class VerbConformanceTest {

    @RegisterExtension
    final TestServer server = new TestServer();

    private SmtpTestClient ready() throws Exception {
        server.start();
        return server.connectEhlo();
    }

    // ---- greeting, EHLO, HELO

    @Test
    void greetingIs220WithTheServerName() throws Exception {
        server.start();
        Reply greeting = server.connect().read();
        assertThat(greeting.code()).isEqualTo(220);
        assertThat(greeting.text()).startsWith("mx.example.test ");
    }

    @Test
    void ehloListsEveryExtension() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        c.read();
        Reply ehlo = c.command("EHLO client.example.test");
        assertThat(ehlo.code()).isEqualTo(250);
        assertThat(ehlo.lines().get(0)).startsWith("mx.example.test Hello client.example.test [127.0.0.1]");
        assertThat(ehlo.lines()).contains("PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "STARTTLS", "CHUNKING",
                "BINARYMIME", "SMTPUTF8", "DSN");
        assertThat(ehlo.lines()).anyMatch(l -> l.matches("SIZE [1-9]\\d*"));
    }

    @Test
    void ehloAdvertisesTheConfiguredSizeLimit() throws Exception {
        server.limits("maxMessageSize: 4096");
        Reply ehlo = ready().command("EHLO again.example.test");
        assertThat(ehlo.lines()).contains("SIZE 4096");
    }

    @Test
    void ehloWithoutTlsConfiguredDoesNotOfferStarttls() throws Exception {
        server.vs("tls: {mode: off}");
        server.start();
        SmtpTestClient c = server.connect();
        Reply ehlo = c.greetAndEhlo();
        assertThat(ehlo.lines()).doesNotContain("STARTTLS");
        assertThat(c.command("STARTTLS").status()).isEqualTo("502 5.5.1");
    }

    @Test
    void ehloAcceptsAnAddressLiteral() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        c.read();
        assertThat(c.command("EHLO [127.0.0.1]").code()).isEqualTo(250);
    }

    @Test
    void ehloWithoutArgumentIs501() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        c.read();
        assertThat(c.command("EHLO").code()).isEqualTo(501);
    }

    @Test
    void ehloWithAnInvalidNameIs501() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        c.read();
        assertThat(c.command("EHLO bad<name>").code()).isEqualTo(501);
    }

    /** The HELO name goes into the Received header: no bare CR or control octet may ride in. */
    @Test
    void ehloWithControlCharactersInAnAddressLiteralIs501() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        c.read();
        assertThat(c.command("EHLO [1.2.3.4\rX-Injected:yes]").code()).isEqualTo(501);
        assertThat(c.command("EHLO [1.2.3.4\u0000]").code()).isEqualTo(501);
        assertThat(c.command("EHLO [a[b]").code()).isEqualTo(501);
        assertThat(c.command("EHLO [IPv6:::1]").code()).isEqualTo(250);
    }

    @Test
    void heloAnswersOneLineWithoutExtensions() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        c.read();
        Reply helo = c.command("HELO client.example.test");
        assertThat(helo.code()).isEqualTo(250);
        assertThat(helo.lines()).hasSize(1);
        assertThat(helo.enhanced()).isNull();
    }

    @Test
    void heloSessionRepliesHaveNoEnhancedStatusCodes() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        c.read();
        c.command("HELO client.example.test");
        Reply noop = c.command("NOOP");
        assertThat(noop.code()).isEqualTo(250);
        assertThat(noop.enhanced()).isNull();
        Reply unknown = c.command("FOO");
        assertThat(unknown.code()).isEqualTo(500);
        assertThat(unknown.enhanced()).isNull();
        assertThat(c.command("MAIL FROM:<a@sender.test>").status()).isEqualTo("250");
    }

    @Test
    void heloSessionRefusesEsmtpParameters() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        c.read();
        c.command("HELO client.example.test");
        assertThat(c.command("MAIL FROM:<a@sender.test> SIZE=10").code()).isEqualTo(555);
    }

    @Test
    void aDuplicatedOrMalformedParameterIsASyntaxErrorInParametersNotAnAddressError() throws Exception {
        SmtpTestClient c = ready();
        SmtpTestClient.Reply twice = c.command("MAIL FROM:<a@sender.test> BODY=8BITMIME BODY=7BIT");
        assertThat(twice.status()).isEqualTo("501 5.5.4");
        assertThat(twice.text()).contains("parameter BODY given twice");
        assertThat(c.command("MAIL FROM:<a@sender.test> SI_ZE=1").status()).isEqualTo("501 5.5.4");
        c.command("MAIL FROM:<a@sender.test>").expect(250);
        assertThat(c.command("RCPT TO:<alice@example.test> NOTIFY=NEVER notify=SUCCESS").status()).isEqualTo("501 5.5.4");
        assertThat(c.command("RCPT TO:<alice@example.test>").code()).as("the transaction goes on").isEqualTo(250);
    }

    @Test
    void ehloSessionRepliesCarryEnhancedStatusCodes() throws Exception {
        SmtpTestClient c = ready();
        assertThat(c.command("NOOP").status()).isEqualTo("250 2.0.0");
    }

    @Test
    void heloWithTwoWordsIs501() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        c.read();
        assertThat(c.command("HELO two words").code()).isEqualTo(501);
    }

    // ---- simple verbs

    @Test
    void noopIs250() throws Exception {
        assertThat(ready().command("NOOP").status()).isEqualTo("250 2.0.0");
    }

    @Test
    void noopIsAllowedBeforeEhlo() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        c.read();
        assertThat(c.command("NOOP").code()).isEqualTo(250);
    }

    @Test
    void verbsAreCaseInsensitive() throws Exception {
        SmtpTestClient c = ready();
        assertThat(c.command("noop").code()).isEqualTo(250);
        assertThat(c.command("mail from:<a@sender.test>").code()).isEqualTo(250);
        assertThat(c.command("rcpt to:<alice@EXAMPLE.test>").code()).isEqualTo(250);
    }

    @Test
    void rsetIs250AndClearsTheTransaction() throws Exception {
        SmtpTestClient c = ready();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        assertThat(c.command("RSET").status()).isEqualTo("250 2.0.0");
        assertThat(c.command("RCPT TO:<alice@example.test>").status()).isEqualTo("503 5.5.1");
        assertThat(c.command("MAIL FROM:<a@sender.test>").code()).isEqualTo(250);
    }

    @Test
    void rsetWithArgumentIs501() throws Exception {
        assertThat(ready().command("RSET now").status()).isEqualTo("501 5.5.4");
    }

    @Test
    void quitIs221AndCloses() throws Exception {
        SmtpTestClient c = ready();
        assertThat(c.command("QUIT").status()).isEqualTo("221 2.0.0");
        assertThat(c.isClosedByServer()).isTrue();
    }

    @Test
    void quitBeforeEhloIs221AndCloses() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        c.read();
        assertThat(c.command("QUIT").code()).isEqualTo(221);
        assertThat(c.isClosedByServer()).isTrue();
    }

    @Test
    void vrfyIs252() throws Exception {
        assertThat(ready().command("VRFY alice").status()).isEqualTo("252 2.5.2");
    }

    @Test
    void vrfyWithoutArgumentIs501() throws Exception {
        assertThat(ready().command("VRFY").code()).isEqualTo(501);
    }

    @Test
    void helpIs214() throws Exception {
        assertThat(ready().command("HELP").status()).isEqualTo("214 2.0.0");
    }

    @Test
    void unknownVerbIs500WithEnhancedCode552() throws Exception {
        assertThat(ready().command("FROB nicate").status()).isEqualTo("500 5.5.2");
    }

    @Test
    void emptyLineIs500() throws Exception {
        assertThat(ready().command("").code()).isEqualTo(500);
    }

    @Test
    void expnIs502() throws Exception {
        assertThat(ready().command("EXPN staff").status()).isEqualTo("502 5.5.1");
    }

    @Test
    void authPlainBeforeTlsIs538() throws Exception {
        assertThat(ready().command("AUTH PLAIN AGFsaWNlAHNlY3JldA==").status()).isEqualTo("538 5.7.11");
    }

    // ---- bad sequences

    @Test
    void mailBeforeEhloIs503() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        c.read();
        assertThat(c.command("MAIL FROM:<a@sender.test>").code()).isEqualTo(503);
    }

    @Test
    void rcptBeforeMailIs503() throws Exception {
        assertThat(ready().command("RCPT TO:<alice@example.test>").status()).isEqualTo("503 5.5.1");
    }

    @Test
    void dataBeforeMailIs503() throws Exception {
        assertThat(ready().command("DATA").status()).isEqualTo("503 5.5.1");
    }

    /** RFC 5321 3.3 allows 503 or 554 here; Baton says 554 "no valid recipients", like Postfix. */
    @Test
    void dataBeforeRcptIsRefusedWithNoValidRecipients() throws Exception {
        SmtpTestClient c = ready();
        c.command("MAIL FROM:<a@sender.test>");
        assertThat(c.command("DATA").status()).isEqualTo("554 5.5.1");
    }

    @Test
    void dataAfterOnlyRefusedRecipientsIs554() throws Exception {
        SmtpTestClient c = ready();
        c.command("MAIL FROM:<a@sender.test>");
        assertThat(c.command("RCPT TO:<x@elsewhere.test>").code()).isEqualTo(550);
        assertThat(c.command("DATA").status()).isEqualTo("554 5.5.1");
    }

    @Test
    void nestedMailIs503() throws Exception {
        SmtpTestClient c = ready();
        c.command("MAIL FROM:<a@sender.test>");
        assertThat(c.command("MAIL FROM:<b@sender.test>").status()).isEqualTo("503 5.5.1");
    }

    @Test
    void dataAfterBdatIs503() throws Exception {
        SmtpTestClient c = ready();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        c.sendRaw("BDAT 7\r\nHello\r\n");
        assertThat(c.read().code()).isEqualTo(250);
        assertThat(c.command("DATA").status()).isEqualTo("503 5.5.1");
    }

    @Test
    void rcptAfterBdatIs503() throws Exception {
        SmtpTestClient c = ready();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        c.sendRaw("BDAT 7\r\nHello\r\n");
        assertThat(c.read().code()).isEqualTo(250);
        assertThat(c.command("RCPT TO:<bob@example.test>").status()).isEqualTo("503 5.5.1");
    }

    @Test
    void ehloResetsTheTransaction() throws Exception {
        SmtpTestClient c = ready();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("EHLO client.example.test");
        assertThat(c.command("RCPT TO:<alice@example.test>").code()).isEqualTo(503);
    }

    // ---- MAIL and RCPT

    @Test
    void mailAndRcptAreAccepted() throws Exception {
        SmtpTestClient c = ready();
        assertThat(c.command("MAIL FROM:<a@sender.test>").status()).isEqualTo("250 2.1.0");
        assertThat(c.command("RCPT TO:<alice@example.test>").status()).isEqualTo("250 2.1.5");
    }

    @Test
    void mailWithSpaceAfterColonIsAccepted() throws Exception {
        assertThat(ready().command("MAIL FROM: <a@sender.test>").code()).isEqualTo(250);
    }

    @Test
    void mailWithoutAngleBracketsIs501() throws Exception {
        assertThat(ready().command("MAIL FROM:a@sender.test").status()).isEqualTo("501 5.1.7");
    }

    @Test
    void mailWithBadAddressIs501() throws Exception {
        assertThat(ready().command("MAIL FROM:<a..b@sender.test>").status()).isEqualTo("501 5.1.7");
    }

    @Test
    void mailWithoutFromIs501() throws Exception {
        assertThat(ready().command("MAIL <a@sender.test>").code()).isEqualTo(501);
    }

    @Test
    void rcptWithBadAddressIs501() throws Exception {
        SmtpTestClient c = ready();
        c.command("MAIL FROM:<a@sender.test>");
        assertThat(c.command("RCPT TO:<alice@@example.test>").status()).isEqualTo("501 5.1.3");
        assertThat(c.command("RCPT TO:<>").status()).isEqualTo("501 5.1.3");
    }

    @Test
    void nonNumericSizeIs501() throws Exception {
        assertThat(ready().command("MAIL FROM:<a@sender.test> SIZE=big").status()).isEqualTo("501 5.5.4");
    }

    @Test
    void unknownBodyIs501() throws Exception {
        assertThat(ready().command("MAIL FROM:<a@sender.test> BODY=9BIT").status()).isEqualTo("501 5.5.4");
    }

    @Test
    void aDuplicatedMailParameterIs501WithTheStatusOfABadArgumentNotOfABadSender() throws Exception {
        server.start();
        SmtpTestClient c = server.connectEhlo();
        for (String params : java.util.List.of("SIZE=1 SIZE=2", "BODY=8BITMIME body=7BIT", "RET=FULL RET=HDRS", "ENVID=a ENVID=b",
                "SMTPUTF8 SMTPUTF8")) {
            assertThat(c.command("MAIL FROM:<a@sender.test> " + params).status()).as(params).isEqualTo("501 5.5.4");
            c.command("RSET");
        }
    }

    @Test
    void aDuplicatedRcptParameterIs501WithTheStatusOfABadArgument() throws Exception {
        SmtpTestClient c = ready();
        c.command("MAIL FROM:<a@sender.test>");
        assertThat(c.command("RCPT TO:<alice@example.test> NOTIFY=NEVER NOTIFY=NEVER").status()).isEqualTo("501 5.5.4");
    }

    @Test
    void unknownMailParameterIs555() throws Exception {
        assertThat(ready().command("MAIL FROM:<a@sender.test> XFOO=bar").status()).isEqualTo("555 5.5.4");
    }

    @Test
    void unknownRcptParameterIs555() throws Exception {
        SmtpTestClient c = ready();
        c.command("MAIL FROM:<a@sender.test>");
        assertThat(c.command("RCPT TO:<alice@example.test> XFOO").status()).isEqualTo("555 5.5.4");
    }

    @Test
    void declaredSizeOverTheLimitIs552AtMail() throws Exception {
        server.limits("maxMessageSize: 2048");
        SmtpTestClient c = ready();
        assertThat(c.command("MAIL FROM:<a@sender.test> SIZE=2049").status()).isEqualTo("552 5.3.4");
        assertThat(c.command("MAIL FROM:<a@sender.test> SIZE=2048").code()).isEqualTo(250);
    }

    @Test
    void nullSenderIsAccepted() throws Exception {
        SmtpTestClient c = ready();
        assertThat(c.command("MAIL FROM:<>").code()).isEqualTo(250);
        assertThat(c.command("RCPT TO:<alice@example.test>").code()).isEqualTo(250);
    }

    @Test
    void sourceRouteIsAcceptedAndIgnored() throws Exception {
        SmtpTestClient c = ready();
        c.command("MAIL FROM:<a@sender.test>");
        Reply r = c.command("RCPT TO:<@relay.test:alice@example.test>");
        assertThat(r.code()).isEqualTo(250);
        assertThat(r.text()).contains("<alice@example.test>");
    }

    // ---- SMTPUTF8

    @Test
    void nonAsciiSenderWithoutSmtputf8Is553() throws Exception {
        assertThat(ready().command("MAIL FROM:<jösé@sender.test>").status()).isEqualTo("553 5.6.7");
    }

    @Test
    void nonAsciiRecipientWithoutSmtputf8Is553() throws Exception {
        SmtpTestClient c = ready();
        c.command("MAIL FROM:<a@sender.test>");
        assertThat(c.command("RCPT TO:<ännä@example.test>").status()).isEqualTo("553 5.6.7");
    }

    @Test
    void nonAsciiAddressesWithSmtputf8AreAcceptedAndQueued() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        assertThat(c.command("MAIL FROM:<jösé@sender.test> SMTPUTF8").code()).isEqualTo(250);
        assertThat(c.command("RCPT TO:<ännä@example.test>").code()).isEqualTo(250);
        assertThat(c.command("DATA").code()).isEqualTo(354);
        assertThat(c.command("Subject: hej\r\n\r\nHej!\r\n.").code()).isEqualTo(250);
        Envelope e = server.queued().get(0).envelope();
        assertThat(e.sender()).isEqualTo("jösé@sender.test");
        assertThat(e.smtputf8()).isTrue();
        assertThat(e.recipients().get(0).address()).isEqualTo("ännä@example.test");
        assertThat(e.protocol()).isEqualTo("UTF8SMTP");
    }

    @Test
    void smtputf8WithValueIs501() throws Exception {
        assertThat(ready().command("MAIL FROM:<a@sender.test> SMTPUTF8=yes").code()).isEqualTo(501);
    }

    // ---- DSN (RFC 3461)

    @Test
    void dsnParametersAreAcceptedAndKeptInTheEnvelope() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        assertThat(c.command("MAIL FROM:<a@sender.test> RET=HDRS ENVID=QQ+2B314").code()).isEqualTo(250);
        assertThat(c.command("RCPT TO:<alice@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;alice+40example.test").code())
                .isEqualTo(250);
        assertThat(c.command("RCPT TO:<bob@example.test> NOTIFY=NEVER").code()).isEqualTo(250);
        assertThat(c.command("RCPT TO:<carol@example.test>").code()).isEqualTo(250);
        assertThat(c.command("DATA").code()).isEqualTo(354);
        assertThat(c.command("Subject: dsn\r\n\r\nbody\r\n.").code()).isEqualTo(250);

        List<QueuedMessage> q = server.queued();
        assertThat(q).hasSize(1);
        Envelope e = q.get(0).envelope();
        assertThat(e.ret()).isEqualTo("HDRS");
        assertThat(e.envid()).isEqualTo("QQ+314");
        List<Recipient> r = e.recipients();
        assertThat(r.get(0).notifyOn()).isEqualTo(Set.of("SUCCESS", "FAILURE"));
        assertThat(r.get(0).orcpt()).isEqualTo("rfc822;alice@example.test");
        assertThat(r.get(1).notifyOn()).isEqualTo(Set.of("NEVER"));
        assertThat(r.get(1).orcpt()).isNull();
        assertThat(r.get(2).notifyOn()).isEmpty();
        assertThat(r.get(2).orcpt()).isNull();
    }

    @Test
    void retFullIsAccepted() throws Exception {
        assertThat(ready().command("MAIL FROM:<a@sender.test> RET=FULL").code()).isEqualTo(250);
    }

    @Test
    void badRetIs501() throws Exception {
        assertThat(ready().command("MAIL FROM:<a@sender.test> RET=BODY").status()).isEqualTo("501 5.5.4");
    }

    @Test
    void badEnvidXtextIs501() throws Exception {
        assertThat(ready().command("MAIL FROM:<a@sender.test> ENVID=a+zz").status()).isEqualTo("501 5.5.4");
    }

    @Test
    void notifyNeverCombinedWithSuccessIs501() throws Exception {
        SmtpTestClient c = ready();
        c.command("MAIL FROM:<a@sender.test>");
        assertThat(c.command("RCPT TO:<alice@example.test> NOTIFY=NEVER,SUCCESS").status()).isEqualTo("501 5.5.4");
    }

    @Test
    void notifyWithUnknownValueIs501() throws Exception {
        SmtpTestClient c = ready();
        c.command("MAIL FROM:<a@sender.test>");
        assertThat(c.command("RCPT TO:<alice@example.test> NOTIFY=SOMETIMES").code()).isEqualTo(501);
        assertThat(c.command("RCPT TO:<alice@example.test> NOTIFY=SUCCESS,SUCCESS").code()).isEqualTo(501);
    }

    @Test
    void orcptWithoutTypeIs501() throws Exception {
        SmtpTestClient c = ready();
        c.command("MAIL FROM:<a@sender.test>");
        assertThat(c.command("RCPT TO:<alice@example.test> ORCPT=alice@example.test").code()).isEqualTo(501);
    }

    // ---- DATA and BDAT

    @Test
    void dataIs354ThenQueued250() throws Exception {
        SmtpTestClient c = ready();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        Reply go = c.command("DATA");
        assertThat(go.code()).isEqualTo(354);
        assertThat(go.enhanced()).isNull();
        Reply done = c.command("Subject: hi\r\n\r\nHello\r\n.");
        assertThat(done.status()).isEqualTo("250 2.0.0");
        assertThat(done.text()).contains("queued as");
    }

    @Test
    void dataWithArgumentIs501() throws Exception {
        SmtpTestClient c = ready();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        assertThat(c.command("DATA now").code()).isEqualTo(501);
    }

    @Test
    void dotStuffingIsRemoved() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        c.command("DATA");
        assertThat(c.command("Subject: dots\r\n\r\n..line\r\n...\r\n..\r\nend\r\n.").code()).isEqualTo(250);
        String content = server.content(server.queued().get(0));
        assertThat(content).endsWith("Subject: dots\r\n\r\n.line\r\n..\r\n.\r\nend\r\n");
    }

    @Test
    void realSizeOverTheLimitInDataIs552() throws Exception {
        server.limits("maxMessageSize: 2048");
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        c.command("DATA");
        String line = "x".repeat(70) + "\r\n";
        assertThat(c.command("Subject: big\r\n\r\n" + line.repeat(40) + ".").status()).isEqualTo("552 5.3.4");
        assertThat(server.queued()).isEmpty();
        assertThat(c.command("NOOP").code()).isEqualTo(250);
    }

    @Test
    void bdatChunksAreJoinedAndQueued() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        c.sendRaw("BDAT 15\r\nSubject: chunk\r");
        assertThat(c.read().status()).isEqualTo("250 2.0.0");
        c.sendRaw("BDAT 8\r\n\n\r\nbody\r");
        assertThat(c.read().code()).isEqualTo(250);
        c.sendRaw("BDAT 1 LAST\r\n\n");
        Reply done = c.read();
        assertThat(done.status()).isEqualTo("250 2.0.0");
        assertThat(done.text()).contains("queued as");
        assertThat(server.content(server.queued().get(0))).endsWith("\r\nSubject: chunk\r\n\r\nbody\r\n");
    }

    @Test
    void bdatZeroLastEndsTheMessage() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        String msg = "Subject: z\r\n\r\nbody\r\n";
        c.sendRaw("BDAT " + msg.length() + "\r\n" + msg);
        assertThat(c.read().code()).isEqualTo(250);
        assertThat(c.command("BDAT 0 LAST").text()).contains("queued as");
        assertThat(server.queued()).hasSize(1);
    }

    @Test
    void bdatDoesNotUnstuffDots() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        String msg = "Subject: d\r\n\r\n..two\r\n.\r\n";
        c.sendRaw("BDAT " + msg.length() + " LAST\r\n" + msg);
        assertThat(c.read().code()).isEqualTo(250);
        assertThat(server.content(server.queued().get(0))).endsWith(msg);
    }

    @Test
    void bdatBeforeMailIs503AndTheChunkIsSkipped() throws Exception {
        SmtpTestClient c = ready();
        c.sendRaw("BDAT 10 LAST\r\nNOOP\r\nNOOP");
        assertThat(c.read().status()).isEqualTo("503 5.5.1");
        assertThat(c.command("NOOP").code()).isEqualTo(250);
    }

    @Test
    void bdatWithBadSizeIs501AndCloses() throws Exception {
        SmtpTestClient c = ready();
        assertThat(c.command("BDAT many").code()).isEqualTo(501);
        assertThat(c.isClosedByServer()).isTrue();
    }

    @Test
    void bdatOverTheSizeLimitIs552() throws Exception {
        server.limits("maxMessageSize: 1024");
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test>");
        c.command("RCPT TO:<alice@example.test>");
        c.sendRaw("BDAT 2000 LAST\r\n" + "x".repeat(2000));
        assertThat(c.read().status()).isEqualTo("552 5.3.4");
        assertThat(server.queued()).isEmpty();
        assertThat(c.command("NOOP").code()).isEqualTo(250);
    }

    @Test
    void binarymimeRequiresBdat() throws Exception {
        SmtpTestClient c = ready();
        assertThat(c.command("MAIL FROM:<a@sender.test> BODY=BINARYMIME").code()).isEqualTo(250);
        c.command("RCPT TO:<alice@example.test>");
        assertThat(c.command("DATA").status()).isEqualTo("503 5.5.1");
    }

    @Test
    void binarymimeOverBdatStoresBytesAsSent() throws Exception {
        server.holdDelivery().start();
        SmtpTestClient c = server.connectEhlo();
        c.command("MAIL FROM:<a@sender.test> BODY=BINARYMIME");
        c.command("RCPT TO:<alice@example.test>");
        byte[] head = "Subject: bin\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] body = {0, 1, (byte) 0xff, '\n', '\r', 'x'};
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        c.sendRaw(("BDAT " + all.length + " LAST\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        c.sendRaw(all);
        assertThat(c.read().code()).isEqualTo(250);
        QueuedMessage m = server.queued().get(0);
        try (var in = server.node().spool().openContent(m)) {
            byte[] stored = in.readAllBytes();
            byte[] tail = java.util.Arrays.copyOfRange(stored, stored.length - all.length, stored.length);
            assertThat(tail).isEqualTo(all);
        }
        assertThat(m.envelope().body()).isEqualTo("BINARYMIME");
    }
}
