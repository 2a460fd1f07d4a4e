package dev.baton.smtp.client;

import java.io.IOException;

/** The server sent something that is not an SMTP reply; the message quotes it (at most 200 characters). */
public final class MalformedReplyException extends IOException {

    private static final long serialVersionUID = 1L;

    public MalformedReplyException(String message) {
        super(message);
    }
}
