package dev.baton.queue;

import java.io.IOException;

/** The spool could not store or read a message; the caller must not acknowledge it. */
public final class SpoolException extends IOException {
    public SpoolException(String message, Throwable cause) {
        super(message, cause);
    }
}
