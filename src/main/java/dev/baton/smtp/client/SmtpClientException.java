package dev.baton.smtp.client;

import java.io.IOException;

/** The server refused a command; carries the command and the reply for the user. */
public final class SmtpClientException extends IOException {

    private final String command;
    private final SmtpReply reply;

    public SmtpClientException(String command, SmtpReply reply) {
        super("server answered " + command + " with " + reply);
        this.command = command;
        this.reply = reply;
    }

    public String command() {
        return command;
    }

    public SmtpReply reply() {
        return reply;
    }
}
