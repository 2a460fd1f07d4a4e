package dev.baton.mail;

/**
 * The step of an SMTP or LMTP dialogue at which something happened, as a client sees it: what
 * a reply answered, or where a connection broke. Delivery outcomes name their stage, so the
 * queue, the event log and the doctor can say "refused at RCPT TO" without reading text.
 */
public enum DialogueStage {
    CONNECT("connect"),
    GREETING("the greeting"),
    EHLO("EHLO"),
    HELO("HELO"),
    LHLO("LHLO"),
    STARTTLS("STARTTLS"),
    MAIL("MAIL FROM"),
    RCPT("RCPT TO"),
    DATA("DATA"),
    BDAT("BDAT"),
    CONTENT("message content"),
    END_OF_DATA("end of data"),
    RSET("RSET");

    private final String label;

    DialogueStage(String label) {
        this.label = label;
    }

    /** How a person names this step: "RCPT TO", "the greeting", "end of data". */
    public String label() {
        return label;
    }
}
