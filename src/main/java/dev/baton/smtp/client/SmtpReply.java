package dev.baton.smtp.client;

import java.util.List;

/** A reply as read from a server: its code and its text lines (without the code). */
public record SmtpReply(int code, List<String> lines) {

    public boolean positive() {
        return code >= 200 && code < 400;
    }

    public String text() {
        return String.join(" / ", lines);
    }

    @Override
    public String toString() {
        return code + " " + text();
    }
}
