package dev.baton.smtp.client;

import dev.baton.mail.DialogueStage;
import java.io.IOException;
import java.util.List;

/**
 * A transaction broke: the connection failed, timed out or the server sent something that is
 * not a reply. Says at which step, whether the content had been sent in full (then the server
 * may have the message: a caller defers rather than tries elsewhere, RFC 5321 6.1), and the
 * replies to RCPT TO that had come by then.
 */
public final class TransactionException extends IOException {

    private static final long serialVersionUID = 1L;

    private final DialogueStage stage;
    private final boolean dataSent;
    private final transient List<SmtpReply> recipientReplies;

    TransactionException(DialogueStage stage, boolean dataSent, List<SmtpReply> recipientReplies, IOException cause) {
        super(cause.getMessage(), cause);
        this.stage = stage;
        this.dataSent = dataSent;
        this.recipientReplies = List.copyOf(recipientReplies);
    }

    public DialogueStage stage() {
        return stage;
    }

    public boolean dataSent() {
        return dataSent;
    }

    public List<SmtpReply> recipientReplies() {
        return recipientReplies;
    }

    /** The failure itself (an EOFException, a SocketTimeoutException, ...). */
    public IOException failure() {
        return (IOException) getCause();
    }

    /** Whether a session used before was found dead at its RSET (a new connection will do). */
    public boolean staleSession() {
        return stage == DialogueStage.RSET;
    }
}
