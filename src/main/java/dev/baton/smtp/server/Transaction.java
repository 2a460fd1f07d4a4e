package dev.baton.smtp.server;

import dev.baton.queue.Envelope;
import dev.baton.queue.Recipient;
import dev.baton.queue.Spool;
import dev.baton.smtp.DataReader;
import dev.baton.mail.MailAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Transaction-scoped state: everything from MAIL to the end of data. RSET, HELO/EHLO and
 * STARTTLS throw it away whole; connection-scoped state lives in {@link Session}.
 */
final class Transaction {
    final MailAddress sender;
    final String body;
    final boolean smtputf8;
    final String ret;
    final String envid;
    final long declaredSize;
    final List<Recipient> recipients = new ArrayList<>();
    /** Built when the data begins; what the end-of-data policy sees and the spool keeps. */
    Envelope envelope;
    /** Open while BDAT chunks arrive. */
    Spool.Receipt receipt;
    DataReader chunks;
    boolean chunking;
    /** A BDAT chunk of this transaction failed: the rest are read and refused. */
    boolean failed;

    Transaction(MailAddress sender, String body, boolean smtputf8, String ret, String envid, long declaredSize) {
        this.sender = sender;
        this.body = body;
        this.smtputf8 = smtputf8;
        this.ret = ret;
        this.envid = envid;
        this.declaredSize = declaredSize;
    }

    void abort() {
        if (receipt != null) {
            receipt.abort();
            receipt = null;
        }
    }
}
