package dev.baton.dsn;

/**
 * A built delivery status notification, ready to be queued with the null reverse-path
 * ({@code MAIL FROM:<>}) for {@code recipient}.
 *
 * @param recipient     who it goes to: the original message's reverse-path
 * @param messageId     its Message-ID, with the angle brackets
 * @param needs8BitMime true when a part is labelled 8bit (an 8-bit original or non-ASCII
 *                      addresses): it must travel with BODY=8BITMIME
 * @param returnedFull  true when the whole original is enclosed (message/rfc822), false when
 *                      only its header section is (text/rfc822-headers)
 * @param message       the complete message, CRLF line endings; not copied, do not modify
 */
public record Dsn(String recipient, String messageId, boolean needs8BitMime, boolean returnedFull, byte[] message) {
}
