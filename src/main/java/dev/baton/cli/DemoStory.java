package dev.baton.cli;

import dev.baton.auth.PlainClientMechanism;
import dev.baton.cli.DemoOrganization.Server;
import dev.baton.cli.DemoOrganization.User;
import dev.baton.events.DeliveryLog;
import dev.baton.events.EventFiles;
import dev.baton.events.LoggedEvent;
import dev.baton.org.Directory;
import dev.baton.org.Member;
import dev.baton.org.Right;
import dev.baton.org.Rights;
import dev.baton.org.Scope;
import dev.baton.queue.QueuedMessage;
import dev.baton.smtp.MailParameters;
import dev.baton.smtp.RcptParameters;
import dev.baton.smtp.client.SmtpClient;
import dev.baton.smtp.client.Transaction;
import dev.baton.smtp.client.TransactionResult;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What happened to the demo's first message, read back from what the servers wrote: the
 * delivery logs (the hop's TLS and who X-EXPS proved, as the receiver recorded them), the
 * Maildir, the event logs, and the rights in force asked as {@code baton org explain} asks.
 */
final class DemoStory {

    private static final Duration POLL = Duration.ofMillis(100);

    /** One line of a delivery log, with the fields the story reads. */
    record LogLine(String text, String queueId) {
        private static final Pattern LINE = Pattern.compile("^\\S+ \\S+ ([A-Z0-9]+): (.*)$");

        static Optional<LogLine> parse(String text) {
            Matcher m = LINE.matcher(text);
            return m.matches() ? Optional.of(new LogLine(text, m.group(1))) : Optional.empty();
        }

        /** A field's value ({@code key=value} up to the next field or the reply in parentheses), or null. */
        String field(String key) {
            Matcher m = Pattern.compile("(?:: |, )" + Pattern.quote(key) + "=(.*?)(?=, [a-z_]+=| \\(|$)").matcher(text);
            return m.find() ? m.group(1) : null;
        }

        /** The reply in parentheses at the end, or null. */
        String reply() {
            int open = text.indexOf(" (", text.indexOf("status="));
            return open < 0 || !text.endsWith(")") ? null : text.substring(open + 2, text.length() - 1);
        }
    }

    /** The submission as alice's mail program saw it. */
    record Submission(String messageId, String tls, String queueId, String reply) {
    }

    /** Everything the story tells, read from the servers' files. */
    record Facts(Submission submission, LogLine received1, LogLine sent1, LogLine received2, LogLine delivered2, Path maildirFile,
                 String receivedHeader, Rights.Decision submitRight, Directory.Server hopServer, Rights.Decision acceptRight,
                 List<LoggedEvent> events1, List<LoggedEvent> events2) {
    }

    private DemoStory() {
    }

    /** Submits a message as the user to the user's home server: STARTTLS, AUTH PLAIN, one transaction. */
    static Submission submit(User from, User to) throws IOException {
        String messageId = "<demo-" + UUID.randomUUID() + "@" + DemoOrganization.DOMAIN + ">";
        String message = "From: Alice <" + from.address() + ">\r\n"
                + "To: Bob <" + to.address() + ">\r\n"
                + "Subject: Hello from " + from.home().name() + " to " + to.home().name() + "\r\n"
                + "Date: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now()) + "\r\n"
                + "Message-ID: " + messageId + "\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "\r\n"
                + "Sent by 'baton demo': " + from.home().fqdn() + " hands it to " + to.home().fqdn()
                + " over TLS, authenticated with Kerberos (X-EXPS GSSAPI).\r\n";
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        try (SmtpClient c = SmtpClient.connect("127.0.0.1", from.home().port(), Duration.ofSeconds(30), line -> { })) {
            hello(c);
            c.startTls(false);
            hello(c);
            PlainClientMechanism plain = new PlainClientMechanism(from.name(), from.password().toCharArray());
            try {
                c.authenticate("AUTH", plain, from.home().fqdn());
            } catch (dev.baton.auth.AuthenticationException | dev.baton.smtp.client.SmtpClientException e) {
                throw new IOException(from.home().name() + " refused AUTH PLAIN as " + from.name() + ": " + e.getMessage(), e);
            } finally {
                plain.clear();
            }
            TransactionResult r = c.send(new Transaction(from.address(), MailParameters.NONE,
                    List.of(new Transaction.Rcpt(to.address(), RcptParameters.NONE)), () -> new ByteArrayInputStream(bytes), -1,
                    false, false, false));
            if (!r.mailAccepted() || !r.accepted(0) || r.dataRefused() != null || !r.finals().get(0).positive()) {
                throw new IOException(from.home().name() + " refused the message: MAIL " + r.mail() + ", RCPT " + r.recipients()
                        + (r.dataRefused() != null ? ", DATA " + r.dataRefused() : r.finals().isEmpty() ? "" : ", end of data " + r.finals()));
            }
            String fin = r.finals().get(0).toString();
            c.quitQuietly();
            Matcher id = Pattern.compile("queued as ([A-Z0-9]+)").matcher(fin);
            return new Submission(messageId, c.tlsDescription(), id.find() ? id.group(1) : null, fin);
        }
    }

    private static void hello(SmtpClient c) throws IOException {
        SmtpClient.Hello h = c.hello("alices-laptop.demo.test", false);
        if (!h.accepted()) {
            throw new IOException("EHLO refused: " + h.reply());
        }
    }

    /**
     * Waits (until the deadline) for the message in the recipient's Maildir and for both servers'
     * delivery log lines and delivery events about it, then reads the facts.
     *
     * @throws IOException when the deadline passes first, saying where the message is
     */
    static Facts await(DemoOrganization org, Submission s, Duration within) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(within);
        Path maildir = org.mail2.dir().resolve("mailboxes").resolve(DemoOrganization.DOMAIN).resolve(org.bob.name()).resolve("new");
        while (true) {
            Facts f = read(org, s, maildir);
            if (f != null) {
                return f;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IOException("the message did not reach " + maildir + " within " + within.toSeconds() + "s: "
                        + whereIs(org, s));
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** The facts once all of them are written, else null. */
    private static Facts read(DemoOrganization org, Submission s, Path maildir) throws IOException {
        Path landed = find(maildir, s.messageId());
        if (landed == null || s.queueId() == null) {
            return null;
        }
        List<LogLine> log1 = lines(org.mail1);
        LogLine received1 = first(log1, s.queueId(), "client");
        LogLine sent1 = first(log1, s.queueId(), "to", "status=sent");
        if (received1 == null || sent1 == null || sent1.field("queued_as") == null) {
            return null;
        }
        String hopId = sent1.field("queued_as");
        List<LogLine> log2 = lines(org.mail2);
        LogLine received2 = first(log2, hopId, "client");
        LogLine delivered2 = first(log2, hopId, "to", "status=sent");
        if (received2 == null || delivered2 == null) {
            return null;
        }
        List<LoggedEvent> events1 = events(org.mail1);
        List<LoggedEvent> events2 = events(org.mail2);
        if (events1.stream().noneMatch(e -> s.queueId().equals(e.queueId()) && e.id() == 4301)
                || events2.stream().noneMatch(e -> hopId.equals(e.queueId()) && e.id() == 4301)) {
            return null;
        }
        String header = receivedHeader(landed);

        Rights rights1 = org.node1().directory().rights();
        Rights.Decision submit = rights1.explain(Member.user(org.alice.name()), Right.SUBMIT, Scope.virtualServer(org.mail1.name(), "default"));
        Rights rights2 = org.node2().directory().rights();
        Directory.Server hop = rights2.directory().serverByPrincipal(String.valueOf(received2.field("auth")));
        Member who = hop == null ? Member.ANONYMOUS : Member.server(hop.name());
        Rights.Decision accept = rights2.explain(who, Right.ACCEPT_AUTHORITATIVE_DOMAIN, Scope.virtualServer(org.mail2.name(), "default"));
        return new Facts(s, received1, sent1, received2, delivered2, landed, header, submit, hop, accept, events1, events2);
    }

    /** The message's first Received header (the receiving server's own), its lines joined with newlines. */
    private static String receivedHeader(Path message) throws IOException {
        StringBuilder b = null;
        for (String l : Files.readAllLines(message, StandardCharsets.UTF_8)) {
            if (l.isEmpty()) {
                break;
            }
            if (b == null) {
                if (l.startsWith("Received: ")) {
                    b = new StringBuilder(l);
                }
            } else if (l.startsWith("\t") || l.startsWith(" ")) {
                b.append('\n').append(l);
            } else {
                break;
            }
        }
        return b == null ? "" : b.toString();
    }

    /** The first line of the message with this queue id whose fields start with the key and that contains the text. */
    private static LogLine first(List<LogLine> lines, String queueId, String firstKey, String... contains) {
        for (LogLine l : lines) {
            if (l.queueId().equals(queueId) && l.text().contains(": " + firstKey + "=")
                    && Stream.of(contains).allMatch(l.text()::contains)) {
                return l;
            }
        }
        return null;
    }

    static List<LogLine> lines(Server s) throws IOException {
        try {
            return Files.readAllLines(DeliveryLog.file(s.dir()), StandardCharsets.UTF_8).stream()
                    .map(LogLine::parse).flatMap(Optional::stream).toList();
        } catch (NoSuchFileException notYet) {
            return List.of();
        }
    }

    static List<LoggedEvent> events(Server s) throws IOException {
        List<LoggedEvent> out = new ArrayList<>();
        new EventFiles(s.dir().resolve(dev.baton.events.EventLog.DIRECTORY)).read(out::add, bad -> { });
        return out;
    }

    /** The file in the Maildir folder whose header carries the Message-ID, or null. */
    private static Path find(Path maildir, String messageId) throws IOException {
        if (!Files.isDirectory(maildir)) {
            return null;
        }
        try (Stream<Path> files = Files.list(maildir)) {
            for (Path p : files.sorted().toList()) {
                try {
                    if (Files.readString(p, StandardCharsets.UTF_8).contains("Message-ID: " + messageId)) {
                        return p;
                    }
                } catch (NoSuchFileException movedMeanwhile) {
                    // read by someone's mail program: not ours to wait for
                }
            }
        }
        return null;
    }

    /** Where a message that did not arrive is: mail1's queue with its last reason, or what is missing. */
    private static String whereIs(DemoOrganization org, Submission s) {
        try {
            for (QueuedMessage m : org.node1().spool().list()) {
                if (m.id().equals(s.queueId())) {
                    var st = m.states().get(0);
                    return "it waits in mail1's queue as " + m.id() + (st.last() == null ? " (not tried yet)" : ", last reply: "
                            + st.last().text()) + " (baton queue show " + m.id() + " --data-dir " + org.mail1.dir() + ")";
                }
            }
            return "mail1 no longer holds " + s.queueId() + "; see " + DeliveryLog.file(org.mail1.dir()) + " and "
                    + DeliveryLog.file(org.mail2.dir());
        } catch (IOException e) {
            return "mail1's queue cannot be read: " + e.getMessage();
        }
    }
}
