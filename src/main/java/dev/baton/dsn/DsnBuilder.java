package dev.baton.dsn;

import dev.baton.queue.Envelope;
import dev.baton.queue.Recipient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Builds delivery status notifications: RFC 3464 reports (multipart/report;
 * report-type=delivery-status, RFC 6522) for the conditions RFC 3461 asks for.
 *
 * <p>The report has three parts: a text/plain explanation for the sender, the
 * message/delivery-status fields, and the original message. <b>What is returned</b>: the whole
 * original (message/rfc822) only when the sender asked with RET=FULL; with RET=HDRS or without
 * RET only its header section (text/rfc822-headers), as most MTAs do, so a bounce never carries
 * an attachment back unasked. A RET=FULL original larger than the return limit is also
 * returned as headers only, and the explanation says so.
 *
 * <p><b>Encoding</b>: everything is CRLF; long header fields are folded at white space. A part
 * that holds octets above 127 (an 8-bit original, a non-ASCII address) is labelled
 * {@code Content-Transfer-Encoding: 8bit}, and so is the report as a whole; then
 * {@link Dsn#needs8BitMime()} is true and the DSN must be sent with BODY=8BITMIME.
 *
 * <p><b>Who gets one</b>: {@link #shouldNotify}. A DSN goes out with the null reverse-path, so
 * it can never cause another DSN.
 */
public final class DsnBuilder {

    /** The largest original returned whole (RET=FULL); larger ones are returned as headers. */
    public static final long DEFAULT_RETURN_LIMIT = 10L * 1024 * 1024;
    /** Header sections longer than this are cut at a line end (a header bomb stays out of the DSN). */
    private static final int MAX_HEADER_SECTION = 256 * 1024;
    private static final int FOLD_AT = 78;
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Clock clock;
    private final long returnLimit;

    /** The system clock and {@link #DEFAULT_RETURN_LIMIT}. */
    public DsnBuilder() {
        this(Clock.systemUTC(), DEFAULT_RETURN_LIMIT);
    }

    /**
     * @param clock       gives the Date of the report
     * @param returnLimit the largest original returned whole (octets) when RET=FULL
     */
    public DsnBuilder(Clock clock, long returnLimit) {
        if (returnLimit < 0) {
            throw new IllegalArgumentException("returnLimit must not be negative: " + returnLimit);
        }
        this.clock = Objects.requireNonNull(clock, "clock");
        this.returnLimit = returnLimit;
    }

    /**
     * RFC 3461 policy: whether recipient {@code r} of {@code envelope} gets a DSN for
     * {@code action}.
     * <ul>
     * <li>never when the sender is null ({@code <>}): nothing is ever sent to the null path;</li>
     * <li>never with NOTIFY=NEVER;</li>
     * <li>without NOTIFY (RFC 3461 4.1 leaves it to the MTA): failures and delays, not success
     *     — the behaviour of NOTIFY=FAILURE,DELAY;</li>
     * <li>with a NOTIFY list: only the conditions listed. {@code delivered}, {@code relayed}
     *     and {@code expanded} are SUCCESS notifications.</li>
     * </ul>
     */
    public static boolean shouldNotify(Envelope envelope, Recipient r, Action action) {
        if (envelope.nullSender()) {
            return false;
        }
        List<String> notify = r.notifyOn().stream().map(s -> s.toUpperCase(Locale.ROOT)).toList();
        if (notify.contains("NEVER")) {
            return false;
        }
        if (notify.isEmpty()) {
            return action == Action.FAILED || action == Action.DELAYED;
        }
        return notify.contains(action.notifyCondition());
    }

    /**
     * Builds the DSN for some recipients of one message.
     *
     * @param reportingMta this server's fully qualified host name
     * @param envelope     the original message's envelope (sender, RET, ENVID)
     * @param queueId      the original's queue id, named in the report
     * @param arrival      when the original arrived (Arrival-Date)
     * @param recipients   one entry per recipient reported, at least one
     * @param original     the original's content, CRLF line endings; read as far as needed, not closed
     * @throws IllegalArgumentException for the null sender (a DSN is never sent to it) or no recipients
     */
    public Dsn build(String reportingMta, Envelope envelope, String queueId, Instant arrival, List<DsnRecipient> recipients,
            InputStream original) throws IOException {
        Objects.requireNonNull(reportingMta, "reportingMta");
        if (envelope.nullSender()) {
            throw new IllegalArgumentException("no DSN is ever sent to the null reverse-path");
        }
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("a DSN reports on at least one recipient");
        }
        boolean full = "FULL".equalsIgnoreCase(envelope.ret());
        Original orig = full ? readFull(original, returnLimit) : new Original(readHeaderSection(original), false);
        Instant now = clock.instant();
        String boundary = boundary(queueId, orig.bytes);
        String messageId = "<" + now.getEpochSecond() + "." + token(queueId) + "." + random(8) + "@" + reportingMta + ">";

        byte[] text = humanText(reportingMta, envelope, queueId, recipients, full, orig.returnedFull)
                .getBytes(StandardCharsets.UTF_8);
        byte[] status = deliveryStatus(reportingMta, envelope, queueId, arrival, recipients).getBytes(StandardCharsets.UTF_8);
        boolean text8 = has8Bit(text);
        boolean status8 = has8Bit(status);
        boolean orig8 = has8Bit(orig.bytes);
        boolean any8 = text8 || status8 || orig8;

        ByteArrayOutputStream out = new ByteArrayOutputStream(orig.bytes.length + text.length + status.length + 2048);
        StringBuilder h = new StringBuilder(1024);
        field(h, "From", "\"Mail Delivery System\" <MAILER-DAEMON@" + reportingMta + ">");
        field(h, "To", "<" + envelope.sender() + ">");
        field(h, "Subject", subject(recipients));
        field(h, "Date", DATE.format(now));
        field(h, "Message-ID", messageId);
        field(h, "Auto-Submitted", "auto-replied");
        field(h, "MIME-Version", "1.0");
        field(h, "Content-Type", "multipart/report; report-type=delivery-status; boundary=\"" + boundary + "\"");
        if (any8) {
            field(h, "Content-Transfer-Encoding", "8bit");
        }
        h.append("\r\n");
        h.append("This is a MIME-encapsulated message: a delivery status notification.\r\n");

        h.append("\r\n--").append(boundary).append("\r\n");
        field(h, "Content-Type", "text/plain; charset=" + (text8 ? "utf-8" : "us-ascii"));
        field(h, "Content-Description", "Notification");
        if (text8) {
            field(h, "Content-Transfer-Encoding", "8bit");
        }
        h.append("\r\n");
        write(out, h);
        out.write(text);

        h.append("\r\n--").append(boundary).append("\r\n");
        field(h, "Content-Type", "message/delivery-status");
        field(h, "Content-Description", "Delivery report");
        if (status8) {
            field(h, "Content-Transfer-Encoding", "8bit");
        }
        h.append("\r\n");
        write(out, h);
        out.write(status);

        h.append("\r\n--").append(boundary).append("\r\n");
        if (orig.returnedFull) {
            field(h, "Content-Type", "message/rfc822");
            field(h, "Content-Description", "Undelivered message");
        } else {
            field(h, "Content-Type", "text/rfc822-headers");
            field(h, "Content-Description", "Header section of the undelivered message");
        }
        if (orig8) {
            field(h, "Content-Transfer-Encoding", "8bit");
        }
        h.append("\r\n");
        write(out, h);
        out.write(orig.bytes);
        h.append("\r\n--").append(boundary).append("--\r\n");
        write(out, h);
        return new Dsn(envelope.sender(), messageId, any8, orig.returnedFull, out.toByteArray());
    }

    private static void write(ByteArrayOutputStream out, StringBuilder h) {
        out.writeBytes(h.toString().getBytes(StandardCharsets.UTF_8));
        h.setLength(0);
    }

    // ---- the parts

    private static String subject(List<DsnRecipient> recipients) {
        if (recipients.stream().anyMatch(r -> r.action() == Action.FAILED)) {
            return "Undelivered Mail Returned to Sender";
        }
        if (recipients.stream().anyMatch(r -> r.action() == Action.DELAYED)) {
            return "Delayed Mail (still being retried)";
        }
        if (recipients.stream().anyMatch(r -> r.action() == Action.DELIVERED || r.action() == Action.EXPANDED)) {
            return "Successful Mail Delivery Report";
        }
        return "Relayed Mail Report";
    }

    private String deliveryStatus(String reportingMta, Envelope envelope, String queueId, Instant arrival, List<DsnRecipient> recipients) {
        StringBuilder s = new StringBuilder(512);
        field(s, "Reporting-MTA", "dns; " + reportingMta);
        field(s, "X-Baton-Queue-ID", queueId);
        if (envelope.envid() != null) {
            field(s, "Original-Envelope-Id", envelope.envid());
        }
        if (envelope.heloName() != null && !envelope.heloName().isEmpty()) {
            field(s, "Received-From-MTA", "dns; " + envelope.heloName()
                    + (envelope.clientAddress() != null ? " (" + envelope.clientAddress() + ")" : ""));
        }
        if (arrival != null) {
            field(s, "Arrival-Date", DATE.format(arrival));
        }
        for (DsnRecipient r : recipients) {
            s.append("\r\n");
            if (r.originalRecipient() != null) {
                int semi = r.originalRecipient().indexOf(';');
                field(s, "Original-Recipient", r.originalRecipient().substring(0, semi).trim() + "; "
                        + r.originalRecipient().substring(semi + 1).trim());
            }
            field(s, "Final-Recipient", "rfc822; " + r.address());
            field(s, "Action", r.action().field());
            field(s, "Status", r.status());
            if (r.remoteMta() != null) {
                field(s, "Remote-MTA", "dns; " + r.remoteMta());
            }
            if (r.diagnosticCode() != null) {
                field(s, "Diagnostic-Code", diagnostic(r.diagnosticCode()));
            }
            if (r.lastAttempt() != null) {
                field(s, "Last-Attempt-Date", DATE.format(r.lastAttempt()));
            }
            if (r.action() == Action.DELAYED && r.willRetryUntil() != null) {
                field(s, "Will-Retry-Until", DATE.format(r.willRetryUntil()));
            }
        }
        return s.toString();
    }

    /** "type; text"; a bare reply gets the type smtp. */
    static String diagnostic(String code) {
        String c = clean(code);
        int semi = c.indexOf(';');
        if (semi > 0 && c.substring(0, semi).trim().matches("[A-Za-z][A-Za-z0-9-]*")) {
            return c.substring(0, semi).trim() + "; " + c.substring(semi + 1).trim();
        }
        return "smtp; " + c;
    }

    private String humanText(String reportingMta, Envelope envelope, String queueId, List<DsnRecipient> recipients, boolean full,
            boolean returnedFull) {
        StringBuilder t = new StringBuilder(1024);
        t.append("This is the mail system at ").append(reportingMta).append(".\r\n\r\n");
        List<String> paragraphs = new ArrayList<>();
        for (DsnRecipient r : recipients) {
            paragraphs.add(sentence(r));
        }
        boolean failed = recipients.stream().anyMatch(r -> r.action() == Action.FAILED);
        boolean delayed = recipients.stream().anyMatch(r -> r.action() == Action.DELAYED);
        if (failed) {
            paragraphs.add(0, "I'm sorry to have to tell you that your message could not be delivered to one or more"
                    + " recipients. The details are below.");
        } else if (delayed) {
            paragraphs.add(0, "Your message has not been delivered yet to one or more recipients. This is only a"
                    + " warning: you do not need to send it again.");
        } else {
            paragraphs.add(0, "This is a report on the delivery of your message, as you asked.");
        }
        if (failed) {
            paragraphs.add("If you need help, please contact your postmaster and quote this report, or forward"
                    + " this message to them.");
        }
        for (String p : paragraphs) {
            wrap(t, p);
            t.append("\r\n");
        }
        String enclosed = returnedFull
                ? "Your original message is attached."
                : full ? "Your original message was too large to be returned whole (more than " + returnLimit
                        + " octets); its header section is attached."
                : "The header section of your original message is attached.";
        wrap(t, enclosed + " Queue id: " + queueId + ".");
        return t.toString();
    }

    private static String sentence(DsnRecipient r) {
        String who = "<" + r.address() + ">";
        String why = r.explanation() != null ? r.explanation() : reason(r.status());
        String said = "";
        if (r.diagnosticCode() != null) {
            String typed = diagnostic(r.diagnosticCode());
            if (typed.regionMatches(true, 0, "smtp;", 0, 5)) {
                said = " The server" + (r.remoteMta() == null ? "" : " " + r.remoteMta()) + " said: " + diagnosticText(typed);
            } else if (r.explanation() == null) {
                said = " Details: " + diagnosticText(typed);
            }
        }
        String via = r.remoteMta() == null ? "" : " (" + r.remoteMta() + ")";
        return switch (r.action()) {
            case FAILED -> who + ": the message could not be delivered because " + why + "." + said
                    + " It will not be tried again.";
            case DELAYED -> who + ": the message has not been delivered yet because " + why + "." + said
                    + (r.willRetryUntil() != null ? " Delivery will be tried again until " + DATE.format(r.willRetryUntil()) + "."
                    : " Delivery will be tried again.");
            case DELIVERED -> who + ": the message was delivered to the recipient's mailbox.";
            case RELAYED -> who + ": the message was passed on to the next mail system" + via
                    + ", which does not report on deliveries; you may not hear about it again.";
            case EXPANDED -> who + ": the message was delivered to this address, a list or alias, which passed it on"
                    + " to its members.";
        };
    }

    private static String diagnosticText(String code) {
        String c = diagnostic(code);
        return c.substring(c.indexOf(';') + 1).trim();
    }

    /** RFC 3463 in a sender's words. */
    static String reason(String status) {
        String[] p = status.split("\\.");
        String subject = p[1];
        String detail = p[1] + "." + p[2];
        return switch (detail) {
            case "1.1" -> "the address does not exist there (no such mailbox)";
            case "1.2" -> "the domain of the address does not exist or does not receive mail";
            case "1.3" -> "the address is not written correctly";
            case "1.6" -> "the recipient has moved and left no forwarding address";
            case "2.1" -> "the recipient's mailbox is disabled and does not accept messages";
            case "2.2" -> "the recipient's mailbox is full";
            case "2.3", "3.4" -> "the message is larger than the recipient's system accepts";
            case "3.1" -> "the recipient's mail system is out of storage space";
            case "4.1" -> "the recipient's mail server did not answer";
            case "4.2" -> "the connection to the recipient's mail server was lost";
            case "4.4" -> "no mail server was found for the recipient's domain";
            case "4.6" -> "the message was forwarded in a loop";
            case "4.7" -> "it could not be delivered in the time allowed";
            case "5.3" -> "the message had too many recipients";
            case "7.1" -> "the recipient's system refused it (not authorized or considered unwanted)";
            case "0.0" -> "of a problem reported below";
            default -> switch (subject) {
                case "1" -> "there is a problem with the address";
                case "2" -> "there is a problem with the recipient's mailbox";
                case "3" -> "there is a problem with the recipient's mail system";
                case "4" -> "of a network or routing problem";
                case "5" -> "the mail servers could not understand each other";
                case "6" -> "the recipient's system does not accept this kind of content";
                case "7" -> "of a security or policy rule";
                default -> "of a problem reported below";
            };
        };
    }

    // ---- the original

    private record Original(byte[] bytes, boolean returnedFull) {
    }

    /** The whole content when it is within the limit, else its header section. */
    private static Original readFull(InputStream in, long limit) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(8192);
        byte[] chunk = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(chunk)) > 0) {
            total += n;
            buf.write(chunk, 0, n);
            if (total > limit) {
                byte[] got = buf.toByteArray();
                if (endOfHeaders(got, Math.min(got.length, MAX_HEADER_SECTION)) >= 0 || got.length >= MAX_HEADER_SECTION) {
                    return new Original(cutHeaders(got, false), false);
                }
                return new Original(readHeaderSection(new SequenceInputStream(new ByteArrayInputStream(got), in)), false);
            }
        }
        return new Original(buf.toByteArray(), true);
    }

    /** Reads the header section: each field with its CRLF, without the empty line after them. */
    private static byte[] readHeaderSection(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream(4096);
        byte[] chunk = new byte[8192];
        while (buf.size() < MAX_HEADER_SECTION) {
            int n = in.read(chunk);
            if (n <= 0) {
                return cutHeaders(buf.toByteArray(), true);
            }
            buf.write(chunk, 0, n);
            byte[] b = buf.toByteArray();
            if (endOfHeaders(b, Math.min(b.length, MAX_HEADER_SECTION)) >= 0) {
                return cutHeaders(b, false);
            }
        }
        return cutHeaders(buf.toByteArray(), false);
    }

    /** The index just after the CRLF that ends the last field (0: no fields), or -1 when no empty line is within len. */
    private static int endOfHeaders(byte[] b, int len) {
        if (len >= 2 && b[0] == '\r' && b[1] == '\n') {
            return 0;
        }
        for (int i = 0; i + 3 < len; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i + 2;
            }
        }
        return -1;
    }

    /**
     * The header fields of {@code b}, each ending in CRLF: up to the empty line; a message that
     * ended without one is all header section; otherwise cut at the last whole line within
     * {@link #MAX_HEADER_SECTION}.
     */
    private static byte[] cutHeaders(byte[] b, boolean atEnd) {
        int len = Math.min(b.length, MAX_HEADER_SECTION);
        int end = endOfHeaders(b, len);
        if (end >= 0) {
            return Arrays.copyOf(b, end);
        }
        if (atEnd && b.length <= MAX_HEADER_SECTION) {
            if (b.length == 0 || b.length >= 2 && b[b.length - 2] == '\r' && b[b.length - 1] == '\n') {
                return b;
            }
            byte[] r = Arrays.copyOf(b, b.length + 2);
            r[b.length] = '\r';
            r[b.length + 1] = '\n';
            return r;
        }
        for (int i = len - 2; i >= 0; i--) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return Arrays.copyOf(b, i + 2);
            }
        }
        return new byte[0];
    }

    // ---- helpers

    static boolean has8Bit(byte[] b) {
        for (byte x : b) {
            if (x < 0) {
                return true;
            }
        }
        return false;
    }

    /** A boundary that does not occur in the enclosed original. */
    private static String boundary(String queueId, byte[] original) {
        while (true) {
            String b = token(queueId) + "/" + random(12) + "=_DSN";
            if (indexOf(original, ("--" + b).getBytes(StandardCharsets.US_ASCII)) < 0) {
                return b;
            }
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String token(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 32; i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
                b.append(c);
            }
        }
        return b.isEmpty() ? "X" : b.toString();
    }

    private static String random(int bytes) {
        byte[] r = new byte[bytes];
        RANDOM.nextBytes(r);
        StringBuilder s = new StringBuilder(bytes * 2);
        for (byte x : r) {
            s.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        return s.toString();
    }

    /** No CR, LF or other control character may reach a header field. */
    static String clean(String v) {
        StringBuilder b = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        return b.toString().trim().replaceAll(" {2,}", " ");
    }

    /**
     * Appends "Name: value" CRLF, folded at white space so that lines stay within 78
     * characters where the value allows (a word longer than a line is left whole).
     */
    static void field(StringBuilder out, String name, String value) {
        String line = name + ": " + clean(value);
        int start = 0;
        while (line.length() - start > FOLD_AT) {
            int cut = line.lastIndexOf(' ', start + FOLD_AT);
            // never fold right after "Name:", nor before the space a continuation line starts with
            if (cut <= (start == 0 ? name.length() + 1 : start)) {
                cut = line.indexOf(' ', start + FOLD_AT);
                if (cut < 0) {
                    break;
                }
            }
            out.append(line, start, cut).append("\r\n");
            start = cut; // the continuation line begins with the space
        }
        out.append(line, start, line.length()).append("\r\n");
    }

    /** A paragraph of plain text, wrapped at 72, CRLF. */
    private static void wrap(StringBuilder out, String paragraph) {
        int col = 0;
        for (String word : clean(paragraph).split(" ")) {
            if (col > 0 && col + 1 + word.length() > 72) {
                out.append("\r\n");
                col = 0;
            } else if (col > 0) {
                out.append(' ');
                col++;
            }
            out.append(word);
            col += word.length();
        }
        out.append("\r\n");
    }
}
