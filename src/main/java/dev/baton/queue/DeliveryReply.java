package dev.baton.queue;

import dev.baton.mail.DialogueStage;
import dev.baton.mail.PeerText;
import java.util.Objects;

/**
 * Why a delivery attempt ended as it did for a recipient, as data: which catalogue entry
 * ({@link DeliveryText#PEER_REPLY} when a peer said it), the reply code and RFC 3463 status,
 * the peer (host[addr]:port) and the step of the dialogue where known, and the reply this one
 * wraps (an expiry wraps the last reply, a dead destination its last error). {@code text} is
 * the line as a mail administrator reads it, made once when the reply is made, so a queued
 * message shows what was said then; nothing ever parses it back.
 *
 * @param code     the reply code (a peer's own, or the code Baton gives its condition; 0 when not known)
 * @param enhanced the RFC 3463 status code as it appears in {@code text}, or null when it shows none
 * @param peer     the server that said it or was tried, null when none was
 * @param stage    the step of the dialogue, null when the outcome is not about a dialogue
 * @param cause    the reply this one reports on, null when none
 * @param hop      how the session with {@code peer} was protected when the reply was said over one
 *                 (its TLS, whom this server authenticated to); null for a plain session, for a reply
 *                 no session carried, and in spool files written before it was kept
 */
public record DeliveryReply(DeliveryText entry, int code, String enhanced, String text, String peer, DialogueStage stage,
                            DeliveryReply cause, HopSecurity hop) {

    public DeliveryReply {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(text, "text");
    }

    public DeliveryReply(DeliveryText entry, int code, String enhanced, String text, String peer, DialogueStage stage,
            DeliveryReply cause) {
        this(entry, code, enhanced, text, peer, stage, cause, null);
    }

    /**
     * A peer's reply: its code and its text as sent (the lines joined with " / "), at the given
     * step; the status code is taken from the start of the text where RFC 3463 puts it. With a
     * peer it reads "550 5.1.1 unknown (mx[192.0.2.1]:25, in reply to RCPT TO)"; without one
     * (a reply not tied to a connection) just "550 5.1.1 unknown". At most 200 characters of the
     * peer's text are kept, control characters shown as '?'.
     */
    public static DeliveryReply peer(int code, String replyText, String peer, DialogueStage stage) {
        String said = PeerText.quote(code + (replyText.isEmpty() ? "" : " " + replyText));
        String text = peer == null ? said : said + " (" + peer + ", in reply to " + (stage == null ? "?" : stage.label()) + ")";
        return new DeliveryReply(DeliveryText.PEER_REPLY, code, statusOf(code, replyText), text, peer, stage, null);
    }

    /**
     * What the remote server said, as it said it (quoted as in {@link #peer}), without Baton's note
     * of where and when: "550 5.1.1 unknown". Null when this is not a peer's reply.
     */
    public String said() {
        if (!fromPeer()) {
            return null;
        }
        String note = peer == null ? "" : " (" + peer + ", in reply to " + (stage == null ? "?" : stage.label()) + ")";
        return note.isEmpty() || !text.endsWith(note) ? text : text.substring(0, text.length() - note.length());
    }

    /**
     * The last reply a remote server gave in this chain: this one, else the one it wraps, and so
     * on; null when no server answered (a connection refused, a DNS verdict, Baton's own checks).
     */
    public DeliveryReply lastPeerReply() {
        for (DeliveryReply r = this; r != null; r = r.cause) {
            if (r.fromPeer() && r.peer != null) {
                return r;
            }
        }
        return null;
    }

    /**
     * The host name in {@code peer} ("mx.example.test" of "mx.example.test[192.0.2.1]:25"), or its
     * address when the hop was an address literal ("[192.0.2.1]:25"); null without a peer.
     */
    public String peerHost() {
        if (peer == null) {
            return null;
        }
        int open = peer.indexOf('[');
        if (open > 0) {
            return peer.substring(0, open);
        }
        int close = peer.indexOf(']');
        if (open == 0 && close > 0) {
            return peer.substring(1, close);
        }
        int colon = peer.lastIndexOf(':');
        return colon > 0 ? peer.substring(0, colon) : peer;
    }

    /** This reply as the cause of another: "(last reply: ...)". */
    public DeliveryReply causedBy(DeliveryReply why) {
        return new DeliveryReply(entry, code, enhanced, text, peer, stage, why, hop);
    }

    /** The same condition, about this peer and step (the text is not changed). */
    public DeliveryReply about(String where, DialogueStage at) {
        return new DeliveryReply(entry, code, enhanced, text, where, at, cause, hop);
    }

    /** The same reply, said over a session protected as {@code security} says (null: a plain one). */
    public DeliveryReply over(HopSecurity security) {
        return new DeliveryReply(entry, code, enhanced, text, peer, stage, cause, security);
    }

    public boolean fromPeer() {
        return entry.source() == DeliveryText.Source.PEER;
    }

    /**
     * Whether a peer took part in a transaction to say this: its own reply to a command, or
     * Baton's note about such a reply. A connection that could not be made or broke is not.
     */
    public boolean peerAnswered() {
        return fromPeer() && peer != null || entry == DeliveryText.UNEXPECTED_REPLY;
    }

    /**
     * The RFC 3463 status this reply stands for: its own, else that of the reply it wraps (a
     * hop refused with "mx: 451 4.3.0 busy ..." stands for 4.3.0), else null.
     */
    public String status() {
        if (enhanced != null) {
            return enhanced;
        }
        return cause != null ? cause.status() : null;
    }

    /** A reply of spool format 1 (text only), read from an old state file. */
    static DeliveryReply recorded(String text, int code, String enhanced) {
        return new DeliveryReply(DeliveryText.RECORDED, code, enhanced, text, null, null, null);
    }

    /** "d.ddd.ddd" at the start of a reply's text, in the class of its code (RFC 3463 and RFC 2034). */
    static String statusOf(int code, String replyText) {
        int end = 0;
        int dots = 0;
        int digits = 0;
        while (end < replyText.length()) {
            char c = replyText.charAt(end);
            if (c >= '0' && c <= '9') {
                digits++;
                if (dots == 0 && digits > 1 || digits > 3) {
                    return null;
                }
            } else if (c == '.' && digits > 0 && dots < 2) {
                dots++;
                digits = 0;
            } else {
                break;
            }
            end++;
        }
        if (dots != 2 || digits == 0 || end < replyText.length() && replyText.charAt(end) != ' ') {
            return null;
        }
        char cls = replyText.charAt(0);
        return cls == (char) ('0' + code / 100) && (cls == '2' || cls == '4' || cls == '5') ? replyText.substring(0, end) : null;
    }

    @Override
    public String toString() {
        return text;
    }
}
