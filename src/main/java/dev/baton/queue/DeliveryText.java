package dev.baton.queue;

import dev.baton.mail.DialogueStage;
import dev.baton.mail.TextTemplate;

/**
 * The catalogue of what delivery says about a recipient: every text Baton itself writes into a
 * delivery outcome (a DSN, {@code baton queue show}, the log), beside the receive side's
 * {@code smtp.Reply}. A reply a peer sent is {@link #PEER_REPLY}; everything else is Baton's
 * own condition and says so ({@link Source#BATON}). The event log and the doctor name an
 * outcome by its entry; {@code %s} is filled in per outcome.
 * <p>
 * How an entry reads: {@link Style#STATUS} "451 4.4.0 text", {@link Style#ENHANCED} "4.4.7
 * text" (the queue's own verdicts, which no server said), {@link Style#HOP} "host[addr]:port:
 * text" (a next hop could not be used: nothing was said about the recipients), {@link
 * Style#PLAIN} the text alone.
 */
public enum DeliveryText {

    /** What a peer answered, verbatim: "550 5.1.1 unknown (mx[192.0.2.1]:25, in reply to RCPT TO)". */
    PEER_REPLY(Source.PEER, 0, null, Style.PEER, "%s"),
    /** A reply recorded before replies were typed (a state file of spool format 1). */
    RECORDED(Source.BATON, 0, null, Style.PLAIN, "%s"),

    // local delivery and routes
    MAILDIR_DELIVERED(Source.BATON, 250, "2.0.0", Style.STATUS, "delivered to Maildir %s"),
    DISCARDED(Source.BATON, 250, "2.0.0", Style.STATUS, "discarded by route %s"),
    MAILBOX_FULL(Source.BATON, 552, "5.2.2", Style.STATUS, "mailbox <%s> is full (quota %s octets)"),
    MAILDIR_FAILED(Source.BATON, 451, "4.3.0", Style.STATUS, "cannot write to Maildir %s: %s"),
    NO_ROUTE(Source.BATON, 451, "4.4.0", Style.STATUS, "no route for domain %s in the configuration"),
    OUTBOUND_NOT_SET_UP(Source.BATON, 451, "4.3.0", Style.STATUS, "outbound delivery is not set up on this server"),

    // destinations (per-destination concurrency and the dead list)
    DESTINATION_DEAD(Source.BATON, 451, "4.4.1", Style.STATUS,
            "destination %s is not answering; not tried again before %s (last error: %s)"),
    DESTINATION_BUSY(Source.BATON, 451, null, Style.PLAIN, "destination %s has all %s of its connections in use"),

    // DNS (RFC 5321 5.1, RFC 7505)
    DNS_EMPTY_DOMAIN(Source.BATON, 550, "5.1.2", Style.STATUS, "empty domain name"),
    DNS_INVALID_DOMAIN(Source.BATON, 550, "5.1.2", Style.STATUS, "%s is not a valid domain name"),
    DNS_INVALID_LITERAL(Source.BATON, 550, "5.1.2", Style.STATUS, "%s is not a valid address literal"),
    DNS_NO_SUCH_DOMAIN(Source.BATON, 550, "5.1.2", Style.STATUS, "domain %s does not exist"),
    DNS_NULL_MX(Source.BATON, 556, "5.1.10", Style.STATUS, "domain %s does not accept mail (null MX)"),
    DNS_NO_MAIL_HOST(Source.BATON, 550, "5.1.2", Style.STATUS, "domain %s has no MX and no address records"),
    DNS_FAILED(Source.BATON, 451, "4.4.3", Style.STATUS, "DNS lookup of %s failed: %s"),

