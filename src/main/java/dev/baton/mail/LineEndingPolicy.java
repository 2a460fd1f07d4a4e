package dev.baton.mail;

/** What to do with a bare CR or bare LF in message data (SMTP smuggling defence). */
public enum LineEndingPolicy {
    /** Refuse the message after reading it to its real end (default). */
    REJECT,
    /** Turn each bare CR or LF into CRLF and accept. */
    NORMALIZE
}
