package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.admin.ControlSocket;
import dev.baton.config.BatonConfig;
import dev.baton.smtp.MailParameters;
import dev.baton.smtp.RcptParameters;
import dev.baton.smtp.client.SmtpClient;
import dev.baton.smtp.client.SmtpReply;
import dev.baton.smtp.client.Transaction;
import dev.baton.smtp.client.TransactionResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code baton sendmail}: the entry point local programs (cron, scripts) expect of an MTA, as
 * sendmail(8): the message on standard input, recipients as arguments or from its headers
 * with {@code -t}, exit codes from sysexits.h. It submits to the server running on the data
 * directory over SMTP on loopback; when none runs the message is not taken (75, EX_TEMPFAIL:
 * the caller keeps it and may try again), since only a running server may write to its spool.
 */
@Command(name = "sendmail", mixinStandardHelpOptions = true,
        description = {"Reads a message from standard input and hands it to the Baton server running on the data directory,",
            "as sendmail does for local programs. Recipients are the arguments, or with -t the To, Cc and Bcc headers",
            "(Bcc is removed). A line with a single dot ends the message unless -i (or -oi) is given."},
        footer = {"%nExamples:", "  echo 'Subject: backup done' | baton sendmail -f root@example.test admin@example.test",
            "  baton sendmail -t -i < message.eml",
            "%nExit status (sysexits.h): 0 sent; 64 usage; 65 a malformed message or no recipient; 67 a recipient refused;",
            "69 refused for good; 75 try again later (no server runs, or it answered 4xx); 74 standard input unreadable."})
final class SendmailCommand implements Callable<Integer> {

    static final int EX_OK = 0;
    static final int EX_USAGE = 64;
    static final int EX_DATAERR = 65;
    static final int EX_NOUSER = 67;
    static final int EX_UNAVAILABLE = 69;
    static final int EX_IOERR = 74;
    static final int EX_TEMPFAIL = 75;
    /** The largest message read from standard input. */
    static final int MAX_MESSAGE = 64 << 20;

    @Mixin
    DataDirOptions data;

    @Option(names = "-t", description = "Recipients from the To, Cc and Bcc headers (and the arguments); Bcc is removed")
    boolean fromHeaders;

    @Option(names = {"-i", "-oi"}, description = "A line with a single dot does not end the message")
    boolean ignoreDots;

    @Option(names = {"-f", "-r"}, paramLabel = "SENDER", description = "Envelope sender. Default: the user at the server's FQDN")
    String sender;

    @Option(names = "-F", paramLabel = "NAME", description = "Full name for a From header added when the message has none")
    String fullName;

    @Parameters(paramLabel = "RECIPIENT", description = "Recipient addresses")
    List<String> recipients = new ArrayList<>();

