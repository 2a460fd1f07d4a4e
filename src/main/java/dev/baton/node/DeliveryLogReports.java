package dev.baton.node;

import dev.baton.auth.AuthFailure;
import dev.baton.config.VirtualServerSettings;
import dev.baton.delivery.LocalDelivery;
import dev.baton.events.DeliveryLog;
import dev.baton.events.DeliveryRecord;
import dev.baton.events.DeliveryRecord.Status;
import dev.baton.queue.DeliveryReply;
import dev.baton.queue.DeliveryText;
import dev.baton.queue.HopSecurity;
import dev.baton.queue.QueueEvents;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import dev.baton.queue.RecipientState;
import dev.baton.smtp.Command;
import dev.baton.smtp.Response;
import dev.baton.smtp.server.SessionEvents;
import dev.baton.smtp.server.SessionInfo;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * What the receive sessions and the queue report, written to the delivery log as typed records
 * (and passed on to the event log's reports, so each part still has one reporting interface).
 * Removals come from the spool itself ({@link #removed}), whoever removed the message.
 */
final class DeliveryLogReports implements SessionEvents, QueueEvents {

    private final DeliveryLog log;
    private final Clock clock;
    private final LocalDelivery local;
    private final SessionEvents sessions;
    private final QueueEvents queue;

    /**
     * @param local    which mailbox a local recipient's Maildir is ({@code relay=mailbox[address]})
     * @param sessions where session reports go besides the delivery log (the event reports)
     * @param queue    where queue reports go besides the delivery log (the event reports)
     */
    DeliveryLogReports(DeliveryLog log, Clock clock, LocalDelivery local, SessionEvents sessions, QueueEvents queue) {
        this.log = log;
        this.clock = clock;
        this.local = local;
        this.sessions = sessions;
        this.queue = queue;
    }

    DeliveryLog log() {
        return log;
    }

    @Override
    public void commandRefused(VirtualServerSettings vs, long connection, InetAddress client, Command command, Response reply,
            boolean enhancedCodes) {
        sessions.commandRefused(vs, connection, client, command, reply, enhancedCodes);
    }

    // the authentication events go on to the event log: a SessionEvents default left here would swallow them

    @Override
    public void authenticationRequired(VirtualServerSettings vs, long connection, InetAddress client) {
        sessions.authenticationRequired(vs, connection, client);
    }

    @Override
    public void authenticationFailed(VirtualServerSettings vs, long connection, InetAddress client, String mechanism,
            dev.baton.auth.AuthFailure failure) {
        sessions.authenticationFailed(vs, connection, client, mechanism, failure);
    }

    @Override
    public void serverAuthenticationFailed(VirtualServerSettings vs, long connection, InetAddress client, String mechanism,
            dev.baton.auth.AuthFailure failure) {
        sessions.serverAuthenticationFailed(vs, connection, client, mechanism, failure);
    }

    @Override
    public void clientBlocked(VirtualServerSettings vs, long connection, InetAddress client, int failures, java.time.Duration window,
            java.time.Instant until) {
        sessions.clientBlocked(vs, connection, client, failures, window, until);
    }

    @Override
    public void received(VirtualServerSettings vs, SessionInfo session, QueuedMessage m) {
        sessions.received(vs, session, m);
        if (log.enabled()) {
            log.write(new DeliveryRecord.Received(clock.instant(), m.id(), vs.name(), session.connection(),
                    session.client().getHostAddress(), session.heloName(), m.envelope().protocol(), m.envelope().tls(),
                    session.principal(), m.envelope().sender(), m.contentSize(), m.envelope().recipients().size()));
        }
    }

    @Override
    public void delivered(QueuedMessage m, Recipient r, RecipientState state) {
        queue.delivered(m, r, state);
        outcome(m, r, state, Status.SENT);
    }

    @Override
    public void deferred(QueuedMessage m, Recipient r, RecipientState state) {
        queue.deferred(m, r, state);
        outcome(m, r, state, Status.DEFERRED);
    }

    @Override
    public void failed(QueuedMessage m, Recipient r, RecipientState state, boolean expired) {
        queue.failed(m, r, state, expired);
        outcome(m, r, state, expired ? Status.EXPIRED : Status.BOUNCED);
    }

    @Override
    public void returned(QueuedMessage m, Recipient r, RecipientState state) {
        queue.returned(m, r, state);
        outcome(m, r, state, Status.BOUNCED);
    }

    @Override
    public void returnedByAdministrator(QueuedMessage m, int recipients) {
        queue.returnedByAdministrator(m, recipients);
    }

    // what the delivery log has no line for is passed on as it is (DeliveryLogReportsTest: every report is)

    @Override
    public void held(QueuedMessage m) {
        queue.held(m);
    }

    @Override
    public void released(QueuedMessage m) {
        queue.released(m);
    }

    @Override
    public void deleted(QueuedMessage m) {
        queue.deleted(m);
    }

    @Override
    public void retriedByAdministrator(QueuedMessage m, String how) {
        queue.retriedByAdministrator(m, how);
    }

    /** A DSN about message {@code about} was queued as {@code noticeId}: "failure", "delay" or "success". */
    void notified(String about, String notice, String noticeId) {
        if (log.enabled()) {
            log.write(new DeliveryRecord.Notified(clock.instant(), about, notice, noticeId));
        }
    }

    /** The spool removed a message. */
    void removed(String id) {
        if (log.enabled()) {
            log.write(new DeliveryRecord.Removed(clock.instant(), id));
        }
    }

    private void outcome(QueuedMessage m, Recipient r, RecipientState state, Status status) {
        if (!log.enabled() || state.last() == null) {
            return;
        }
        DeliveryReply reply = state.last();
        Instant now = clock.instant();
        Instant arrival = m.envelope().arrival();
        Instant started = state.updated() == null ? now : state.updated();
        String orcpt = r.orcpt() == null ? null : original(r.orcpt());
        String said = reply.fromPeer() ? reply.said() : null;
        HopSecurity hop = reply.hop();
        log.write(new DeliveryRecord.Delivery(now, m.id(), r.address(), orcpt == null || orcpt.equalsIgnoreCase(r.address()) ? null
                : orcpt, relay(reply, r), hop == null ? null : hop.tls(), hop == null ? null : hop.authenticatedTo(),
                hop == null ? null : hop.method(), Duration.between(arrival, now), Duration.between(arrival, started),
                Duration.between(started, now), dsn(reply, status), status,
                said == null ? reply.text() : reply.stage() == null ? said : said + " (in reply to " + reply.stage().label() + ")",
                status == Status.SENT ? DeliveryRecord.remoteQueueId(said) : null));
    }

    /** Where the outcome was decided: the server that answered, the mailbox, a discarding route, or none. */
    private String relay(DeliveryReply reply, Recipient r) {
        for (DeliveryReply x = reply; x != null; x = x.cause()) {
            if (x.entry() == DeliveryText.MAILDIR_DELIVERED || x.entry() == DeliveryText.MAILBOX_FULL
                    || x.entry() == DeliveryText.MAILDIR_FAILED) {
                return "mailbox[" + local.mailboxAddress(r) + "]";
            }
            if (x.entry() == DeliveryText.DISCARDED) {
                return "discard";
            }
            if (x.peer() != null) {
                return x.peer();
            }
        }
        return "none";
    }

    /** The RFC 3463 status of the reply, else the generic one of its class, else of the outcome. */
    private static String dsn(DeliveryReply reply, Status status) {
        String s = reply.status();
        if (s != null) {
            return s;
        }
        int cls = reply.code() / 100;
        if (cls == 2 || cls == 4 || cls == 5) {
            return cls + ".0.0";
        }
        return switch (status) {
            case SENT -> "2.0.0";
            case DEFERRED -> "4.0.0";
            case BOUNCED, EXPIRED -> "5.0.0";
        };
    }

    /** The address of an ORCPT value ("rfc822;bob@example.test"), or the value when it has no type. */
    private static String original(String orcpt) {
        int semi = orcpt.indexOf(';');
        return semi < 0 ? orcpt : orcpt.substring(semi + 1).trim();
    }
}
