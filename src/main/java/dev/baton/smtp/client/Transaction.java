package dev.baton.smtp.client;

import dev.baton.smtp.MailParameters;
import dev.baton.smtp.RcptParameters;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * One mail transaction as a client sends it ({@link SmtpClient#send(Transaction)}): MAIL FROM
 * with its parameters, one RCPT TO per recipient, then the content by BDAT (when allowed and
 * offered) or DATA with dot-stuffing.
 *
 * @param sender     the reverse-path, "" for the null sender
 * @param mail       the MAIL parameters to send (the caller leaves out what the server does not offer)
 * @param recipients in the order their replies come back
 * @param content    opens the content (canonical CRLF, not dot-stuffed) once the data may be sent
 * @param size       the content length in octets, for buffer sizes; -1 when not known
 * @param chunking   BDAT may be used when the server offers CHUNKING
 * @param lmtp       an LMTP transaction: one final reply per accepted recipient (RFC 2033)
 * @param resetFirst the session was used before: RSET goes first (with PIPELINING in the same
 *                   write as MAIL and RCPT); a session that does not answer it 250 is stale
 */
public record Transaction(String sender, MailParameters mail, List<Rcpt> recipients, Content content, long size,
                          boolean chunking, boolean lmtp, boolean resetFirst) {

    public Transaction {
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("a transaction needs a recipient");
        }
    }

    /** One RCPT TO. */
    public record Rcpt(String address, RcptParameters parameters) {
    }

    /** Where the content comes from. */
    @FunctionalInterface
    public interface Content {
        InputStream open() throws IOException;
    }

    String mailCommand() {
        StringBuilder b = new StringBuilder(64 + sender.length()).append("MAIL FROM:<").append(sender).append('>');
        return mail.appendTo(b).toString();
    }

    String rcptCommand(Rcpt r) {
        StringBuilder b = new StringBuilder(32 + r.address().length()).append("RCPT TO:<").append(r.address()).append('>');
        return r.parameters().appendTo(b).toString();
    }
}
