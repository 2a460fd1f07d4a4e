package dev.baton.smtp.server;

import dev.baton.smtp.Command;
import dev.baton.smtp.DataReader;
import dev.baton.smtp.Extension;
import dev.baton.smtp.Reply;
import dev.baton.smtp.Response;
import dev.baton.smtp.SmtpChannel;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * BDAT (RFC 3030): a chunk of exactly the given size, 250 for each, the end of data after LAST.
 * <p>
 * It checks its own sequence: the chunk follows the command whatever the answer, so it is read
 * (and dropped) before BDAT may be refused, or its octets would be taken for commands. A
 * syntax error ends the session, because the size of the chunk to skip is then unknown.
 */
final class BdatHandler implements CommandHandler {

    private static final List<String> VERBS = List.of("BDAT");
    private static final Set<Phase> PHASES = Phase.only(Phase.TRANSACTION, Phase.CHUNKING);

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
        return Reply.MAIL_FIRST.response();
    }

    @Override
    public boolean checksOwnSequence() {
        return true;
    }

    @Override
    public void extensions(Session s, EhloKeywords ehlo) {
        ehlo.offer(Extension.CHUNKING);
        ehlo.offer(Extension.BINARYMIME);
    }

    @Override
    public void handle(Command c, Session s) throws IOException {
        String arg = c.argument();
        long size = chunkSize(arg);
        if (size < 0) {
            s.refuse(Reply.BDAT_SYNTAX.response(), c);
            s.end();
            return;
        }
        boolean last = arg.length() > digits(arg);
        SmtpChannel ch = s.channel();
        ch.readTimeout(s.limits().dataBlockTimeout());
        // the chunk as a whole has a deadline that only a steady rate keeps moving
        ch.startTransfer(s.limits().dataBlockTimeout(), s.limits().minDataRate());
        try {
            chunk(c, s, ch, size, last);
        } finally {
            ch.endTransfer();
        }
    }

    private void chunk(Command c, Session s, SmtpChannel ch, long size, boolean last) throws IOException {
        Transaction tx = s.transaction();
        Response outOfSequence = s.sequenceRefusal(this);
        if (outOfSequence != null || tx.recipients.isEmpty() || tx.failed) {
            ch.readExactly(size, null);
            if (outOfSequence != null) {
                s.refuse(outOfSequence, c);
            } else if (tx.failed) {
                // the failure was answered (and counted, when it was the client's) at its chunk
                s.refuseNotCounted(Reply.EARLIER_BDAT_FAILED.response(), c);
                if (last) {
                    s.resetTransaction();
                }
            } else {
                s.refuse(Reply.NO_VALID_RECIPIENTS.response(), c);
            }
            return;
        }
        if (!tx.chunking) {
            tx.chunking = true;
            if (!MessageIntake.begin(s)) {
                tx.failed = true;
                ch.readExactly(size, null);
                s.refuseNotCounted(Reply.STORAGE_FAILED.response(), c);
                if (last) {
                    s.resetTransaction();
                }
                return;
            }
            boolean text = !tx.parameters.body().equals("BINARYMIME");
            // text content keeps the line limit of DATA (ADR 0009): it may be relayed over DATA
            tx.chunks = new DataReader(MessageIntake.hopCounting(s, tx.receipt.content()), s.settings().bareLineEndings(),
                    s.limits().maxMessageSize(), text ? s.limits().textLineLength() : 0, text);
        }
        DataReader reader = tx.chunks;
        reader.readChunk(ch, size);
        reader.drainPending();
        if (reader.storageFailure() != null) {
            MessageIntake.storageFailure(s, reader.storageFailure(), tx.receipt.id());
            failed(s, tx, Reply.STORAGE_FAILED.response(), c, last, false); // ours, not the client's
            return;
        }
        if (reader.tooBig()) {
            failed(s, tx, Reply.MESSAGE_TOO_BIG.with(s.limits().maxMessageSize()), c, last, true);
            return;
        }
        if (!last) {
            s.reply(Reply.CHUNK_OK.with(size));
            return;
        }
        reader.finish();
        MessageIntake.end(s, reader);
    }

    /**
     * This chunk failed: the message is dropped, later chunks are read and refused until LAST.
     * {@code clientsFault} says whether the refusal counts toward the error limit.
     */
    private static void failed(Session s, Transaction tx, Response reply, Command c, boolean last, boolean clientsFault)
            throws IOException {
        tx.abort();
        tx.failed = true;
        if (clientsFault) {
            s.refuse(reply, c);
        } else {
            s.refuseNotCounted(reply, c);
        }
        if (last) {
            s.resetTransaction();
        }
    }

    /**
     * The size of {@code <size> [LAST]} (RFC 3030: 1 to 18 digits, then optionally spaces and
     * LAST in any case), or -1 when the argument is anything else.
     */
    static long chunkSize(String arg) {
        int n = digits(arg);
        if (n == 0 || n > 18) {
            return -1;
        }
        if (n < arg.length()) {
            if (arg.charAt(n) != ' ') {
                return -1;
            }
            int at = n;
            while (at < arg.length() && arg.charAt(at) == ' ') {
                at++;
            }
            if (arg.length() - at != 4 || !arg.regionMatches(true, at, "LAST", 0, 4)) {
                return -1;
            }
        }
        long size = 0;
        for (int i = 0; i < n; i++) {
            size = size * 10 + (arg.charAt(i) - '0');
        }
        return size;
    }

    /** How many ASCII digits the text begins with. */
    private static int digits(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        return i;
    }
}
