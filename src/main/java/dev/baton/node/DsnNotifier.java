package dev.baton.node;

import dev.baton.dsn.Action;
import dev.baton.dsn.Diagnosis;
import dev.baton.dsn.Dsn;
import dev.baton.dsn.DsnBuilder;
import dev.baton.dsn.DsnRecipient;
import dev.baton.events.EventLog;
import dev.baton.events.Where;
import dev.baton.queue.DeliveryReply;
import dev.baton.queue.Envelope;
import dev.baton.queue.Notifier;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import dev.baton.queue.RetryPolicy;
import dev.baton.queue.Spool;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the queue's notices into DSNs (RFC 3464) and queues them, from the null sender to the
 * original sender, through the same spool as any message: durable before the notice counts.
 */
final class DsnNotifier implements Notifier {

    private static final Logger LOG = LoggerFactory.getLogger(DsnNotifier.class);

    private final Spool spool;
    private final String reportingMta;
    private final RetryPolicy retry;
    private final java.time.Clock clock;
    private final DsnBuilder builder;
    private final EventLog events;
    private final DeliveryLogReports mailLog;

    DsnNotifier(Spool spool, String reportingMta, RetryPolicy retry, EventLog events, DeliveryLogReports mailLog) {
        this.spool = spool;
        this.events = events;
        this.mailLog = mailLog;
        this.reportingMta = reportingMta;
        this.retry = retry;
        this.clock = spool.clock();
        this.builder = new DsnBuilder(clock, DsnBuilder.DEFAULT_RETURN_LIMIT);
    }

    @Override
    public void notify(QueuedMessage m, List<Notice> notices) throws IOException {
        Envelope env = m.envelope();
        List<DsnRecipient> report = new ArrayList<>();
        for (Notice n : notices) {
            Recipient r = env.recipient(n.recipient());
            Action action = switch (n.event()) {
                case FAILED -> Action.FAILED;
                case DELAYED -> Action.DELAYED;
                case DELIVERED -> Action.DELIVERED;
                case RELAYED -> Action.RELAYED;
            };
            if (!DsnBuilder.shouldNotify(env, r, action)) {
                continue;
            }
            Diagnosis why = Diagnosis.of(n.reply(), retry.lifetime());
            report.add(new DsnRecipient(r.address(), r.orcpt(), action, status(n.reply(), action), why.diagnosticCode(),
                    why.remoteMta(), n.when(), action == Action.DELAYED ? env.arrival().plus(retry.lifetime()) : null,
                    why.explanation()));
        }
        if (report.isEmpty()) {
            return;
        }
        Dsn dsn;
        try (InputStream original = spool.openContent(m)) {
            dsn = builder.build(reportingMta, env, m.id(), env.arrival(), report, original);
        }
        Envelope dsnEnvelope = new Envelope("", List.of(Recipient.of(dsn.recipient())), dsn.needs8BitMime() ? "8BITMIME" : "7BIT",
                false, null, null, dsn.message().length, reportingMta, "127.0.0.1", "local", null, null, reportingMta,
                clock.instant(), Map.of());
        try (Spool.Receipt receipt = spool.begin(dsnEnvelope)) {
            receipt.content().write(dsn.message());
            String notice = report.stream().anyMatch(r -> r.action() == Action.FAILED) ? "failure"
                    : report.stream().anyMatch(r -> r.action() == Action.DELAYED) ? "delay" : "success";
            // logged before the queue takes the notice up: its own lines come after this one
            QueuedMessage queued = receipt.commit(q -> mailLog.notified(m.id(), notice, q.id()));
            LOG.info("dsn: {} queued as {} to <{}> about {} ({} recipient(s): {})", dsn.messageId(), queued.id(),
                    dsn.recipient(), m.id(), report.size(), report.get(0).action().field());
            long failed = report.stream().filter(r -> r.action() == Action.FAILED).count();
            if (failed > 0) {
                events.emit(dev.baton.events.Event.MESSAGE_BOUNCED, Where.message(m.id()), m.id(), env.sender(), failed, queued.id());
            } else {
                String actions = String.join(", ", report.stream().map(r -> r.action().field()).distinct().toList());
                events.emit(dev.baton.events.Event.DSN_SENT, Where.message(m.id()), actions, m.id(), report.size(), queued.id(), dsn.recipient());
            }
        }
    }

    /** The RFC 3463 status a reply stands for, or a generic one for the action. */
    static String status(DeliveryReply reply, Action action) {
        String status = reply == null ? null : reply.status();
        if (status != null) {
            return status;
        }
        return switch (action) {
            case FAILED -> "5.0.0";
            case DELAYED -> "4.0.0";
            default -> "2.0.0";
        };
    }
}
