package dev.baton.cli;

import dev.baton.auth.AuthenticationException;
import dev.baton.auth.PlainClientMechanism;
import dev.baton.node.Problems;
import dev.baton.smtp.Extension;
import dev.baton.smtp.MailParameters;
import dev.baton.smtp.RcptParameters;
import dev.baton.smtp.client.SmtpClient;
import dev.baton.smtp.client.SmtpClientException;
import dev.baton.smtp.client.SmtpReply;
import dev.baton.smtp.client.Transaction;
import dev.baton.smtp.client.TransactionResult;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code baton send}: submits one message to an SMTP server. */
@Command(name = "send", mixinStandardHelpOptions = true,
        description = {"Submits a message to an SMTP server; with --user NAME --password-stdin --starttls, as that user.",
                "Without FILE a short test message is sent; '-' reads the message from standard input."})
final class SendCommand implements Callable<Integer> {

    @Option(names = "--server", paramLabel = "HOST:PORT", description = "Server to submit to. Default: ${DEFAULT-VALUE}", defaultValue = "127.0.0.1:2525")
    String server;

    @Option(names = "--from", paramLabel = "ADDRESS", required = true, description = "Envelope sender (MAIL FROM); \"\" for the null sender")
    String from;

    @Option(names = "--to", paramLabel = "ADDRESS", required = true, description = "Recipient (RCPT TO); repeat for more")
    List<String> to;

    @Option(names = "--starttls", description = "Use STARTTLS (the server's certificate is not verified)")
    boolean starttls;

    @Option(names = "--subject", description = "Subject of the generated test message. Default: ${DEFAULT-VALUE}", defaultValue = "Test message from baton send")
    String subject;

    @Option(names = "--helo", description = "Name to greet with. Default: ${DEFAULT-VALUE}", defaultValue = "localhost")
    String helo;

    @Option(names = {"-v", "--verbose"}, description = "Print the SMTP transcript")
    boolean verbose;

    @Option(names = "--user", paramLabel = "NAME", description = "Authenticate as this user (AUTH PLAIN, inside TLS: needs --starttls)")
    String user;

