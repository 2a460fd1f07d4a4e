package dev.baton.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.mail.DialogueStage;
import dev.baton.queue.DeliveryOutcome;
import dev.baton.queue.DeliveryReply;
import dev.baton.queue.DeliveryText;
import dev.baton.queue.RecipientId;
import dev.baton.testing.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-destination concurrency: grows while the peer answers, halves when it does not, dead at one. */
class DestinationsTest {

    private static final RecipientId FIRST = RecipientId.of(1);
    private static final DeliveryReply REFUSED = DeliveryText.HOP_CONNECTION_REFUSED.hopBroke("x[127.0.0.1]:25", DialogueStage.CONNECT);

    @Test
    void aDestinationGetsNoMoreConnectionsAtOnceThanItsLimit() {
        Destinations d = new Destinations(10, Clock.systemUTC());
        for (int i = 0; i < Destinations.INITIAL; i++) {
            assertThat(d.acquire("mx:b.test")).isNull();
        }
        assertThat(d.acquire("mx:b.test")).isInstanceOf(Destinations.Busy.class);
        assertThat(d.acquire("mx:c.test")).as("another destination is not affected").isNull();
        d.release("mx:b.test", true, null);
        assertThat(d.limit("mx:b.test")).isEqualTo(Destinations.INITIAL + 1);
        assertThat(d.acquire("mx:b.test")).isNull();
        assertThat(d.acquire("mx:b.test")).isNull();
        assertThat(d.acquire("mx:b.test")).isInstanceOf(Destinations.Busy.class);
    }

    @Test
    void theLimitGrowsOnAnswersUpToTheMaximumAndHalvesOnFailures() {
        Destinations d = new Destinations(8, Clock.systemUTC());
        for (int i = 0; i < 10; i++) {
            d.acquire("x");
            d.release("x", true, null);
        }
        assertThat(d.limit("x")).isEqualTo(8);
        d.acquire("x");
        d.release("x", false, REFUSED);
        assertThat(d.limit("x")).isEqualTo(4);
        d.acquire("x");
        d.release("x", false, REFUSED);
        assertThat(d.limit("x")).isEqualTo(2);
    }

    @Test
    void failingAtOneConnectionMakesADestinationDeadForAWhileThenItIsTriedAgain() {
        ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
        Destinations d = new Destinations(10, clock);
        // 5 connections, then 2, then 1: failing at 1 is dead
        for (int i = 0; i < 3; i++) {
            assertThat(d.acquire("x")).isNull();
            d.release("x", false, REFUSED);
        }
        Destinations.Refusal r = d.acquire("x");
        assertThat(r).isInstanceOf(Destinations.Dead.class);
        assertThat(r.reason()).startsWith("451 4.4.1 destination x is not answering").contains("connection refused");
        clock.now = clock.now.plus(Duration.ofMinutes(1));
        assertThat(d.acquire("x")).as("tried again after the dead time").isNull();
        d.release("x", false, REFUSED);
        assertThat(d.acquire("x")).as("dead again, for longer").isInstanceOf(Destinations.Dead.class);
        clock.now = clock.now.plus(Duration.ofMinutes(1));
        assertThat(d.acquire("x")).isInstanceOf(Destinations.Dead.class);
        clock.now = clock.now.plus(Duration.ofMinutes(1));
        assertThat(d.acquire("x")).isNull();
        d.release("x", true, null);
        assertThat(d.acquire("x")).as("answered: alive again").isNull();
    }

    @Test
    void aPeersOwnTemporaryReplyCountsAsAnAnswerButATransportErrorDoesNot() {
        String peer = "mx.b.test[127.0.0.1]:25";
        DeliveryReply busy = DeliveryReply.peer(421, "busy", peer, DialogueStage.GREETING);
        assertThat(Router.answered(List.of(DeliveryOutcome.deferred(FIRST,
                DeliveryReply.peer(451, "4.7.1 greylisted", peer, DialogueStage.RCPT))))).isTrue();
        assertThat(Router.answered(List.of(DeliveryOutcome.deferred(FIRST,
                DeliveryText.HOP_CONNECTION_REFUSED.hopBroke(peer, DialogueStage.CONNECT))))).isFalse();
        assertThat(Router.answered(List.of(DeliveryOutcome.deferred(FIRST,
                DeliveryText.HOP_REFUSED.hop(peer, DialogueStage.GREETING, busy.text()).causedBy(busy))))).isFalse();
        assertThat(Router.answered(List.of(DeliveryOutcome.failed(FIRST, DeliveryReply.peer(550, "5.1.1 unknown", peer,
                DialogueStage.RCPT))))).isTrue();
    }

    @Test
    void aFailedOrganizationHandshakeDoesNotMakeTheDestinationDead() {
        String peer = "mx2.b.test[127.0.0.1]:25";
        assertThat(Router.answered(List.of(DeliveryOutcome.deferred(FIRST,
                DeliveryText.HOP_AUTHENTICATION_FAILED_HERE.hop(peer, null, "smtp/mx2.b.test", "stale keytab"))))).isTrue();
        assertThat(Router.answered(List.of(DeliveryOutcome.deferred(FIRST,
                DeliveryText.HOP_AUTHENTICATION_REFUSED.hop(peer, null, "smtp/mx2.b.test", "535 5.7.3"))))).isTrue();
        assertThat(Router.answered(List.of(DeliveryOutcome.deferred(FIRST,
                DeliveryText.HOP_ORGANIZATION_WRONG_SERVER.hop(peer, null, "mx9.b.test", "mx2.b.test"))))).isTrue();
    }
}