    // a next hop that could not be used (the recipients go to the next hop, else are deferred)
    HOP_UNRESOLVABLE(Source.BATON, 451, null, Style.HOP, "cannot resolve %s: %s"),
    HOP_NO_ADDRESS(Source.BATON, 451, null, Style.HOP, "%s has no address"),
    HOP_CONNECTION_REFUSED(Source.BATON, 451, null, Style.HOP, "connection refused"),
    HOP_CONNECT_FAILED(Source.BATON, 451, null, Style.HOP, "%s"),
    HOP_CONNECT_TIMED_OUT(Source.BATON, 451, null, Style.HOP, "connect timed out"),
    HOP_HOST_UNKNOWN(Source.BATON, 451, null, Style.HOP, "cannot resolve the host name"),
    HOP_REPLY_TIMED_OUT(Source.BATON, 451, null, Style.HOP, "timed out waiting for the reply"),
    HOP_CONNECTION_CLOSED(Source.BATON, 451, null, Style.HOP, "connection closed by the peer"),
    HOP_REPLY_TOO_LONG(Source.BATON, 451, null, Style.HOP, "reply line longer than %s octets"),
    HOP_MALFORMED_REPLY(Source.BATON, 451, null, Style.HOP, "%s"),
    HOP_TLS_CERTIFICATE_REFUSED(Source.BATON, 451, null, Style.HOP, "TLS handshake failed, certificate not accepted: %s"),
    HOP_TLS_FAILED(Source.BATON, 451, null, Style.HOP, "TLS failed: %s"),
    HOP_TLS_NOT_OFFERED(Source.BATON, 451, null, Style.HOP, "TLS required but not offered by %s"),
    HOP_REFUSED(Source.BATON, 451, null, Style.HOP, "%s"),
    HOP_ORGANIZATION_TLS_NOT_OFFERED(Source.BATON, 451, null, Style.HOP,
            "%s is an organization server but offers no STARTTLS: X-EXPS needs TLS"),
    HOP_ORGANIZATION_NO_MECHANISM(Source.BATON, 451, null, Style.HOP,
            "%s is an organization server but offers neither X-EXPS GSSAPI nor AUTH GSSAPI"),
    HOP_ORGANIZATION_WRONG_SERVER(Source.BATON, 451, null, Style.HOP,
            "the server here announced %s, not %s, the home server the directory names: not delivered to an unproved peer"
                    + " (check the server's smtp address in the directory)"),
    HOP_ORGANIZATION_NO_KERBEROS(Source.BATON, 451, null, Style.HOP,
            "the organization transport needs Kerberos to prove %s and this server's kerberos.mode is off (docs/kerberos.md)"),
    HOP_AUTHENTICATION_REFUSED(Source.BATON, 451, null, Style.HOP, "authentication to %s refused: %s"),
    HOP_AUTHENTICATION_FAILED_HERE(Source.BATON, 451, null, Style.HOP, "authentication to %s failed on this server: %s"),
    HOP_IO_ERROR(Source.BATON, 451, null, Style.HOP, "%s"),
    HOP_INTERNAL_ERROR(Source.BATON, 451, null, Style.HOP, "internal error: %s"),

    // the transaction with a peer
    NO_NEXT_HOP(Source.BATON, 451, "4.4.4", Style.STATUS, "no next hop to try"),
    NEEDS_SMTPUTF8(Source.BATON, 553, "5.6.7", Style.STATUS,
            "the message needs SMTPUTF8 (internationalized addresses), which %s does not offer"),
    NEEDS_BINARYMIME(Source.BATON, 554, "5.6.3", Style.STATUS,
            "the message is BINARYMIME, which needs BINARYMIME and CHUNKING, and %s does not offer both"),
    NEEDS_8BITMIME(Source.BATON, 554, "5.6.3", Style.STATUS,
            "the message has 8-bit content and %s does not offer 8BITMIME (no downgrade to 7 bit is done)"),
    TOO_BIG_FOR_PEER(Source.BATON, 552, "5.3.4", Style.STATUS, "message size %s exceeds the limit of %s (%s)"),
    UNEXPECTED_REPLY(Source.BATON, 451, "4.5.0", Style.STATUS, "unexpected reply %s"),
    NO_REPLY_TO_END_OF_DATA(Source.BATON, 451, "4.4.2", Style.STATUS, "no reply to the end of data: %s"),
    CONTENT_UNREADABLE(Source.BATON, 451, "4.3.0", Style.STATUS, "cannot read the content of %s: %s"),
    INTERNAL_ERROR(Source.BATON, 451, "4.3.0", Style.STATUS, "internal error during delivery: %s"),

