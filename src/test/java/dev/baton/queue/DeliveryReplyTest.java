package dev.baton.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.mail.DialogueStage;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Delivery outcomes as data: what each part says, how it reads, and which status a DSN gets from it. */
class DeliveryReplyTest {

    private static final String PEER = "mx.b.test[192.0.2.7]:25";

    @Test
    void aPeersReplyKeepsItsTextVerbatimAndNamesThePeerAndTheStep() {
        DeliveryReply r = DeliveryReply.peer(550, "5.1.1 <bob@b.test>: unknown / 5.1.1 really", PEER, DialogueStage.RCPT);
        assertThat(r.text()).isEqualTo("550 5.1.1 <bob@b.test>: unknown / 5.1.1 really (mx.b.test[192.0.2.7]:25, in reply to RCPT TO)");
        assertThat(r.entry()).isEqualTo(DeliveryText.PEER_REPLY);
        assertThat(r.fromPeer()).isTrue();
        assertThat(r.peerAnswered()).isTrue();
        assertThat(r.code()).isEqualTo(550);
        assertThat(r.status()).isEqualTo("5.1.1");
        assertThat(r.peer()).isEqualTo(PEER);
        assertThat(r.stage()).isEqualTo(DialogueStage.RCPT);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "250|2.0.0 ok|2.0.0",
        "451|4.7.1 greylisted|4.7.1",
        "550|5.1.10 null MX|5.1.10",
        "550|no status here 5.1.1|",
        "550|4.1.1 wrong class|",
        "550|5.1|",
        "550|5.1.1x glued|",
        "550|51.1.1 too many|",
        "550|5.1.1234 too long|",
        "550||",
    })
    void theStatusCodeIsTakenFromWhereRfc3463PutsItAndOnlyInTheClassOfTheReply(int code, String text, String status) {
        assertThat(DeliveryReply.peer(code, text == null ? "" : text, PEER, DialogueStage.END_OF_DATA).status()).isEqualTo(status);
    }

    @Test
    void aPeersTextIsCutAt200CharactersAndControlCharactersAreShownAsQuestionMarks() {
        DeliveryReply r = DeliveryReply.peer(554, "x".repeat(300) + "\u0001", PEER, DialogueStage.GREETING);
        assertThat(r.text()).startsWith("554 xxx").contains("...").doesNotContain("\u0001").hasSizeLessThan(300);
    }

    @Test
    void batonsOwnConditionsSayWhoSaidThemAndReadAsBefore() {
        DeliveryReply hop = DeliveryText.HOP_CONNECTION_REFUSED.hopBroke(PEER, DialogueStage.CONNECT);
        assertThat(hop.text()).isEqualTo("mx.b.test[192.0.2.7]:25: connection refused");
        assertThat(hop.fromPeer()).isFalse();
        assertThat(hop.peerAnswered()).isFalse();
        assertThat(hop.status()).as("no server said anything: no status of its own").isNull();

        DeliveryReply timeout = DeliveryText.HOP_REPLY_TIMED_OUT.hopBroke(PEER, DialogueStage.RCPT);
        assertThat(timeout.text()).isEqualTo("mx.b.test[192.0.2.7]:25: timed out waiting for the reply (RCPT TO)");

        DeliveryReply route = DeliveryText.NO_ROUTE.reply("b.test");
        assertThat(route.text()).isEqualTo("451 4.4.0 no route for domain b.test in the configuration");
        assertThat(route.status()).isEqualTo("4.4.0");
        assertThat(route.code()).isEqualTo(451);
    }

    @Test
    void aReplyThatWrapsAnotherStandsForItsOwnStatusElseTheOneItWraps() {
        DeliveryReply busy = DeliveryReply.peer(451, "4.3.0 busy", PEER, DialogueStage.MAIL);
        DeliveryReply refused = DeliveryText.HOP_REFUSED.hop(PEER, DialogueStage.MAIL, busy.text()).causedBy(busy);
        assertThat(refused.text()).isEqualTo("mx.b.test[192.0.2.7]:25: 451 4.3.0 busy (mx.b.test[192.0.2.7]:25, in reply to MAIL FROM)");
        assertThat(refused.status()).isEqualTo("4.3.0");
        assertThat(refused.peerAnswered()).as("a hop that refused the session took part in no transaction").isFalse();

        DeliveryReply expired = DeliveryText.EXPIRED.reply(DeliveryText.duration(java.time.Duration.ofDays(5)), busy.text()).causedBy(busy);
        assertThat(expired.text()).startsWith("4.4.7 message expired after 5 days in the queue; last reply: 451 4.3.0 busy");
        assertThat(expired.status()).isEqualTo("4.4.7");
        assertThat(expired.cause()).isEqualTo(busy);

        DeliveryReply unexpected = DeliveryText.UNEXPECTED_REPLY.reply(DeliveryReply.peer(354, "go on", PEER, DialogueStage.RCPT).text());
        assertThat(unexpected.text()).startsWith("451 4.5.0 unexpected reply 354 go on (");
        assertThat(unexpected.peerAnswered()).isTrue();
    }

    @Test
    void everyCatalogueEntryWithAStatusStyleHasACodeAndAStatusOfItsClass() {
        for (DeliveryText t : EnumSet.allOf(DeliveryText.class)) {
            if (t.style() == DeliveryText.Style.STATUS || t.style() == DeliveryText.Style.ENHANCED) {
                assertThat(t.code()).as(t.name()).isBetween(200, 599);
                assertThat(t.enhanced()).as(t.name()).isNotNull();
                if (t.style() == DeliveryText.Style.STATUS) {
                    assertThat(t.enhanced().charAt(0)).as(t.name()).isEqualTo((char) ('0' + t.code() / 100));
                }
            }
        }
    }

    @Test
    void aLifetimeIsSaidInTheUnitsItHasNotAsZeroDays() {
        assertThat(DeliveryText.duration(java.time.Duration.ofDays(5))).isEqualTo("5 days");
        assertThat(DeliveryText.duration(java.time.Duration.ofHours(1))).isEqualTo("1 hour");
        assertThat(DeliveryText.duration(java.time.Duration.ofHours(36))).isEqualTo("1 day 12 hours");
        assertThat(DeliveryText.duration(java.time.Duration.ofMinutes(90))).isEqualTo("1 hour 30 minutes");
        assertThat(DeliveryText.duration(java.time.Duration.ofSeconds(3))).isEqualTo("3 seconds");
        assertThat(DeliveryText.EXPIRED.reply(DeliveryText.duration(java.time.Duration.ofHours(4)), "451 4.3.0 busy").text())
                .isEqualTo("4.4.7 message expired after 4 hours in the queue; last reply: 451 4.3.0 busy");
    }

    @Test
    void aPeersReplyIsKeptVerbatimApartFromBatonsNoteOfWhereItWasSaid() {
        DeliveryReply r = DeliveryReply.peer(550, "5.1.1 <x@b.test>: unknown", "mx.b.test[192.0.2.1]:25",
                DialogueStage.RCPT);
        assertThat(r.text()).isEqualTo("550 5.1.1 <x@b.test>: unknown (mx.b.test[192.0.2.1]:25, in reply to RCPT TO)");
        assertThat(r.said()).isEqualTo("550 5.1.1 <x@b.test>: unknown");
        assertThat(r.peerHost()).isEqualTo("mx.b.test");
        DeliveryReply literal = DeliveryReply.peer(250, "ok", "[192.0.2.1]:25", DialogueStage.END_OF_DATA);
        assertThat(literal.peerHost()).isEqualTo("192.0.2.1");
        DeliveryReply expired = DeliveryText.EXPIRED.reply("5 days", r.text()).causedBy(r);
        assertThat(expired.said()).as("not a peer's reply").isNull();
        assertThat(expired.lastPeerReply()).isSameAs(r);
    }
}
