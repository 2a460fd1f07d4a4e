package dev.baton.smtp;

/** A MAIL or RCPT parameter is malformed or unknown; carries the reply that refuses the command. */
public final class ParameterException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient Response reply;

    public ParameterException(Response reply) {
        super(reply.lines().get(0), null, false, false);
        this.reply = reply;
    }

    public Response reply() {
        return reply;
    }
}
