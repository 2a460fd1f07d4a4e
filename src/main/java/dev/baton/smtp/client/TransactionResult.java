package dev.baton.smtp.client;

import dev.baton.mail.DialogueStage;
import java.util.List;

/**
 * What the server answered in one transaction.
 *
 * @param mail        the reply to MAIL FROM
 * @param recipients  one reply per RCPT TO, in order; empty when MAIL was refused
 * @param dataRefused the reply that refused the content (DATA not answered 354, or a BDAT chunk
 *                    refused), or null
 * @param dataStage   where dataRefused came: {@link DialogueStage#DATA} or {@link DialogueStage#BDAT}
 * @param finals      the replies to the end of data: one (SMTP) or one per accepted recipient
 *                    (LMTP); empty when the content was not sent
 */
public record TransactionResult(SmtpReply mail, List<SmtpReply> recipients, SmtpReply dataRefused, DialogueStage dataStage,
                                List<SmtpReply> finals) {

    public TransactionResult {
        recipients = List.copyOf(recipients);
        finals = List.copyOf(finals);
    }

    public boolean mailAccepted() {
        return mail.positive();
    }

    /** Whether the recipient at this position was accepted (a 2xx reply). */
    public boolean accepted(int position) {
        int code = recipients.get(position).code();
        return code >= 200 && code < 300;
    }

    /** Whether the content went and the server answered its end. */
    public boolean dataSent() {
        return !finals.isEmpty();
    }
}