    /** Other sendmail options (-oX, -odb, -bm, -v, ...) are accepted and do nothing, as programs pass them freely. */
    @Unmatched
    List<String> ignored = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        for (String o : ignored) {
            if (!o.startsWith("-o") && !o.startsWith("-b") && !o.equals("-v") && !o.startsWith("-O")) {
                err.println("baton sendmail: unknown option " + o);
                return EX_USAGE;
            }
        }
        BatonConfig config = data.load(false);
        byte[] raw;
        try {
            raw = readInput(System.in);
        } catch (IOException e) {
            err.println("baton sendmail: " + e.getMessage());
            return e instanceof TooBig ? EX_DATAERR : EX_IOERR;
        }
        Message m = Message.parse(raw, ignoreDots);
        List<String> to = new ArrayList<>(recipients);
        if (fromHeaders) {
            to.addAll(m.headerAddresses("to"));
            to.addAll(m.headerAddresses("cc"));
            to.addAll(m.headerAddresses("bcc"));
            m.remove("bcc");
        }
        if (to.isEmpty()) {
            err.println("baton sendmail: no recipients (give them as arguments, or -t to read them from the headers)");
            return EX_DATAERR;
        }
        String from = sender != null ? sender : System.getProperty("user.name", "nobody") + "@" + config.server().fqdn();
        if (!m.has("from")) {
            m.addFirst("From: " + (fullName == null ? "" : "\"" + fullName.replace("\"", "") + "\" ") + "<" + from + ">");
        }
        String[] target = target(config);
        if (target == null) {
            err.println("baton sendmail: no Baton server runs on " + data.dataDir.toAbsolutePath() + "; the message was not sent"
                    + " (start one with 'baton serve')");
            return EX_TEMPFAIL;
        }
        try (SmtpClient c = SmtpClient.connect(target[0], Integer.parseInt(target[1]), Duration.ofSeconds(60), line -> { })) {
            SmtpClient.Hello h = c.hello("localhost", false);
            if (!h.accepted()) {
                err.println("baton sendmail: the server refused the greeting: " + h.reply());
                return h.reply().code() >= 500 ? EX_UNAVAILABLE : EX_TEMPFAIL;
            }
            byte[] content = m.bytes();
            List<Transaction.Rcpt> rcpts = to.stream().map(a -> new Transaction.Rcpt(a, RcptParameters.NONE)).toList();
            MailParameters params = m.eightBit() && c.offers(dev.baton.smtp.Extension.EIGHT_BIT_MIME)
                    ? new MailParameters("8BITMIME", false, null, null, -1) : MailParameters.NONE;
            TransactionResult r = c.send(new Transaction(from, params, rcpts, () -> new ByteArrayInputStream(content), content.length,
                    false, false, false));
            c.quit();
            return outcome(r, to, err);
        } catch (IOException e) {
            err.println("baton sendmail: sending to " + target[0] + ":" + target[1] + " failed: " + e.getMessage()
                    + "; the message was not sent");
            return EX_TEMPFAIL;
        }
    }

    private static int outcome(TransactionResult r, List<String> to, PrintWriter err) {
        if (!r.mailAccepted()) {
            err.println("baton sendmail: the server refused the sender: " + r.mail());
            return r.mail().code() >= 500 ? EX_UNAVAILABLE : EX_TEMPFAIL;
        }
        int refusedPermanently = 0;
        int refusedTransiently = 0;
        for (int i = 0; i < r.recipients().size(); i++) {
            if (!r.accepted(i)) {
                SmtpReply reply = r.recipients().get(i);
                err.println("baton sendmail: " + to.get(i) + ": " + reply);
                if (reply.code() >= 500) {
                    refusedPermanently++;
                } else {
                    refusedTransiently++;
                }
            }
        }
        if (r.dataRefused() != null) {
            err.println("baton sendmail: the server refused the message: " + r.dataRefused());
            return r.dataRefused().code() >= 500 ? EX_UNAVAILABLE : EX_TEMPFAIL;
        }
        if (!r.finals().isEmpty() && !r.finals().get(0).positive()) {
            err.println("baton sendmail: the server refused the message: " + r.finals().get(0));
            return r.finals().get(0).code() >= 500 ? EX_UNAVAILABLE : EX_TEMPFAIL;
        }
        if (refusedTransiently > 0) {
            return EX_TEMPFAIL;
        }
        return refusedPermanently > 0 ? EX_NOUSER : EX_OK;
    }

    /** Host and port of the running server's first virtual server, or null when none runs. */
    private String[] target(BatonConfig config) {
        ControlSocket.StatusAnswer a = ControlSocket.askStatus(data.dataDir.resolve(config.queue().directory()));
        if (a.status() == null) {
            return null;
        }
        JsonNode first = a.status().path("listeners").path(0);
        String address = first.path("address").asText("127.0.0.1");
        if (address.equals("0.0.0.0") || address.equals("::") || address.equals("0:0:0:0:0:0:0:0")) {
            address = "127.0.0.1";
        }
        return new String[] {address, Integer.toString(first.path("port").asInt(2525))};
    }

    private static final class TooBig extends IOException {
        private static final long serialVersionUID = 1L;

        TooBig() {
            super("the message is larger than " + (MAX_MESSAGE >> 20) + " MiB");
        }
    }

    static byte[] readInput(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
            if (out.size() > MAX_MESSAGE) {
                throw new TooBig();
            }
        }
        return out.toByteArray();
    }

    /** The message as lines (without their line ends), split in header and body. */
    static final class Message {
        final List<String> header = new ArrayList<>();
        final List<String> body = new ArrayList<>();
        private boolean eightBit;

        static Message parse(byte[] raw, boolean ignoreDots) {
            Message m = new Message();
            String text = new String(raw, StandardCharsets.UTF_8);
            for (byte b : raw) {
                if (b < 0) {
                    m.eightBit = true;
                    break;
                }
            }
            String[] lines = text.split("\n", -1);
            int count = lines.length;
            if (count > 0 && lines[count - 1].isEmpty()) {
                count--; // the text ended with a line end
            }
            boolean inHeader = true;
            for (int i = 0; i < count; i++) {
                String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
                if (!ignoreDots && line.equals(".")) {
                    break;
                }
                if (inHeader && line.isEmpty()) {
                    inHeader = false;
                    continue;
                }
                if (inHeader && !line.startsWith(" ") && !line.startsWith("\t") && line.indexOf(':') <= 0) {
                    inHeader = false; // no header section: this is the body
                }
                (inHeader ? m.header : m.body).add(line);
            }
            return m;
        }

        boolean eightBit() {
            return eightBit;
        }

        /** The unfolded value of each field with this name. */
        List<String> values(String name) {
            List<String> out = new ArrayList<>();
            StringBuilder current = null;
            for (String line : header) {
                if ((line.startsWith(" ") || line.startsWith("\t")) && current != null) {
                    current.append(' ').append(line.strip());
                    continue;
                }
                if (current != null) {
                    out.add(current.toString());
                    current = null;
                }
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals(name)) {
                    current = new StringBuilder(line.substring(colon + 1).strip());
                }
            }
            if (current != null) {
                out.add(current.toString());
            }
            return out;
        }

        boolean has(String name) {
            return !values(name).isEmpty();
        }

        List<String> headerAddresses(String name) {
            List<String> out = new ArrayList<>();
            for (String v : values(name)) {
                out.addAll(addresses(v));
            }
            return out;
        }

        /** Removes every field with this name, continuation lines included. */
        void remove(String name) {
            List<String> kept = new ArrayList<>();
            boolean dropping = false;
            for (String line : header) {
                if (line.startsWith(" ") || line.startsWith("\t")) {
                    if (!dropping) {
                        kept.add(line);
                    }
                    continue;
                }
                int colon = line.indexOf(':');
                dropping = colon > 0 && line.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals(name);
                if (!dropping) {
                    kept.add(line);
                }
            }
            header.clear();
            header.addAll(kept);
        }

        void addFirst(String field) {
            header.add(0, field);
        }

        /** CRLF line ends throughout, as SMTP carries them. */
        byte[] bytes() {
            StringBuilder b = new StringBuilder();
            for (String h : header) {
                b.append(h).append("\r\n");
            }
            b.append("\r\n");
            for (String l : body) {
                b.append(l).append("\r\n");
            }
            return b.toString().getBytes(StandardCharsets.UTF_8);
        }

        /**
         * The addresses of an RFC 5322 address list: "Name" <a@b>, c@d (comment), group: e@f;
         * commas inside quotes, angle brackets and comments do not separate.
         */
        static List<String> addresses(String list) {
            List<String> out = new ArrayList<>();
            StringBuilder part = new StringBuilder();
            boolean quoted = false;
            int angle = 0;
            int comment = 0;
            for (int i = 0; i <= list.length(); i++) {
                char c = i == list.length() ? ',' : list.charAt(i);
                if (quoted) {
                    if (c == '"') {
                        quoted = false;
                    }
                    part.append(c);
                    continue;
                }
                switch (c) {
                    case '"' -> quoted = true;
                    case '(' -> comment++;
                    case ')' -> comment = Math.max(0, comment - 1);
                    case '<' -> angle++;
                    case '>' -> angle = Math.max(0, angle - 1);
                    default -> { }
                }
                if ((c == ',' || c == ';') && angle == 0 && comment == 0) {
                    String address = address(part.toString());
                    if (address != null) {
                        out.add(address);
                    }
                    part.setLength(0);
                } else if (c == ':' && angle == 0 && comment == 0) {
                    part.setLength(0); // a group's display name
                } else {
                    part.append(c);
                }
            }
            return out;
        }

        private static String address(String part) {
            int lt = part.lastIndexOf('<');
            int gt = part.lastIndexOf('>');
            String a;
            if (lt >= 0 && gt > lt) {
                a = part.substring(lt + 1, gt);
            } else {
                a = part.replaceAll("\\([^)]*\\)", "");
            }
            a = a.strip();
            return a.isEmpty() ? null : a;
        }
    }
}
