package dev.baton.smtp.server;

import dev.baton.smtp.Command;
import dev.baton.smtp.DataReader;
import dev.baton.smtp.Reply;
import dev.baton.smtp.Response;
import dev.baton.smtp.SmtpChannel;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * DATA (RFC 5321 4.1.1.4): 354, then the content up to CRLF.CRLF. Checks in order: no
 * argument (before the gate), MAIL first, not after BDAT (the gate), not BODY=BINARYMIME, at
 * least one recipient.
 */
final class DataHandler implements CommandHandler {

    private static final List<String> VERBS = List.of("DATA");
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
        return phase == Phase.CHUNKING ? Reply.DATA_AFTER_BDAT.response() : Reply.MAIL_FIRST.response();
    }

    @Override
    public Response precheck(Command c, Session s) {
        return c.hasArgument() ? Reply.TAKES_NO_ARGUMENT.with("DATA") : null;
    }

    @Override
    public void handle(Command c, Session s) throws IOException {
        Transaction tx = s.transaction();
        if (tx.parameters.body().equals("BINARYMIME")) {
            s.refuse(Reply.BINARYMIME_NEEDS_BDAT.response(), c);
            return;
        }
        if (tx.recipients.isEmpty()) {
            s.refuse(Reply.NO_VALID_RECIPIENTS.response(), c);
            return;
        }
        if (!MessageIntake.begin(s)) {
            // answered, not counted toward the error limit (a failed BDAT chunk is)
            s.reply(Reply.STORAGE_FAILED.response());
            s.resetTransaction();
            return;
        }
        s.reply(Reply.START_DATA.response());
        s.flush();
        SmtpChannel ch = s.channel();
        ch.readTimeout(s.limits().dataBlockTimeout());
        DataReader reader = new DataReader(MessageIntake.hopCounting(s, tx.receipt.content()), s.settings().bareLineEndings(),
                s.limits().maxMessageSize(), s.limits().textLineLength(), true);
        // the content as a whole has a deadline that only a steady rate keeps moving
        ch.startTransfer(s.limits().dataBlockTimeout(), s.limits().minDataRate());
        try {
            reader.readDotTerminated(ch);
        } finally {
            ch.endTransfer();
        }
        MessageIntake.end(s, reader);
    }
}
