package dev.baton.smtp.server;

import dev.baton.mail.MailAddress;
import dev.baton.smtp.Command;
import dev.baton.smtp.ParameterException;
import dev.baton.smtp.PathArgument;
import dev.baton.smtp.RcptParameters;
import dev.baton.smtp.Reply;
import dev.baton.smtp.Response;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * RCPT TO (RFC 5321 4.1.1.3) with NOTIFY and ORCPT: adds a recipient to the transaction.
 * Checks in order: MAIL first, not during BDAT (the gate), the path, not the null path,
 * SMTPUTF8 for a non-ASCII recipient, the parameters, the recipient limit, the policy.
 */
final class RcptHandler implements CommandHandler {

    private static final List<String> VERBS = List.of("RCPT");
    private static final Set<Phase> PHASES = Phase.only(Phase.TRANSACTION);

    @Override
    public List<String> verbs() {
        return VERBS;
    }

    @Override
    public Set<Phase> phases() {
        return PHASES;
    }

    @Override
    public Response outOfSequence(Phase phase) {
        return phase == Phase.CHUNKING ? Reply.RCPT_DURING_BDAT.response() : Reply.MAIL_FIRST.response();
    }

    @Override
    public void handle(Command c, Session s) throws IOException {
        Transaction tx = s.transaction();
        PathArgument pa;
        try {
            pa = PathArgument.parse(c.argument(), "TO:");
        } catch (MailAddress.AddressException e) {
            s.refuse(Reply.BAD_ADDRESS_SYNTAX.with(e.getMessage()), c);
            return;
        } catch (ParameterException e) {
            s.refuse(e.reply(), c);
            return;
        }
        if (pa.address().isNull()) {
            s.refuse(Reply.NULL_RECIPIENT.response(), c);
            return;
        }
        if (!tx.parameters.smtputf8() && !pa.address().isAscii()) {
            s.refuse(Reply.UTF8_NEEDS_SMTPUTF8.response(), c);
            return;
        }
        RcptParameters params;
        try {
            params = RcptParameters.parse(pa.parameters(), s.connection().esmtp());
        } catch (ParameterException e) {
            s.refuse(e.reply(), c);
            return;
        }
        if (tx.recipients.size() >= s.limits().maxRecipients()) {
            s.refuse(Reply.TOO_MANY_RECIPIENTS.response(), c);
            return;
        }
        Optional<Response> refusal = s.context().policy().checkRecipient(pa.address(), s.info());
        if (refusal.isPresent()) {
            if (refusal.get().id() == Reply.NO_SUCH_USER) {
                unknownRecipient(c, s, refusal.get());
                return;
            }
            s.refuse(refusal.get(), c);
            return;
        }
        tx.accept(pa.address(), params);
        s.reply(Reply.RECIPIENT_OK.with(pa.address()));
    }

    /**
     * A 550 5.1.1 tells a prober that a mailbox does not exist (ADR 0009): each one in a session
     * waits longer before it is sent (n times {@code unknownRecipientDelay}, at most 30 s), and
     * past {@code maxUnknownRecipients} the session ends with 421.
     */
    private static void unknownRecipient(Command c, Session s, Response refusal) throws IOException {
        int n = s.connection().countUnknownRecipient();
        java.time.Duration delay = s.limits().unknownRecipientDelay().multipliedBy(n);
        if (!delay.isZero()) {
            s.flush();
            try {
                Thread.sleep(Math.min(30_000, delay.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted");
            }
        }
        s.refuse(refusal, c);
        if (n >= s.limits().maxUnknownRecipients() && !s.ending()) {
            s.reply(Reply.TOO_MANY_UNKNOWN_RECIPIENTS.with(s.settings().fqdn()));
            s.end();
        }
    }
}
