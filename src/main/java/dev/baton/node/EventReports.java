package dev.baton.node;

import dev.baton.config.BatonConfig;
import dev.baton.config.VirtualServerSettings;
import dev.baton.delivery.HopEvents;
import dev.baton.events.Event;
import dev.baton.events.EventLog;
import dev.baton.events.Where;
import dev.baton.queue.QueueEvents;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import dev.baton.queue.RecipientState;
import dev.baton.smtp.Command;
import dev.baton.smtp.Reply;
import dev.baton.smtp.Response;
import dev.baton.smtp.server.SessionEvents;
import java.net.InetAddress;

/**
 * What the receive sessions, delivery and the queue report, written to the event log: the
 * parts below know only their small interfaces ({@link SessionEvents}, {@link HopEvents},
 * {@link QueueEvents}), never the log. Each report first asks whether its event is written at
 * the current levels, so at level None a refused command costs one volatile read.
 */
final class EventReports implements SessionEvents, HopEvents, QueueEvents {

    /** What 7010 says instead of a command when the refusal answers no command line. */
    static final String OVER_LONG_LINE = "<over-long line>";
    static final String END_OF_DATA = "<end of data>";

    private final EventLog log;
    /** Delivery is not a virtual server's; its 7004s are written as the first virtual server's, as Exchange's default one. */
    private volatile VirtualServerSettings outbound;

    EventReports(EventLog log, BatonConfig config) {
        this.log = log;
        configuration(config);
    }

    /** The configuration in force (a reload may have changed the first virtual server). */
    void configuration(BatonConfig config) {
        this.outbound = config.virtualServers().get(0);
    }

    @Override
    public void commandRefused(VirtualServerSettings vs, long connection, InetAddress client, Command command, Response reply,
            boolean enhancedCodes) {
        if (!log.writes(Event.CLIENT_COMMAND_REFUSED, vs.name())) {
            return;
        }
        String verb;
        String line;
        if (command != null) {
            verb = dev.baton.mail.PeerText.quote(command.verb());
            line = dev.baton.mail.PeerText.quote(command.loggable());
        } else {
            verb = line = reply.id() == Reply.LINE_TOO_LONG ? OVER_LONG_LINE : END_OF_DATA;
        }
        log.emit(Event.CLIENT_COMMAND_REFUSED, Where.session(vs.name(), connection), vs.id(), connection, client.getHostAddress(),
                verb, reply.oneLine(enhancedCodes), line);
    }

    @Override
    public void authenticationRequired(VirtualServerSettings vs, long connection, InetAddress client) {
        if (log.writes(Event.AUTHENTICATION_REQUIRED, vs.name())) {
            log.emit(Event.AUTHENTICATION_REQUIRED, Where.session(vs.name(), connection), client.getHostAddress(), vs.id(), connection);
        }
    }

    @Override
    public void authenticationFailed(VirtualServerSettings vs, long connection, InetAddress client, String mechanism,
            dev.baton.auth.AuthFailure failure) {
        if (log.writes(Event.USER_AUTHENTICATION_FAILED, vs.name())) {
            log.emit(Event.USER_AUTHENTICATION_FAILED, Where.session(vs.name(), connection), mechanism, client.getHostAddress(),
                    vs.id(), connection, failure.detail());
        }
    }

    @Override
    public void serverAuthenticationFailed(VirtualServerSettings vs, long connection, InetAddress client, String mechanism,
            dev.baton.auth.AuthFailure failure) {
        if (log.writes(Event.INBOUND_AUTHENTICATION_FAILED, vs.name())) {
            log.emit(Event.INBOUND_AUTHENTICATION_FAILED, Where.session(vs.name(), connection), client.getHostAddress(), vs.id(),
                    connection, mechanism, failure.detail());
        }
        dev.baton.auth.AuthFailure.SecurityError e = failure.security();
        if (e != null && log.writes(Event.PROTOCOL_SECURITY_FAILED, vs.name())) {
            log.emit(Event.PROTOCOL_SECURITY_FAILED, Where.session(vs.name(), connection), client.getHostAddress(),
                    mechanism.equals("GSSAPI") ? "Kerberos" : mechanism,
                    e.operation(), e.code(), e.name(), e.underlying());
        }
    }