    @Option(names = "--password-stdin", description = "With --user: read the password from standard input (one line)")
    boolean passwordStdin;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "Message file (RFC 5322), or - for standard input")
    String file;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        int colon = server.lastIndexOf(':');
        if (colon <= 0 || !server.substring(colon + 1).matches("\\d{1,5}")) {
            throw new UserError("--server " + server + " is not HOST:PORT (example: 127.0.0.1:2525)");
        }
        String host = server.substring(0, colon).replaceAll("^\\[|\\]$", "");
        char[] password = password();
        int port = Integer.parseInt(server.substring(colon + 1));
        Consumer<String> transcript = verbose ? line -> {
            out.println(line);
            out.flush();
        } : line -> { };
        try (InputStream content = content(); SmtpClient c = SmtpClient.connect(host, port, Duration.ofSeconds(60), transcript)) {
            hello(c);
            if (starttls) {
                if (!c.offers(Extension.STARTTLS)) {
                    throw new UserError("the server at " + server + " does not offer STARTTLS (leave out --starttls)");
                }
                c.startTls(false);
                hello(c);
            }
            if (user != null) {
                authenticate(c, password);
            }
            List<String> refused = new ArrayList<>();
            SmtpReply r = submit(c, content, refused);
            for (String x : refused) {
                out.println("refused: RCPT TO:<" + x);
            }
            c.quit();
            out.println("accepted: " + r);
            return refused.isEmpty() ? 0 : 1;
        } catch (SmtpClientException e) {
            throw new UserError("the server refused " + e.command() + ": " + e.reply());
        } catch (ConnectException e) {
            throw new UserError("cannot connect to " + server + ": " + Problems.describe(e) + " (is 'baton serve' running there?)");
        } catch (UnknownHostException e) {
            throw new UserError("unknown host " + host);
        } catch (NoSuchFileException e) {
            throw new UserError("message file " + file + " does not exist");
        } catch (IOException e) {
            throw new UserError("sending to " + server + " failed: " + Problems.describe(e));
        }
    }

    /** The password of --user, checked before anything is sent: never in clear, never without a user. */
    private char[] password() {
        if (user == null) {
            if (passwordStdin) {
                throw new UserError("--password-stdin is the password of --user NAME: give --user too");
            }
            return null;
        }
        if (!starttls) {
            throw new UserError("--user sends a password, which Baton sends only inside TLS: add --starttls");
        }
        if (!passwordStdin) {
            throw new UserError("--user " + user + " needs its password: give --password-stdin and the password on standard input");
        }
        if ("-".equals(file)) {
            throw new UserError("standard input holds the password (--password-stdin); give the message as a FILE, not '-'");
        }
        try {
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isEmpty()) {
                throw new UserError("no password on standard input (give it as one line)");
            }
            return line.toCharArray();
        } catch (IOException e) {
            throw new UserError("cannot read the password from standard input: " + Problems.describe(e));
        }
    }

    /** AUTH PLAIN (RFC 4616) as --user; a refusal says the server's reply. The transcript never shows the password. */
    private void authenticate(SmtpClient c, char[] password) throws IOException {
        if (!c.mechanismsOffered("AUTH").contains("PLAIN")) {
            throw new UserError("the server at " + server + " offers no AUTH PLAIN here (it offers: "
                    + (c.mechanismsOffered("AUTH").isEmpty() ? "no AUTH" : String.join(" ", c.mechanismsOffered("AUTH"))) + ")");
        }
        PlainClientMechanism plain = new PlainClientMechanism(user, password);
        java.util.Arrays.fill(password, '\0');
        try {
            c.authenticate("AUTH", plain, server);
        } catch (AuthenticationException e) {
            throw new UserError("AUTH PLAIN as " + user + " failed on this side: " + e.getMessage());
        } catch (SmtpClientException e) {
            throw new UserError("the server refused AUTH PLAIN as " + user + ": " + e.reply());
        } finally {
            plain.clear();
        }
    }

    private void hello(SmtpClient c) throws IOException {
        SmtpClient.Hello h = c.hello(helo, false);
        if (!h.accepted()) {
            throw new SmtpClientException(h.verb().label(), h.reply());
        }
    }

    /**
     * One transaction: MAIL (BODY=8BITMIME when offered), a RCPT per recipient, DATA. Refused
     * recipients are listed and do not stop the others; when all are refused, DATA is not sent.
     */
    private SmtpReply submit(SmtpClient c, InputStream content, List<String> refused) throws IOException {
        MailParameters mail = c.offers(Extension.EIGHT_BIT_MIME) ? new MailParameters("8BITMIME", false, null, null, -1)
                : MailParameters.NONE;
        List<Transaction.Rcpt> rcpts = to.stream().map(a -> new Transaction.Rcpt(a, RcptParameters.NONE)).toList();
        TransactionResult r = c.send(new Transaction(from, mail, rcpts, () -> content, -1, false, false, false));
        if (!r.mailAccepted()) {
            throw new SmtpClientException("MAIL FROM:<" + from + ">" + mail.appendTo(new StringBuilder()), r.mail());
        }
        int accepted = 0;
        for (int i = 0; i < r.recipients().size(); i++) {
            if (r.accepted(i)) {
                accepted++;
            } else {
                refused.add(to.get(i) + ">: " + r.recipients().get(i));
            }
        }
        if (accepted == 0) {
            c.command("RSET");
            // each reply as the server sent it; no summary reply of our own making
            throw new UserError("the server refused every recipient, so the message was not sent:"
                    + refused.stream().map(x -> System.lineSeparator() + "  RCPT TO:<" + x).reduce("", String::concat));
        }
        if (r.dataRefused() != null) {
            throw new SmtpClientException("DATA", r.dataRefused());
        }
        SmtpReply fin = r.finals().get(0);
        if (!fin.positive()) {
            throw new SmtpClientException("DATA (end of data)", fin);
        }
        return fin;
    }

    private InputStream content() throws IOException {
        if ("-".equals(file)) {
            return System.in;
        }
        if (file != null) {
            return Files.newInputStream(java.nio.file.Path.of(file));
        }
        String domain = from.contains("@") ? from.substring(from.indexOf('@') + 1) : "localhost";
        String msg = "From: <" + from + ">\r\n"
                + "To: " + String.join(", ", to.stream().map(a -> "<" + a + ">").toList()) + "\r\n"
                + "Subject: " + subject + "\r\n"
                + "Date: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now()) + "\r\n"
                + "Message-ID: <" + UUID.randomUUID() + "@" + domain + ">\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "\r\n"
                + "This is a test message sent with 'baton send'.\r\n";
        return new ByteArrayInputStream(msg.getBytes(StandardCharsets.UTF_8));
    }
}
