package dev.baton.events;

import dev.baton.mail.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One line of the delivery log (docs/logs.md, ADR 0017) as data: a message received, one
 * recipient's outcome, a notification sent about a message, a message removed from the queue.
 * The text line and the JSON line are both made from {@link #fields()}, so they carry the same
 * fields under the same names; later logs (message tracking) can take the records as they are.
 */
public sealed interface DeliveryRecord {

    Instant time();

    /** The queue id the line is about; null only for {@link Dropped}. */
    String queueId();

    /** What kind of line: "received", "delivery", "notified", "removed", "dropped" (the JSON {@code record}). */
    String kind();

    /** The fields in the order the text line writes them; none null. */
    List<Field> fields();

    /** How a field is written in the text line (JSON writes numbers as numbers, the rest as strings). */
    enum Form {
        /** key=value */
        PLAIN,
        /** key=value, a JSON number */
        NUMBER,
        /** key=&lt;address&gt; */
        ADDRESS,
        /** " (value)" after the field before it, as Postfix writes a status's reply */
        PAREN
    }

    /** One named value. */
    record Field(String key, String value, Form form) {
    }

    /**
     * A message received and committed to the queue (the 250 after DATA or BDAT).
     *
     * @param client    the client's address (without port)
     * @param tls       the TLS protocol and cipher, null without TLS
     * @param principal who the session proved to be ({@link Principal#ANONYMOUS}: no auth field)
     */
    record Received(Instant time, String queueId, String virtualServer, long connection, String client, String helo,
                    String protocol, String tls, Principal principal, String sender, long size, int recipients)
            implements DeliveryRecord {
        @Override
        public String kind() {
            return "received";
        }

        @Override
        public List<Field> fields() {
            List<Field> f = new ArrayList<>(12);
            f.add(new Field("client", "[" + client + "]", Form.PLAIN));
            if (helo != null) {
                f.add(new Field("helo", helo, Form.ADDRESS));
            }
            f.add(new Field("virtual_server", virtualServer, Form.PLAIN));
            f.add(new Field("connection", Long.toString(connection), Form.NUMBER));
            f.add(new Field("protocol", protocol, Form.PLAIN));
            if (tls != null) {
                f.add(new Field("tls", tls, Form.PLAIN));
            }
            if (principal != null && principal.isAuthenticated()) {
                f.add(new Field("auth", principal.name(), Form.PLAIN));
                f.add(new Field("auth_as", principal instanceof Principal.Server ? "server" : "user", Form.PLAIN));
                String mechanism = principal instanceof Principal.User u ? u.mechanism()
                        : principal instanceof Principal.Server s ? s.mechanism() : null;
                if (mechanism != null) {
                    f.add(new Field("auth_method", mechanism, Form.PLAIN));
                }
            }
            f.add(new Field("from", sender, Form.ADDRESS));
            f.add(new Field("size", Long.toString(size), Form.NUMBER));
            f.add(new Field("nrcpt", Integer.toString(recipients), Form.NUMBER));
            return f;
        }
    }

    /** What became of one recipient in one attempt (Postfix's {@code status=}). */
    enum Status {
        SENT, DEFERRED, BOUNCED, EXPIRED;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One recipient's outcome.
     *
     * @param originalRecipient the ORCPT address where it differs from the recipient, else null
     * @param relay             host[addr]:port of the server that answered, {@code mailbox[address]} for a
     *                          local Maildir, {@code discard} for a discarding route, {@code none} when no
     *                          server was reached
     * @param delay             from arrival to this outcome
     * @param queued            from arrival to the start of this attempt
     * @param attempt           the attempt itself
     * @param dsn               the RFC 3463 status
     * @param reply             what was said: a server's reply verbatim (with the step it answered), or Baton's own text
     * @param queuedAs          the next hop's queue id when its reply names one ("queued as ABC123"), else null
     * @param tls               the TLS of the session with the next hop that said the reply, null without
     * @param authTo            whom this server authenticated to on that session ({@code smtp/<fqdn>}), else null
     * @param authMethod        how ("X-EXPS GSSAPI"), null when it did not authenticate
     */
    record Delivery(Instant time, String queueId, String recipient, String originalRecipient, String relay, String tls,
                    String authTo, String authMethod, Duration delay, Duration queued, Duration attempt, String dsn, Status status,
                    String reply, String queuedAs) implements DeliveryRecord {
        @Override
        public String kind() {
            return "delivery";
        }

        @Override
        public List<Field> fields() {
            List<Field> f = new ArrayList<>(13);
            f.add(new Field("to", recipient, Form.ADDRESS));
            if (originalRecipient != null) {
                f.add(new Field("orig_to", originalRecipient, Form.ADDRESS));
            }
            f.add(new Field("relay", relay, Form.PLAIN));
            if (tls != null) {
                f.add(new Field("tls", tls, Form.PLAIN));
            }
            if (authMethod != null) {
                if (authTo != null) {
                    f.add(new Field("auth_to", authTo, Form.PLAIN));
                }
                f.add(new Field("auth_method", authMethod, Form.PLAIN));
            }
            f.add(new Field("delay", seconds(delay), Form.NUMBER));
            f.add(new Field("delays", seconds(queued) + "/" + seconds(attempt), Form.PLAIN));
            f.add(new Field("dsn", dsn, Form.PLAIN));
            if (queuedAs != null) {
                f.add(new Field("queued_as", queuedAs, Form.PLAIN));
            }
            f.add(new Field("status", status.key(), Form.PLAIN));
            f.add(new Field("reply", reply, Form.PAREN));
            return f;
        }
    }

    /**
     * A delivery status notification about this message was queued as {@code noticeId}.
     *
     * @param notice "failure", "delay" or "success" (RFC 3461's NOTIFY words)
     */
    record Notified(Instant time, String queueId, String notice, String noticeId) implements DeliveryRecord {
        @Override
        public String kind() {
            return "notified";
        }

        @Override
        public List<Field> fields() {
            return List.of(new Field("notice", notice, Form.PLAIN), new Field("notice_id", noticeId, Form.PLAIN));
        }
    }

    /** The message left the queue: every recipient final, returned, or deleted by an administrator. */
    record Removed(Instant time, String queueId) implements DeliveryRecord {
        @Override
        public String kind() {
            return "removed";
        }

        @Override
        public List<Field> fields() {
            return List.of();
        }
    }

    /** Lines the log could not write (the writer was behind, or the disk failed). */
    record Dropped(Instant time, long count) implements DeliveryRecord {
        @Override
        public String queueId() {
            return null;
        }

        @Override
        public String kind() {
            return "dropped";
        }

        @Override
        public List<Field> fields() {
            return List.of(new Field("dropped", Long.toString(count), Form.NUMBER));
        }
    }

    /** Seconds with two decimals, as Postfix's delay: "0.35", "3600.00". */
    static String seconds(Duration d) {
        long ms = Math.max(0, d.toMillis());
        long centis = (ms + 5) / 10;
        long frac = centis % 100;
        return centis / 100 + (frac < 10 ? ".0" : ".") + frac;
    }

    /**
     * The next hop's queue id in its reply to the end of data, where it names one: Postfix's
     * "250 2.0.0 Ok: queued as ABC123", Baton's "250 2.0.0 OK queued as ID", Exim's "250 OK id=1abc-2def-GH".
     * Null when there is none.
     */
    static String remoteQueueId(String reply) {
        if (reply == null || !reply.startsWith("2")) {
            return null;
        }
        String lower = reply.toLowerCase(Locale.ROOT);
        int at = lower.indexOf("queued as ");
        int start = at >= 0 ? at + "queued as ".length() : -1;
        if (start < 0) {
            int id = lower.indexOf(" id=");
            start = id >= 0 ? id + " id=".length() : -1;
        }
        if (start < 0) {
            return null;
        }
        int end = start;
        while (end < reply.length() && isIdChar(reply.charAt(end))) {
            end++;
        }
        while (end > start && reply.charAt(end - 1) == '.') {
            end--; // "queued as ABC123." ends a sentence
        }
        return end > start ? reply.substring(start, end) : null;
    }

    private static boolean isIdChar(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.';
    }
}