    // the queue's own verdicts
    EXPIRED(Source.BATON, 554, "4.4.7", Style.ENHANCED, "message expired after %s in the queue; last reply: %s"),
    RETURNED_BY_ADMINISTRATOR(Source.BATON, 554, "5.0.0", Style.ENHANCED,
            "returned to the sender by the mail administrator (last reply: %s)");

    /** Who said it: the peer (its reply, verbatim) or Baton (one of its own conditions). */
    public enum Source { PEER, BATON }

    /** How the text of an entry is laid out (see the class comment). */
    public enum Style { PEER, STATUS, ENHANCED, HOP, PLAIN }

    private final Source source;
    private final int code;
    private final String enhanced;
    private final Style style;
    private final String template;

    DeliveryText(Source source, int code, String enhanced, Style style, String template) {
        this.source = source;
        this.code = code;
        this.enhanced = enhanced;
        this.style = style;
        this.template = template;
    }

    public Source source() {
        return source;
    }

    /** The reply code this condition stands for (0 for a peer's reply, which has its own). */
    public int code() {
        return code;
    }

    /** The RFC 3463 status Baton gives this condition, or null where its text carries none. */
    public String enhanced() {
        return enhanced;
    }

    public Style style() {
        return style;
    }

    public String template() {
        return template;
    }

    /** This condition with its placeholders filled; no peer, no stage, no cause. */
    public DeliveryReply reply(Object... args) {
        String filled = fill(args);
        String text = switch (style) {
            case STATUS -> code + " " + enhanced + " " + filled;
            case ENHANCED -> enhanced + " " + filled;
            case PEER, PLAIN, HOP -> filled;
        };
        return new DeliveryReply(this, code, enhanced, text, null, null, null);
    }

    /**
     * A next hop that could not be used, said at a step of the dialogue: "where: text".
     *
     * @param where the hop as tried ("mx.example.test[192.0.2.1]:25", or "host:port" before an address is known)
     */
    public DeliveryReply hop(String where, DialogueStage stage, Object... args) {
        return hop(where, stage, false, args);
    }

    /**
     * A next hop that broke (an I/O error, a timeout, a TLS failure): "where: text (stage)",
     * the stage left out when the connection was never made.
     */
    public DeliveryReply hopBroke(String where, DialogueStage stage, Object... args) {
        return hop(where, stage, stage != null && stage != DialogueStage.CONNECT, args);
    }

    private DeliveryReply hop(String where, DialogueStage stage, boolean showStage, Object[] args) {
        if (style != Style.HOP) {
            throw new IllegalStateException(this + " is not a next-hop condition");
        }
        String text = where + ": " + fill(args) + (showStage ? " (" + stage.label() + ")" : "");
        return new DeliveryReply(this, code, enhanced, text, where, stage, null);
    }

    /** A queue lifetime as a person says it: "5 days", "3 hours", "1 day 12 hours", "30 minutes". */
    public static String duration(java.time.Duration d) {
        long[] amounts = {d.toDaysPart(), d.toHoursPart(), d.toMinutesPart(), d.toSecondsPart()};
        String[] units = {"day", "hour", "minute", "second"};
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < amounts.length; i++) {
            if (amounts[i] > 0) {
                b.append(b.isEmpty() ? "" : " ").append(amounts[i]).append(' ').append(units[i]).append(amounts[i] == 1 ? "" : "s");
            }
        }
        return b.isEmpty() ? "less than a second" : b.toString();
    }

    private String fill(Object[] args) {
        return TextTemplate.fill(template, args);
    }
}
