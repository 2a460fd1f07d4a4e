package dev.baton.smtp.server;

import dev.baton.mail.HopCounter;
import dev.baton.mail.MailAddress;
import dev.baton.queue.Envelope;
import dev.baton.queue.Spool;
import dev.baton.smtp.DataReader;
import dev.baton.smtp.MailParameters;
import dev.baton.smtp.RcptParameters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Transaction-scoped state: everything from MAIL to the end of data. A new MAIL makes one;
 * RSET, HELO/EHLO, STARTTLS, a successful authentication and the end of data throw it away
 * whole, through {@link Session#resetTransaction()}. Connection-scoped state lives in
 * {@link Connection}.
 */
final class Transaction {

    /** One recipient RCPT accepted, as the session knows it; the envelope's Recipient is made from it. */
    record AcceptedRecipient(MailAddress address, RcptParameters parameters, Map<String, String> properties) {
    }

    final MailAddress sender;
    final MailParameters parameters;
    final List<AcceptedRecipient> recipients = new ArrayList<>();
    /** Per-message properties (the organization layer's XEXCH50 brings them); none yet. */
    Map<String, String> properties = Map.of();
    /** Built when the data begins; what the end-of-data policy sees and the spool keeps. */
    Envelope envelope;
    /** The spool file being written, from the start of the data to its end. */
    Spool.Receipt receipt;
    /** Counts the hops the content's header records; set when the data begins. */
    HopCounter hops;
    /** BDAT: the reader that carries line-ending state from one chunk to the next. */
    DataReader chunks;
    /** BDAT has begun: DATA and RCPT are out of sequence. */
    boolean chunking;
    /** A BDAT chunk of this transaction failed: the rest are read and refused. */
    boolean failed;

    Transaction(MailAddress sender, MailParameters parameters) {
        this.sender = sender;
        this.parameters = parameters;
    }

    void accept(MailAddress recipient, RcptParameters parameters) {
        recipients.add(new AcceptedRecipient(recipient, parameters, Map.of()));
    }

    /** Drops the spool file, if one is being written. */
    void abort() {
        if (receipt != null) {
            receipt.abort();
            receipt = null;
        }
    }
}