    @Override
    public void clientBlocked(VirtualServerSettings vs, long connection, InetAddress client, int failures, java.time.Duration window,
            java.time.Instant until) {
        if (log.writes(Event.AUTHENTICATION_CLIENT_BLOCKED, vs.name())) {
            log.emit(Event.AUTHENTICATION_CLIENT_BLOCKED, Where.session(vs.name(), connection), client.getHostAddress(), failures,
                    dev.baton.config.ConfigWriter.duration(window), vs.id(), connection, until);
        }
    }

    @Override
    public void commandRefused(String queueId, long connection, String host, String verb, String command, String reply) {
        VirtualServerSettings outbound = this.outbound;
        if (!log.writes(Event.REMOTE_COMMAND_REFUSED, outbound.name())) {
            return;
        }
        log.emit(Event.REMOTE_COMMAND_REFUSED, new Where(outbound.name(), connection, queueId), outbound.id(), connection, host,
                verb, reply, command);
    }

    /** 7006 on every failed authentication to an organization server; 1706 too when this side failed. */
    @Override
    public void authenticationFailed(String queueId, long connection, String host, String command, String reply,
            dev.baton.auth.AuthFailure.SecurityError security) {
        VirtualServerSettings outbound = this.outbound;
        Where where = new Where(outbound.name(), connection, queueId);
        if (log.writes(Event.OUTBOUND_AUTHENTICATION_FAILED, outbound.name())) {
            String outcome = security == null ? "was answered \"" + reply + "\""
                    : "failed on this server before the peer could answer: " + reply;
            log.emit(Event.OUTBOUND_AUTHENTICATION_FAILED, where, host, outbound.id(), connection, command, outcome);
        }
        if (security != null && log.writes(Event.PROTOCOL_SECURITY_FAILED, outbound.name())) {
            log.emit(Event.PROTOCOL_SECURITY_FAILED, where, host, "Kerberos", security.operation(), security.code(),
                    security.name(), security.underlying());
        }
    }

    @Override
    public void delivered(QueuedMessage m, Recipient r, RecipientState state) {
        if (log.writes(Event.MESSAGE_DELIVERED, null)) {
            log.emit(Event.MESSAGE_DELIVERED, Where.message(m.id()), m.id(), r.address(), state.lastReply());
        }
    }

    @Override
    public void deferred(QueuedMessage m, Recipient r, RecipientState state) {
        if (log.writes(Event.DELIVERY_DEFERRED, null)) {
            log.emit(Event.DELIVERY_DEFERRED, Where.message(m.id()), m.id(), r.address(), state.attempts(), state.nextAttempt(),
                    state.lastReply());
        }
    }

    @Override
    public void failed(QueuedMessage m, Recipient r, RecipientState state, boolean expired) {
        Event e = expired ? Event.MESSAGE_EXPIRED : Event.DELIVERY_FAILED;
        log.emit(e, Where.message(m.id()), m.id(), r.address(), state.lastReply());
    }

    @Override
    public void returnedByAdministrator(QueuedMessage m, int recipients) {
        log.emit(Event.MESSAGE_RETURNED_BY_ADMINISTRATOR, Where.message(m.id()), m.id(), m.envelope().sender(), recipients);
    }

    @Override
    public void held(QueuedMessage m) {
        log.emit(Event.MESSAGE_HELD_BY_ADMINISTRATOR, Where.message(m.id()), m.id());
    }

    @Override
    public void released(QueuedMessage m) {
        log.emit(Event.MESSAGE_RELEASED_BY_ADMINISTRATOR, Where.message(m.id()), m.id());
    }

    @Override
    public void deleted(QueuedMessage m) {
        log.emit(Event.MESSAGE_DELETED_BY_ADMINISTRATOR, Where.message(m.id()), m.id(), m.envelope().sender());
    }

    @Override
    public void retriedByAdministrator(QueuedMessage m, String how) {
        log.emit(Event.MESSAGE_RETRIED_BY_ADMINISTRATOR, Where.message(m.id()), m.id(), how);
    }
}
