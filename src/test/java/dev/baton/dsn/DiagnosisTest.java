package dev.baton.dsn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.mail.DialogueStage;
import dev.baton.queue.DeliveryReply;
import dev.baton.queue.DeliveryText;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What a DSN says about why: a server's reply verbatim, Baton's own conditions typed as Baton's. */
class DiagnosisTest {

    private static final Duration LIFETIME = Duration.ofDays(5);
    private static final DeliveryReply REFUSED = DeliveryReply.peer(550, "5.1.1 <x@b.test>: unknown", "mx.b.test[192.0.2.1]:25",
            DialogueStage.RCPT);

    @Test
    void aServersReplyIsTypedSmtpVerbatimWithThatServerAsRemoteMta() {
        Diagnosis d = Diagnosis.of(REFUSED, LIFETIME);
        assertThat(d.diagnosticCode()).isEqualTo("smtp; 550 5.1.1 <x@b.test>: unknown");
        assertThat(d.remoteMta()).isEqualTo("mx.b.test");
        assertThat(d.explanation()).isNull();
    }

    @Test
    void aHopRefusedAtMailCarriesTheServersReplyNotBatonsNoteAboutIt() {
        DeliveryReply busy = DeliveryReply.peer(451, "4.3.0 busy", "[192.0.2.1]:25", DialogueStage.MAIL);
        DeliveryReply hop = DeliveryText.HOP_REFUSED.hop("[192.0.2.1]:25", DialogueStage.MAIL, busy.text()).causedBy(busy);
        Diagnosis d = Diagnosis.of(hop, LIFETIME);
        assertThat(d.diagnosticCode()).isEqualTo("smtp; 451 4.3.0 busy");
        assertThat(d.remoteMta()).isEqualTo("192.0.2.1");
    }

    @Test
    void aNullMxIsBatonsOwnConditionWithoutRemoteMta() {
        Diagnosis d = Diagnosis.of(DeliveryText.DNS_NULL_MX.reply("b.test"), LIFETIME);
        assertThat(d.diagnosticCode()).isEqualTo("X-Baton; the recipient's domain does not accept mail (null MX)");
        assertThat(d.remoteMta()).isNull();
    }

    @Test
    void aDeadDestinationSaysNeitherItsKeyNorWhenItIsTriedAgain() {
        DeliveryReply refused = DeliveryText.HOP_CONNECTION_REFUSED.hopBroke("[192.0.2.1]:25", DialogueStage.CONNECT);
        DeliveryReply dead = DeliveryText.DESTINATION_DEAD.reply("smtp:[192.0.2.1]:25", Instant.parse("2025-06-01T10:00:00Z"),
                refused.text()).causedBy(refused);
        DeliveryReply expired = DeliveryText.EXPIRED.reply("5 days", dead.text()).causedBy(dead);
        Diagnosis d = Diagnosis.of(expired, LIFETIME);
        assertThat(d.diagnosticCode()).isEqualTo("X-Baton; delivery did not succeed within 5 days; last: the recipient's mail"
                + " server refused the connection");
        assertThat(d.remoteMta()).isNull();
    }

    @Test
    void anExpiryAfterAServersReplyGivesThatReplyAndSaysTheExpiryInWords() {
        DeliveryReply later = DeliveryReply.peer(451, "4.3.0 later", "mx.b.test[192.0.2.1]:25", DialogueStage.RCPT);
        Diagnosis d = Diagnosis.of(DeliveryText.EXPIRED.reply("4 hours", later.text()).causedBy(later), Duration.ofHours(4));
        assertThat(d.diagnosticCode()).isEqualTo("smtp; 451 4.3.0 later");
        assertThat(d.remoteMta()).isEqualTo("mx.b.test");
        assertThat(d.explanation()).isEqualTo("delivery did not succeed within 4 hours");
    }

    @Test
    void aLocalDeliveryNamesNoMaildirPath() {
        Diagnosis d = Diagnosis.of(DeliveryText.MAILDIR_DELIVERED.reply("/var/baton/mailboxes/a.test/bob"), LIFETIME);
        assertThat(d.diagnosticCode()).isNull();
        assertThat(d.remoteMta()).isNull();
    }
}
