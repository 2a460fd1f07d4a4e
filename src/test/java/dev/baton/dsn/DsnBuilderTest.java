package dev.baton.dsn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.queue.Envelope;
import dev.baton.queue.Recipient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.dom.Body;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Header;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.util.MimeUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DsnBuilderTest {

    private static final Instant NOW = Instant.parse("2025-03-04T05:06:07Z");
    private static final Instant ARRIVAL = Instant.parse("2025-03-01T10:00:00Z");
    private static final String MTA = "mx1.baton.test";
    private static final String ORIGINAL = "From: Alice <alice@origin.test>\r\nTo: bob@baton.test\r\nSubject: quarterly figures\r\n"
            + "Message-ID: <abc@origin.test>\r\n\r\nHello Bob,\r\nthe secret body text.\r\n";

    private final DsnBuilder builder = new DsnBuilder(Clock.fixed(NOW, ZoneOffset.UTC), DsnBuilder.DEFAULT_RETURN_LIMIT);

    private static Envelope envelope(String sender, String ret, String envid, Recipient... recipients) {
        return new Envelope(sender, List.of(recipients), "8BITMIME", false, ret, envid, 0, "client.origin.test", "192.0.2.7",
                "ESMTPS", null, null, MTA, ARRIVAL, Map.of());
    }

    private static DsnRecipient unknownUser(String address, String orcpt) {
        return new DsnRecipient(address, orcpt, Action.FAILED, "5.1.1", "smtp; 550 5.1.1 <" + address + ">: unknown user",
                "mail.baton.test", Instant.parse("2025-03-04T05:06:00Z"), null);
    }

    private static InputStream content(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Message parse(byte[] message) throws IOException {
        DefaultMessageBuilder b = new DefaultMessageBuilder();
        b.setMimeEntityConfig(MimeConfig.STRICT);
        b.setDecodeMonitor(DecodeMonitor.STRICT);
        return b.parseMessage(new ByteArrayInputStream(message));
    }

    private static String value(Header h, String name) {
        Field f = h.getField(name);
        return f == null ? null : MimeUtil.unfold(f.getBody()).trim();
    }

    private static byte[] bytes(Body body) throws IOException {
        try (InputStream in = ((SingleBody) body).getInputStream()) {
            return in.readAllBytes();
        }
    }

    /** The message/delivery-status part as field groups: the per-message one first, then one per recipient. */
    private static List<Header> statusGroups(Entity part) throws IOException {
        String text = new String(bytes(part.getBody()), StandardCharsets.UTF_8);
        List<Header> groups = new ArrayList<>();
        for (String block : text.split("\r\n\r\n")) {
            if (!block.isBlank()) {
                groups.add(new DefaultMessageBuilder().parseHeader(content(block + "\r\n\r\n")));
            }
        }
        return groups;
    }

    private static void assertCrlfOnly(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n') {
                assertThat(i > 0 && b[i - 1] == '\r').as("bare LF at " + i).isTrue();
            }
            if (b[i] == '\r') {
                assertThat(i + 1 < b.length && b[i + 1] == '\n').as("bare CR at " + i).isTrue();
            }
        }
    }

    @Test
    void bounceHasTheHeadersAndThreePartsOfAnRfc3464Report() throws IOException {
        Envelope env = envelope("alice@origin.test", null, null, Recipient.of("nobody@baton.test"));
        Dsn dsn = builder.build(MTA, env, "QID0001", ARRIVAL, List.of(unknownUser("nobody@baton.test", null)), content(ORIGINAL));

        assertCrlfOnly(dsn.message());
        Message m = parse(dsn.message());
        Header h = m.getHeader();
        assertThat(value(h, "From")).isEqualTo("\"Mail Delivery System\" <MAILER-DAEMON@mx1.baton.test>");
        assertThat(value(h, "To")).isEqualTo("<alice@origin.test>");
        assertThat(value(h, "Subject")).isEqualTo("Undelivered Mail Returned to Sender");
        assertThat(ZonedDateTime.parse(value(h, "Date"), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant()).isEqualTo(NOW);
        assertThat(value(h, "Message-ID")).isEqualTo(dsn.messageId()).matches("<[^<>@\\s]+@mx1\\.baton\\.test>");
        assertThat(value(h, "MIME-Version")).isEqualTo("1.0");
        assertThat(value(h, "Auto-Submitted")).isEqualTo("auto-replied");
        assertThat(h.getField("Content-Transfer-Encoding")).isNull();
        assertThat(dsn.recipient()).isEqualTo("alice@origin.test");
        assertThat(dsn.needs8BitMime()).isFalse();
        assertThat(dsn.returnedFull()).isFalse();

        assertThat(m.getMimeType()).isEqualTo("multipart/report");
        ContentTypeField ct = (ContentTypeField) h.getField("Content-Type");
        assertThat(ct.getParameter("report-type")).isEqualTo("delivery-status");
        assertThat(ct.getBoundary()).isNotBlank().hasSizeLessThanOrEqualTo(70);

        List<Entity> parts = ((Multipart) m.getBody()).getBodyParts();
        assertThat(parts).extracting(Entity::getMimeType)
                .containsExactly("text/plain", "message/delivery-status", "text/rfc822-headers");

        String text = new String(bytes(parts.get(0).getBody()), StandardCharsets.US_ASCII);
        assertThat(text).contains("<nobody@baton.test>", "could not be delivered", "does not exist", "unknown user",
                "will not be tried again", "QID0001");

        List<Header> groups = statusGroups(parts.get(1));
        assertThat(groups).hasSize(2);
        Header perMessage = groups.get(0);
        assertThat(value(perMessage, "Reporting-MTA")).isEqualTo("dns; mx1.baton.test");
        assertThat(value(perMessage, "Arrival-Date")).isEqualTo("Sat, 1 Mar 2025 10:00:00 +0000");
        assertThat(value(perMessage, "Original-Envelope-Id")).as("no ENVID given").isNull();
        assertThat(value(perMessage, "Received-From-MTA")).isEqualTo("dns; client.origin.test (192.0.2.7)");
        Header rcpt = groups.get(1);
        assertThat(value(rcpt, "Original-Recipient")).as("no ORCPT given").isNull();
        assertThat(value(rcpt, "Final-Recipient")).isEqualTo("rfc822; nobody@baton.test");
        assertThat(value(rcpt, "Action")).isEqualTo("failed");
        assertThat(value(rcpt, "Status")).isEqualTo("5.1.1");
        assertThat(value(rcpt, "Remote-MTA")).isEqualTo("dns; mail.baton.test");
        assertThat(value(rcpt, "Diagnostic-Code")).isEqualTo("smtp; 550 5.1.1 <nobody@baton.test>: unknown user");
        assertThat(value(rcpt, "Last-Attempt-Date")).isEqualTo("Tue, 4 Mar 2025 05:06:00 +0000");
        assertThat(value(rcpt, "Will-Retry-Until")).isNull();

        String headers = new String(bytes(parts.get(2).getBody()), StandardCharsets.US_ASCII);
        assertThat(headers).isEqualTo("From: Alice <alice@origin.test>\r\nTo: bob@baton.test\r\nSubject: quarterly figures\r\n"
                + "Message-ID: <abc@origin.test>\r\n");
        assertThat(new String(dsn.message(), StandardCharsets.US_ASCII)).doesNotContain("secret body text");
    }

    @Test
    void retFullReturnsTheWholeOriginalAsMessageRfc822() throws IOException {
        Envelope env = envelope("alice@origin.test", "FULL", null, Recipient.of("nobody@baton.test"));
        Dsn dsn = builder.build(MTA, env, "QID0002", ARRIVAL, List.of(unknownUser("nobody@baton.test", null)), content(ORIGINAL));

        assertThat(dsn.returnedFull()).isTrue();
        List<Entity> parts = ((Multipart) parse(dsn.message()).getBody()).getBodyParts();
        assertThat(parts.get(2).getMimeType()).isEqualTo("message/rfc822");
        Message returned = (Message) parts.get(2).getBody();
        assertThat(returned.getSubject()).isEqualTo("quarterly figures");
        assertThat(returned.getMessageId()).isEqualTo("<abc@origin.test>");
        assertThat(new String(bytes(returned.getBody()), StandardCharsets.US_ASCII)).isEqualTo("Hello Bob,\r\nthe secret body text.\r\n");
        assertThat(new String(dsn.message(), StandardCharsets.US_ASCII)).contains("\r\n\r\n" + ORIGINAL + "\r\n--");
    }

    @Test
    void retHdrsAndNoRetBothReturnTheHeaderSectionOnly() throws IOException {
        for (String ret : new String[] {"HDRS", null}) {
            Envelope env = envelope("alice@origin.test", ret, null, Recipient.of("nobody@baton.test"));
            Dsn dsn = builder.build(MTA, env, "QID0003", ARRIVAL, List.of(unknownUser("nobody@baton.test", null)), content(ORIGINAL));
            List<Entity> parts = ((Multipart) parse(dsn.message()).getBody()).getBodyParts();
            assertThat(parts.get(2).getMimeType()).as("RET=" + ret).isEqualTo("text/rfc822-headers");
            assertThat(dsn.returnedFull()).isFalse();
            assertThat(new String(dsn.message(), StandardCharsets.US_ASCII)).doesNotContain("secret body text");
        }
    }

    @Test
    void retFullLargerThanTheReturnLimitFallsBackToHeaders() throws IOException {
        DsnBuilder small = new DsnBuilder(Clock.fixed(NOW, ZoneOffset.UTC), 64);
        Envelope env = envelope("alice@origin.test", "FULL", null, Recipient.of("nobody@baton.test"));
        String big = ORIGINAL + "x".repeat(100_000) + "\r\n";
        Dsn dsn = small.build(MTA, env, "QID0004", ARRIVAL, List.of(unknownUser("nobody@baton.test", null)), content(big));

        assertThat(dsn.returnedFull()).isFalse();
        List<Entity> parts = ((Multipart) parse(dsn.message()).getBody()).getBodyParts();
        assertThat(parts.get(2).getMimeType()).isEqualTo("text/rfc822-headers");
        assertThat(new String(bytes(parts.get(2).getBody()), StandardCharsets.US_ASCII)).endsWith("Message-ID: <abc@origin.test>\r\n");
        assertThat(new String(bytes(parts.get(0).getBody()), StandardCharsets.US_ASCII)).contains("too large");
        assertThat(dsn.message().length).isLessThan(5000);
    }

    @Test
    void envidAndOrcptAreCarriedBackAsGiven() throws IOException {
        Recipient r = new Recipient("bob@baton.test", Set.of("FAILURE"), "rfc822;Bob.Original@old.origin.test", Map.of());
        Envelope env = envelope("alice@origin.test", "HDRS", "QQ314159+envid", r);
        Dsn dsn = builder.build(MTA, env, "QID0005", ARRIVAL, List.of(unknownUser("bob@baton.test", r.orcpt())), content(ORIGINAL));

        List<Header> groups = statusGroups(((Multipart) parse(dsn.message()).getBody()).getBodyParts().get(1));
        assertThat(value(groups.get(0), "Original-Envelope-Id")).isEqualTo("QQ314159+envid");
        assertThat(value(groups.get(1), "Original-Recipient")).isEqualTo("rfc822; Bob.Original@old.origin.test");
        assertThat(value(groups.get(1), "Final-Recipient")).isEqualTo("rfc822; bob@baton.test");
    }

    @Test
    void delayedReportSaysItIsStillTriedAndUntilWhen() throws IOException {
        Envelope env = envelope("alice@origin.test", null, null, Recipient.of("slow@far.test"));
        DsnRecipient delayed = new DsnRecipient("slow@far.test", null, Action.DELAYED, "4.4.1",
                "smtp; 421 4.4.1 connection timed out", null, Instant.parse("2025-03-04T05:00:00Z"), Instant.parse("2025-03-06T10:00:00Z"));
        Dsn dsn = builder.build(MTA, env, "QID0006", ARRIVAL, List.of(delayed), content(ORIGINAL));

        Message m = parse(dsn.message());
        assertThat(m.getSubject()).isEqualTo("Delayed Mail (still being retried)");
        List<Entity> parts = ((Multipart) m.getBody()).getBodyParts();
        Header rcpt = statusGroups(parts.get(1)).get(1);
        assertThat(value(rcpt, "Action")).isEqualTo("delayed");
        assertThat(value(rcpt, "Status")).isEqualTo("4.4.1");
        assertThat(value(rcpt, "Will-Retry-Until")).isEqualTo("Thu, 6 Mar 2025 10:00:00 +0000");
        assertThat(value(rcpt, "Remote-MTA")).isNull();
        assertThat(new String(bytes(parts.get(0).getBody()), StandardCharsets.US_ASCII))
                .contains("<slow@far.test>", "not been delivered yet", "did not answer", "do not need to send it again");
    }

    @Test
    void subjectFollowsTheActions() throws IOException {
        Envelope env = envelope("alice@origin.test", null, null, Recipient.of("a@baton.test"), Recipient.of("b@far.test"));
        DsnRecipient delivered = new DsnRecipient("a@baton.test", null, Action.DELIVERED, "2.0.0", null, null, NOW, null);
        DsnRecipient relayed = new DsnRecipient("b@far.test", null, Action.RELAYED, "2.0.0", "250 2.0.0 ok", "mx.far.test", NOW, null);
        assertThat(parse(builder.build(MTA, env, "Q1", ARRIVAL, List.of(delivered, relayed), content(ORIGINAL)).message()).getSubject())
                .isEqualTo("Successful Mail Delivery Report");
        Message relayReport = parse(builder.build(MTA, env, "Q2", ARRIVAL, List.of(relayed), content(ORIGINAL)).message());
        assertThat(relayReport.getSubject()).isEqualTo("Relayed Mail Report");
        Header rcpt = statusGroups(((Multipart) relayReport.getBody()).getBodyParts().get(1)).get(1);
        assertThat(value(rcpt, "Action")).isEqualTo("relayed");
        assertThat(value(rcpt, "Diagnostic-Code")).as("a bare reply is typed smtp").isEqualTo("smtp; 250 2.0.0 ok");
        assertThat(parse(builder.build(MTA, env, "Q3", ARRIVAL, List.of(delivered, unknownUser("b@far.test", null)),
                content(ORIGINAL)).message()).getSubject()).isEqualTo("Undelivered Mail Returned to Sender");
    }

    @Test
    void eightBitOriginalIsLabelledAndNeeds8BitMime() throws IOException {
        String original = "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n\r\nGr\u00fc\u00dfe aus K\u00f6ln\r\n";
        Envelope env = envelope("alice@origin.test", "FULL", null, Recipient.of("nobody@baton.test"));
        Dsn dsn = builder.build(MTA, env, "QID0008", ARRIVAL, List.of(unknownUser("nobody@baton.test", null)), content(original));

        assertThat(dsn.needs8BitMime()).isTrue();
        Message m = parse(dsn.message());
        assertThat(m.getContentTransferEncoding()).isEqualTo("8bit");
        List<Entity> parts = ((Multipart) m.getBody()).getBodyParts();
        assertThat(parts.get(2).getContentTransferEncoding()).isEqualTo("8bit");
        assertThat(parts.get(0).getContentTransferEncoding()).isEqualTo("7bit");
        assertThat(parts.get(1).getContentTransferEncoding()).isEqualTo("7bit");
        byte[] body = bytes(((Message) parts.get(2).getBody()).getBody());
        assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo("Gr\u00fc\u00dfe aus K\u00f6ln\r\n");

        // the same original returned as headers only is 7-bit: nothing to label
        Envelope hdrs = envelope("alice@origin.test", "HDRS", null, Recipient.of("nobody@baton.test"));
        assertThat(builder.build(MTA, hdrs, "QID0009", ARRIVAL, List.of(unknownUser("nobody@baton.test", null)), content(original))
                .needs8BitMime()).isFalse();
    }

    @Test
    void longFieldsAreFoldedAndNoLineEndingCanBeInjected() throws IOException {
        String longReply = "smtp; 550-5.7.1 " + "This message was rejected by our content filter ".repeat(6)
                + "\r\nX-Injected: yes\r\n550 5.7.1 see https://example.test/policy";
        Envelope env = envelope("alice@origin.test", null, "envid", Recipient.of("nobody@baton.test"));
        DsnRecipient r = new DsnRecipient("nobody@baton.test", null, Action.FAILED, "5.7.1", longReply, "mx.baton.test", NOW, null);
        Dsn dsn = builder.build(MTA, env, "QID0010", ARRIVAL, List.of(r), content(ORIGINAL));

        assertCrlfOnly(dsn.message());
        String all = new String(dsn.message(), StandardCharsets.US_ASCII);
        assertThat(all.split("\r\n")).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(78));
        assertThat(all).doesNotContain("\r\nX-Injected");
        Header rcpt = statusGroups(((Multipart) parse(dsn.message()).getBody()).getBodyParts().get(1)).get(1);
        assertThat(value(rcpt, "Diagnostic-Code")).startsWith("smtp; 550-5.7.1 This message").contains("X-Injected: yes")
                .endsWith("see https://example.test/policy");
        assertThat(rcpt.getField("X-Injected")).isNull();
        assertThat(all).contains("refused it (not authorized or considered unwanted)");
    }

    @Test
    void boundariesDifferAndNeverOccurInTheOriginal() throws IOException {
        Envelope env = envelope("alice@origin.test", "FULL", null, Recipient.of("nobody@baton.test"));
        List<String> boundaries = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Message m = parse(builder.build(MTA, env, "QID0011", ARRIVAL, List.of(unknownUser("nobody@baton.test", null)),
                    content(ORIGINAL)).message());
            String b = ((ContentTypeField) m.getHeader().getField("Content-Type")).getBoundary();
            assertThat(ORIGINAL).doesNotContain(b);
            boundaries.add(b);
        }
        assertThat(boundaries).doesNotHaveDuplicates();
    }

    @Test
    void nothingIsEverSentToTheNullSender() {
        Envelope env = envelope("", "FULL", null, new Recipient("bob@baton.test", Set.of("SUCCESS", "FAILURE", "DELAY"), null, Map.of()));
        for (Action a : Action.values()) {
            assertThat(DsnBuilder.shouldNotify(env, env.recipients().get(0), a)).as(a.toString()).isFalse();
        }
        assertThatThrownBy(() -> builder.build(MTA, env, "Q", ARRIVAL, List.of(unknownUser("bob@baton.test", null)), content(ORIGINAL)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void entriesAreValidated() {
        assertThatThrownBy(() -> new DsnRecipient("a@b.test", null, Action.FAILED, "550", null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DsnRecipient("a@b.test", "a@b.test", Action.FAILED, "5.1.1", null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class);
        Envelope env = envelope("alice@origin.test", null, null, Recipient.of("a@b.test"));
        assertThatThrownBy(() -> builder.build(MTA, env, "Q", ARRIVAL, List.of(), content(ORIGINAL)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static Stream<Arguments> notifyTable() {
        // NOTIFY given, action, expected
        return Stream.of(
                Arguments.of(Set.of(), Action.FAILED, true),
                Arguments.of(Set.of(), Action.DELAYED, true),
                Arguments.of(Set.of(), Action.DELIVERED, false),
                Arguments.of(Set.of(), Action.RELAYED, false),
                Arguments.of(Set.of(), Action.EXPANDED, false),
                Arguments.of(Set.of("NEVER"), Action.FAILED, false),
                Arguments.of(Set.of("NEVER"), Action.DELAYED, false),
                Arguments.of(Set.of("NEVER"), Action.DELIVERED, false),
                Arguments.of(Set.of("SUCCESS"), Action.DELIVERED, true),
                Arguments.of(Set.of("SUCCESS"), Action.RELAYED, true),
                Arguments.of(Set.of("SUCCESS"), Action.EXPANDED, true),
                Arguments.of(Set.of("SUCCESS"), Action.FAILED, false),
                Arguments.of(Set.of("SUCCESS"), Action.DELAYED, false),
                Arguments.of(Set.of("FAILURE"), Action.FAILED, true),
                Arguments.of(Set.of("FAILURE"), Action.DELAYED, false),
                Arguments.of(Set.of("FAILURE"), Action.DELIVERED, false),
                Arguments.of(Set.of("DELAY"), Action.DELAYED, true),
                Arguments.of(Set.of("DELAY"), Action.FAILED, false),
                Arguments.of(Set.of("FAILURE", "DELAY"), Action.RELAYED, false),
                Arguments.of(Set.of("SUCCESS", "FAILURE", "DELAY"), Action.RELAYED, true),
                Arguments.of(Set.of("failure"), Action.FAILED, true));
    }

    @ParameterizedTest(name = "NOTIFY={0}, {1} -> {2}")
    @MethodSource("notifyTable")
    void notifySemanticsOfRfc3461(Set<String> notify, Action action, boolean expected) {
        Envelope env = envelope("alice@origin.test", null, null, new Recipient("bob@baton.test", notify, null, Map.of()));
        assertThat(DsnBuilder.shouldNotify(env, env.recipients().get(0), action)).isEqualTo(expected);
    }

    @Test
    void originalWithoutBodyOrFinalLineEndStillGivesWellFormedHeaders() throws IOException {
        Envelope env = envelope("alice@origin.test", null, null, Recipient.of("nobody@baton.test"));
        Dsn dsn = builder.build(MTA, env, "QID0012", ARRIVAL, List.of(unknownUser("nobody@baton.test", null)),
                content("Subject: only headers\r\nX-Last: no line end"));
        assertCrlfOnly(dsn.message());
        List<Entity> parts = ((Multipart) parse(dsn.message()).getBody()).getBodyParts();
        assertThat(new String(bytes(parts.get(2).getBody()), StandardCharsets.US_ASCII))
                .isEqualTo("Subject: only headers\r\nX-Last: no line end\r\n");
    }
}
