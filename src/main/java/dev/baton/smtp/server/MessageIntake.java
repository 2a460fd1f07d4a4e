package dev.baton.smtp.server;

import dev.baton.queue.Envelope;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import dev.baton.queue.RecipientId;
import dev.baton.queue.Spool;
import dev.baton.queue.SpoolException;
import dev.baton.smtp.DataReader;
import dev.baton.smtp.MailParameters;
import dev.baton.smtp.Reply;
import dev.baton.smtp.Response;
import dev.baton.mail.HopCounter;
import dev.baton.mail.Principal;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What DATA and BDAT share: the envelope (built here and nowhere else), the spool receipt that
 * begins with the Received header, and the end of data, which refuses the message or commits it
 * and says 250.
 */
final class MessageIntake {

    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    private static final DateTimeFormatter RFC5322_DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.ROOT);

    private MessageIntake() {
    }

    /**
     * Opens the spool receipt of the session's transaction and writes the Received header.
     * When the spool fails, the failure is logged, nothing is kept, and the caller answers.
     *
     * @return false when the spool failed
     */
    static boolean begin(Session s) {
        Transaction tx = s.transaction();
        Envelope e = envelope(s);
        tx.envelope = e;
        try {
            tx.receipt = s.context().spool().begin(e);
            tx.receipt.content().write(receivedHeader(e, tx.receipt.id()));
            return true;
        } catch (IOException ex) {
            storageFailure(s, ex, tx.receipt == null ? null : tx.receipt.id());
            tx.abort();
            return false;
        }
    }

    /** The sink for the client's content: it goes to the receipt, its hop fields are counted on the way. */
    static OutputStream hopCounting(Session s, OutputStream content) {
        HopCounter c = new HopCounter(content);
        s.transaction().hops = c;
        return c;
    }

    /**
     * The end of data, for DATA and BDAT LAST alike: refuses bad content, a storage failure
     * or what the policy refuses (the receipt is dropped), else commits and says 250. Either
     * way the transaction is over.
     */
    static void end(Session s, DataReader reader) throws IOException {
        Transaction tx = s.transaction();
        Spool.Receipt receipt = tx.receipt;
        Response refusal = reader.refusal();
        if (refusal != null) {
            s.resetTransaction();
            s.refuse(refusal, null);
            return;
        }
        if (reader.storageFailure() != null) {
            storageFailure(s, reader.storageFailure(), receipt.id());
            s.resetTransaction();
            s.refuseNotCounted(Reply.STORAGE_FAILED.response(), null);
            return;
        }
        int hops = tx.hops == null ? 0 : tx.hops.hops();
        if (hops >= s.limits().maxHops()) {
            // refused once here; the server that sent it bounces it with 5.4.6 (RFC 5321 6.3)
            LOG.warn("connection #{}: message from <{}> refused: mail loop ({} hops, limit {})", s.connection().number(),
                    tx.sender, hops, s.limits().maxHops());
            s.resetTransaction();
            s.refuse(Reply.MAIL_LOOP.with(hops, s.limits().maxHops()), null);
            return;
        }
        Optional<Response> policy = s.context().policy().checkMessage(tx.envelope, s.info());
        if (policy.isPresent()) {
            s.resetTransaction();
            s.refuse(policy.get(), null);
            return;
        }
        tx.receipt = null; // commit() finishes it, whatever happens
        try {
            // reported before the queue takes it up: the receipt is logged before any delivery
            QueuedMessage m = receipt.commit(queued -> s.context().events().received(s.settings(), s.info(), queued));
            if (s.logging()) {
                s.log("*", "queued " + m.id() + " (" + m.contentSize() + " octets, "
                        + m.envelope().recipients().size() + " recipient(s))");
            }
            s.resetTransaction();
            s.reply(Reply.QUEUED.with(m.id()));
        } catch (SpoolException e) {
            storageFailure(s, e, receipt.id());
            s.resetTransaction();
            s.refuseNotCounted(Reply.STORAGE_FAILED.response(), null);
        }
    }

    /** The spool failed: the operator's log says why, the protocol log that it happened. */
    static void storageFailure(Session s, IOException e, String id) {
        LOG.error("connection #{}: message {} not accepted, the spool failed: {}", s.connection().number(),
                id == null ? "(new)" : id, e.getMessage());
        if (s.logging()) {
            s.log("*", "spool failure: " + e.getMessage());
        }
    }

    /** The envelope of the session's transaction, as the spool keeps it: the one place one is made. */
    static Envelope envelope(Session s) {
        Transaction tx = s.transaction();
        Connection conn = s.connection();
        Recipient[] recipients = new Recipient[tx.recipients.size()];
        for (int i = 0; i < recipients.length; i++) {
            Transaction.AcceptedRecipient r = tx.recipients.get(i);
            // ids 1, 2, ... in RCPT order (ADR 0007)
            recipients[i] = new Recipient(RecipientId.of(i + 1), r.address().toString(), r.parameters().notifyOn(),
                    r.parameters().orcpt(), r.properties());
        }
        MailParameters p = tx.parameters;
        return new Envelope(tx.sender.toString(), List.of(recipients), p.body(), p.smtputf8(), p.ret(), p.envid(),
                p.declaredSize(), conn.heloName(), conn.clientAddress(), protocolName(conn, p), conn.tlsDescription(),
                conn.principal().name(), s.settings().fqdn(), s.context().clock().instant(), tx.properties, submitter(s, p));
    }

    /**
     * RFC 4954 5, as ADR 0023 decides: an authenticated client (a user by AUTH, a server of the
     * organization by X-EXPS) is trusted with the AUTH= it gives; an anonymous one's claim counts
     * as AUTH=<>. A user who gives none submitted the message as their own mailbox.
     */
    static String submitter(Session s, MailParameters p) {
        Principal who = s.connection().principal();
        if (p.auth() != null) {
            return who.isAuthenticated() ? p.auth() : "";
        }
        return who instanceof Principal.User u ? s.context().policy().mailboxOfUser(u.name()) : null;
    }

    /** RFC 3848 / RFC 6531 protocol names for the Received "with" clause. */
    private static String protocolName(Connection conn, MailParameters p) {
        if (!conn.esmtp()) {
            return "SMTP";
        }
        return (p.smtputf8() ? "UTF8SMTP" : "ESMTP") + (conn.tlsActive() ? "S" : "") + (conn.principal().isAuthenticated() ? "A" : "");
    }

    /** RFC 5321 4.4, from the envelope: who handed the message over, how, when, and for whom when there is one. */
    private static byte[] receivedHeader(Envelope e, String id) {
        StringBuilder h = new StringBuilder(256);
        h.append("Received: from ").append(e.heloName()).append(" ([").append(e.clientAddress()).append("])\r\n");
        h.append("\tby ").append(e.receivedBy()).append(" (Baton) with ").append(e.protocol()).append(" id ").append(id);
        if (e.tls() != null) {
            h.append("\r\n\t(using ").append(e.tls()).append(')');
        }
        if (e.recipients().size() == 1) {
            h.append("\r\n\tfor <").append(e.recipients().get(0).address()).append('>');
        }
        h.append("; ").append(RFC5322_DATE.format(ZonedDateTime.ofInstant(e.arrival(), ZoneOffset.UTC))).append("\r\n");
        return h.toString().getBytes(StandardCharsets.UTF_8);
    }
}
