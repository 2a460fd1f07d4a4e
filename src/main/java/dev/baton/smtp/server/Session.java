package dev.baton.smtp.server;

import dev.baton.config.VirtualServerSettings;
import dev.baton.mail.MailAddress;
import dev.baton.mail.Principal;
import dev.baton.config.VirtualServerSettings.Limits;
import dev.baton.config.VirtualServerSettings.TlsMode;
import dev.baton.queue.Envelope;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import dev.baton.queue.Spool;
import dev.baton.queue.SpoolException;
import dev.baton.smtp.Command;
import dev.baton.smtp.DataReader;

import dev.baton.smtp.MailParameters;
import dev.baton.smtp.ParameterException;
import dev.baton.smtp.PathArgument;
import dev.baton.smtp.RcptParameters;
import dev.baton.smtp.Reply;
import dev.baton.smtp.Response;
import dev.baton.smtp.SmtpChannel;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One inbound SMTP connection, run on its own virtual thread: plain sequential code, one
 * method per verb. Connection-scoped state (HELO, TLS, identity, error count) lives here;
 * transaction-scoped state in {@link Transaction}.
 */
public final class Session implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    private static final java.time.format.DateTimeFormatter RFC5322_DATE =
            java.time.format.DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss xx", Locale.ROOT);

    private final ServerContext ctx;
    private final VirtualServerSettings vs;
    private final Limits limits;
    private final SmtpChannel ch;
    private final Connection conn;
    private final Runnable onClose;

    private Transaction tx;
    private boolean quit;
    private volatile boolean waitingForCommand;

    Session(ServerContext ctx, SmtpChannel ch, long connection, Runnable onClose) {
        this.ctx = ctx;
        this.vs = ctx.settings();
        this.limits = vs.limits();
        this.ch = ch;
        this.conn = new Connection(connection, ch.socket().getInetAddress());
        this.onClose = onClose;
        ch.writeTimeout(limits.writeTimeout());
    }

    long number() {
        return conn.number();
    }

    /** Closes the socket from outside (shutdown); the session thread leaves through its error path. */
    void abortConnection() {
        ch.close();
    }

    /**
     * At shutdown, a session waiting for a command is told so (RFC 5321 3.8) and closed. Its
     * own thread is blocked reading and has flushed everything, so this write does not mix
     * with one of its replies.
     */
    void closeIfIdle() {
        if (waitingForCommand && ch.buffered() == 0) {
            sendQuietly(Reply.SHUTTING_DOWN.with(vs.fqdn()));
            ch.close();
        }
    }

    SessionInfo info() {
        return conn.info();
    }

    @Override
    public void run() {
        try {
            if (ctx.log().enabled()) {
                log("*", "connect from " + conn.clientAddress());
            }
            reply(Reply.GREETING.with(vs.fqdn()));
            while (!quit) {
                ch.readTimeout(limits.commandTimeout());
                String line;
                try {
                    flush();
                    waitingForCommand = true;
                    if (ctx.stopping()) {
                        reply(Reply.SHUTTING_DOWN.with(vs.fqdn()));
                        break;
                    }
                    line = ch.readLine(limits.commandLineLength());
                } catch (SmtpChannel.LineTooLongException e) {
                    waitingForCommand = false;
                    log("<", "(line longer than " + e.limit() + " octets)");
                    error(Reply.LINE_TOO_LONG.with(e.limit()), null);
                    continue;
                }
                waitingForCommand = false;
                Command c = Command.parse(line);
                if (ctx.log().enabled()) {
                    log("<", c.loggable());
                }
                dispatch(c);
            }
            flush();
        } catch (SocketTimeoutException e) {
            sendQuietly(Reply.TIMEOUT.with(vs.fqdn()));
            log("*", "timeout");
        } catch (EOFException e) {
            log("*", "connection closed by client");
        } catch (SSLException e) {
            log("*", "TLS failure: " + e.getMessage());
            LOG.debug("connection #{} from {}: TLS failure: {}", conn.number(), conn.clientAddress(), e.getMessage());
        } catch (IOException e) {
            log("*", "I/O error: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("connection #{} from {}: internal error", conn.number(), conn.clientAddress(), e);
            sendQuietly(Reply.LOCAL_ERROR.response());
        } finally {
            if (tx != null) {
                tx.abort();
            }
            ch.close();
            log("*", "disconnect");
            onClose.run();
        }
    }

    private void dispatch(Command c) throws IOException {
        switch (c.verb()) {
            case "EHLO" -> helo(c, true);
            case "HELO" -> helo(c, false);
            case "MAIL" -> mail(c);
            case "RCPT" -> rcpt(c);
            case "DATA" -> data(c);
            case "BDAT" -> bdat(c);
            case "RSET" -> rset(c);
            case "NOOP" -> reply(Reply.NOOP_OK.response());
            case "QUIT" -> quit(c);
            case "VRFY" -> vrfy(c);
            case "HELP" -> reply(Reply.HELP.with("EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS"));
            case "STARTTLS" -> starttls(c);
            case "EXPN", "TURN", "ETRN", "AUTH", "ATRN" -> error(Reply.NOT_IMPLEMENTED.response(), c);
            default -> error(Reply.UNKNOWN_COMMAND.with(Reply.printable(c.verb())), c);
        }
    }

    // ---- connection verbs

    private void helo(Command c, boolean extended) throws IOException {
        if (!c.hasArgument() || c.argument().contains(" ") && !extended) {
            error(Reply.HELO_NEEDS_DOMAIN.with(extended ? "EHLO" : "HELO"), c);
            return;
        }
        String name = c.argument().split(" ")[0];
        if (!validHeloName(name)) {
            error(Reply.HELO_BAD_DOMAIN.with(Reply.printable(name)), c);
            return;
        }
        greeted(name, extended);
        String first = Reply.HELO_OK.with(vs.fqdn(), name, conn.clientAddress()).lines().get(0);
        if (!extended) {
            reply(new Response(Reply.HELO_OK, 250, null, List.of(first)));
            return;
        }
        List<String> lines = new ArrayList<>();
        lines.add(first);
        lines.add("PIPELINING");
        lines.add("SIZE " + limits.maxMessageSize());
        lines.add("8BITMIME");
        lines.add("ENHANCEDSTATUSCODES");
        if (ctx.tls() != null && !conn.tlsActive() && vs.tls().mode() != TlsMode.OFF) {
            lines.add("STARTTLS");
        }
        lines.add("CHUNKING");
        lines.add("BINARYMIME");
        lines.add("SMTPUTF8");
        lines.add("DSN");
        lines.add("HELP");
        reply(new Response(Reply.HELO_OK, 250, null, lines));
    }

    private static boolean validHeloName(String name) {
        if (name.startsWith("[") && name.endsWith("]")) {
            // RFC 5321 4.1.3 dcontent: printable ASCII but [ \ ]; the name goes into the
            // Received header, where a bare CR or a control character must never appear
            for (int i = 1; i < name.length() - 1; i++) {
                char ch = name.charAt(i);
                if (ch < 33 || ch > 126 || ch == '[' || ch == ']' || ch == '\\') {
                    return false;
                }
            }
            return name.length() > 2;
        }
        if (name.length() > 255) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (!(Character.isLetterOrDigit(ch) || ch == '-' || ch == '.' || ch == '_' || ch > 127)) {
                return false;
            }
        }
        return true;
    }

    private void starttls(Command c) throws IOException {
        if (c.hasArgument()) {
            error(Reply.TAKES_NO_ARGUMENT.with("STARTTLS"), c);
            return;
        }
        if (conn.tlsActive()) {
            error(Reply.TLS_ALREADY_ACTIVE.response(), c);
            return;
        }
        if (ctx.tls() == null || vs.tls().mode() == TlsMode.OFF) {
            error(Reply.NOT_IMPLEMENTED.response(), c);
            return;
        }
        if (conn.heloName() == null) {
            error(Reply.EHLO_FIRST.response(), c);
            return;
        }
        // CVE-2011-0411: nothing the client pipelined behind STARTTLS may run inside TLS
        int dropped = ch.discardBuffered();
        if (dropped > 0) {
            log("*", "discarded " + dropped + " octets sent after STARTTLS before the TLS handshake");
        }
        reply(Reply.STARTTLS_READY.response());
        flush();
        SSLSocket tls = ch.startTls(ctx.tls(), false, null, 0);
        SSLSession s = tls.getSession();
        String description = s.getProtocol() + " with cipher " + s.getCipherSuite();
        log("*", "TLS established: " + description);
        tlsStarted(description);
    }

    private void rset(Command c) throws IOException {
        if (c.hasArgument()) {
            error(Reply.TAKES_NO_ARGUMENT.with("RSET"), c);
            return;
        }
        resetTransaction();
        reply(Reply.RESET_OK.response());
    }

    private void vrfy(Command c) throws IOException {
        if (!c.hasArgument()) {
            error(Reply.VRFY_NEEDS_ARGUMENT.response(), c);
            return;
        }
        reply(Reply.CANNOT_VRFY.response());
    }

    private void quit(Command c) throws IOException {
        reply(Reply.CLOSING.with(vs.fqdn()));
        flush();
        quit = true;
    }

    // ---- transaction verbs

    private void mail(Command c) throws IOException {
        if (conn.heloName() == null) {
            error(Reply.HELO_FIRST.response(), c);
            return;
        }
        if (vs.tls().mode() == TlsMode.REQUIRED && !conn.tlsActive()) {
            error(Reply.MUST_STARTTLS.response(), c);
            return;
        }
        if (tx != null) {
            error(Reply.MAIL_ALREADY_GIVEN.response(), c);
            return;
        }
        PathArgument pa;
        try {
            pa = PathArgument.parse(c.argument(), "FROM:");
        } catch (MailAddress.AddressException e) {
            error(Reply.BAD_SENDER_SYNTAX.with(e.getMessage()), c);
            return;
        }
        MailParameters params;
        try {
            params = MailParameters.parse(pa.parameters(), conn.esmtp(), limits.maxMessageSize());
        } catch (ParameterException e) {
            error(e.reply(), c);
            return;
        }
        if (!params.smtputf8() && !pa.address().isAscii()) {
            error(Reply.UTF8_NEEDS_SMTPUTF8.response(), c);
            return;
        }
        Optional<Response> refusal = ctx.policy().checkSender(pa.address(), params, info());
        if (refusal.isPresent()) {
            error(refusal.get(), c);
            return;
        }
        tx = new Transaction(pa.address(), params);
        reply(Reply.SENDER_OK.with(pa.address()));
    }

    private void rcpt(Command c) throws IOException {
        if (tx == null) {
            error(Reply.MAIL_FIRST.response(), c);
            return;
        }
        if (tx.chunking) {
            error(Reply.RCPT_DURING_BDAT.response(), c);
            return;
        }
        PathArgument pa;
        try {
            pa = PathArgument.parse(c.argument(), "TO:");
        } catch (MailAddress.AddressException e) {
            error(Reply.BAD_ADDRESS_SYNTAX.with(e.getMessage()), c);
            return;
        }
        if (pa.address().isNull()) {
            error(Reply.NULL_RECIPIENT.response(), c);
            return;
        }
        if (!tx.parameters.smtputf8() && !pa.address().isAscii()) {
            error(Reply.UTF8_NEEDS_SMTPUTF8.response(), c);
            return;
        }
        RcptParameters params;
        try {
            params = RcptParameters.parse(pa.parameters(), conn.esmtp());
        } catch (ParameterException e) {
            error(e.reply(), c);
            return;
        }
        if (tx.recipients.size() >= limits.maxRecipients()) {
            error(Reply.TOO_MANY_RECIPIENTS.response(), c);
            return;
        }
        Optional<Response> refusal = ctx.policy().checkRecipient(pa.address(), info());
        if (refusal.isPresent()) {
            error(refusal.get(), c);
            return;
        }
        tx.accept(pa.address(), params);
        reply(Reply.RECIPIENT_OK.with(pa.address()));
    }

    private void data(Command c) throws IOException {
        if (c.hasArgument()) {
            error(Reply.TAKES_NO_ARGUMENT.with("DATA"), c);
            return;
        }
        if (tx == null) {
            error(Reply.MAIL_FIRST.response(), c);
            return;
        }
        if (tx.chunking) {
            error(Reply.DATA_AFTER_BDAT.response(), c);
            return;
        }
        if (tx.parameters.body().equals("BINARYMIME")) {
            error(Reply.BINARYMIME_NEEDS_BDAT.response(), c);
            return;
        }
        if (tx.recipients.isEmpty()) {
            error(Reply.NO_VALID_RECIPIENTS.response(), c);
            return;
        }
        Spool.Receipt receipt = null;
        try {
            Envelope e = envelope();
            tx.envelope = e;
            receipt = ctx.spool().begin(e);
            receipt.content().write(receivedHeader(receipt.id(), e.arrival()));
        } catch (IOException e) {
            storageFailure(e, receipt == null ? null : receipt.id());
            if (receipt != null) {
                receipt.abort();
            }
            reply(Reply.STORAGE_FAILED.response());
            resetTransaction();
            return;
        }
        reply(Reply.START_DATA.response());
        flush();
        ch.readTimeout(limits.dataBlockTimeout());
        DataReader reader = new DataReader(receipt.content(), vs.bareLineEndings(), limits.maxMessageSize(),
                limits.textLineLength(), true);
        try {
            reader.readDotTerminated(ch);
        } catch (IOException e) {
            receipt.abort();
            throw e;
        }
        finishMessage(receipt, reader);
    }

    private void bdat(Command c) throws IOException {
        String[] a = c.argument().split(" +");
        if (!c.hasArgument() || a.length > 2 || !a[0].matches("\\d{1,18}") || a.length == 2 && !a[1].equalsIgnoreCase("LAST")) {
            // the chunk size is unknown, so its data cannot be skipped: the connection is unusable
            error(Reply.BDAT_SYNTAX.response(), c);
            quit = true;
            return;
        }
        long size = Long.parseLong(a[0]);
        boolean last = a.length == 2;
        ch.readTimeout(limits.dataBlockTimeout());
        if (tx == null || tx.recipients.isEmpty() || tx.failed) {
            ch.readExactly(size, null);
            ch.readTimeout(limits.commandTimeout());
            if (tx != null && tx.failed) {
                error(Reply.EARLIER_BDAT_FAILED.response(), c);
                if (last) {
                    resetTransaction();
                }
            } else {
                error(tx == null ? Reply.MAIL_FIRST.response() : Reply.NO_VALID_RECIPIENTS.response(), c);
            }
            return;
        }
        if (!tx.chunking) {
            tx.chunking = true;
            try {
                Envelope e = envelope();
                tx.envelope = e;
                tx.receipt = ctx.spool().begin(e);
                tx.receipt.content().write(receivedHeader(tx.receipt.id(), e.arrival()));
                tx.chunks = new DataReader(tx.receipt.content(), vs.bareLineEndings(), limits.maxMessageSize(), 0,
                        !tx.parameters.body().equals("BINARYMIME"));
            } catch (IOException e) {
                storageFailure(e, null);
                tx.abort();
                tx.failed = true;
                ch.readExactly(size, null);
                error(Reply.STORAGE_FAILED.response(), c);
                if (last) {
                    resetTransaction();
                }
                return;
            }
        }
        DataReader reader = tx.chunks;
        reader.readChunk(ch, size);
        reader.drainPending();
        if (reader.storageFailure() != null) {
            ch.readTimeout(limits.commandTimeout());
            storageFailure(reader.storageFailure(), tx.receipt.id());
            tx.abort();
            tx.failed = true;
            error(Reply.STORAGE_FAILED.response(), c);
            if (last) {
                resetTransaction();
            }
            return;
        }
        ch.readTimeout(limits.commandTimeout());
        if (reader.tooBig()) {
            tx.abort();
            tx.failed = true;
            error(Reply.MESSAGE_TOO_BIG.with(limits.maxMessageSize()), c);
            if (last) {
                resetTransaction();
            }
            return;
        }
        if (!last) {
            reply(Reply.CHUNK_OK.with(size));
            return;
        }
        reader.finish();
        Spool.Receipt receipt = tx.receipt;
        tx.receipt = null;
        finishMessage(receipt, reader);
    }

    /** The end of data, for DATA and BDAT LAST alike: refuse, or commit and say 250. */
    private void finishMessage(Spool.Receipt receipt, DataReader reader) throws IOException {
        ch.readTimeout(limits.commandTimeout());
        Response refusal = reader.refusal();
        if (refusal != null) {
            receipt.abort();
            resetTransaction();
            error(refusal, null);
            return;
        }
        if (reader.storageFailure() != null) {
            storageFailure(reader.storageFailure(), receipt.id());
            receipt.abort();
            resetTransaction();
            error(Reply.STORAGE_FAILED.response(), null);
            return;
        }
        Optional<Response> policyRefusal = ctx.policy().checkMessage(tx.envelope, info());
        if (policyRefusal.isPresent()) {
            receipt.abort();
            resetTransaction();
            error(policyRefusal.get(), null);
            return;
        }
        try {
            QueuedMessage m = receipt.commit();
            if (ctx.log().enabled()) {
                log("*", "queued " + m.id() + " (" + m.contentSize() + " octets, "
                        + m.envelope().recipients().size() + " recipient(s))");
            }
            resetTransaction();
            reply(Reply.QUEUED.with(m.id()));
        } catch (SpoolException e) {
            storageFailure(e, receipt.id());
            resetTransaction();
            error(Reply.STORAGE_FAILED.response(), null);
        }
    }

    private void storageFailure(IOException e, String id) {
        LOG.error("connection #{}: message {} not accepted, the spool failed: {}", conn.number(), id == null ? "(new)" : id, e.getMessage());
        log("*", "spool failure: " + e.getMessage());
    }

    private Envelope envelope() {
        Recipient[] recipients = new Recipient[tx.recipients.size()];
        for (int i = 0; i < recipients.length; i++) {
            Transaction.AcceptedRecipient r = tx.recipients.get(i);
            recipients[i] = new Recipient(r.address().toString(), r.parameters().notifyOn(), r.parameters().orcpt(), r.properties());
        }
        MailParameters p = tx.parameters;
        return new Envelope(tx.sender.toString(), List.of(recipients), p.body(), p.smtputf8(), p.ret(), p.envid(), p.declaredSize(),
                conn.heloName(), conn.clientAddress(), protocolName(), conn.tlsDescription(), conn.principal().name(), vs.fqdn(),
                ctx.clock().instant(), tx.properties);
    }

    /** RFC 3848 / RFC 6531 protocol names for the Received "with" clause. */
    private String protocolName() {
        if (!conn.esmtp()) {
            return "SMTP";
        }
        return (tx.parameters.smtputf8() ? "UTF8SMTP" : "ESMTP") + (conn.tlsActive() ? "S" : "") + (conn.principal().isAuthenticated() ? "A" : "");
    }

    private byte[] receivedHeader(String id, Instant arrival) {
        String when = RFC5322_DATE.format(java.time.ZonedDateTime.ofInstant(arrival, java.time.ZoneOffset.UTC));
        StringBuilder h = new StringBuilder(256);
        h.append("Received: from ").append(conn.heloName()).append(" ([").append(conn.clientAddress()).append("])\r\n");
        h.append("\tby ").append(vs.fqdn()).append(" (Baton) with ").append(protocolName()).append(" id ").append(id);
        if (conn.tlsDescription() != null) {
            h.append("\r\n\t(using ").append(conn.tlsDescription()).append(')');
        }
        if (tx.recipients.size() == 1) {
            h.append("\r\n\tfor <").append(tx.recipients.get(0).address()).append('>');
        }
        h.append("; ").append(when).append("\r\n");
        return h.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The one way a transaction ends without a commit: its spool file, if any, is dropped. */
    void resetTransaction() {
        if (tx != null) {
            tx.abort();
            tx = null;
        }
    }

    /** HELO or EHLO: a new name, and no transaction. */
    void greeted(String name, boolean extended) {
        resetTransaction();
        conn.greeted(name, extended);
    }

    /** STARTTLS succeeded: no transaction, and the connection forgets what it learned in plaintext. */
    void tlsStarted(String description) {
        resetTransaction();
        conn.tlsStarted(description);
    }

    /**
     * The client proved who it is: no transaction (RFC 4954 4 allows no AUTH inside one), and
     * the principal is known to policies, the envelope and the Received header. For the AUTH
     * and X-EXPS handlers of the next issue.
     */
    void authenticated(Principal who) {
        resetTransaction();
        conn.authenticated(who);
    }

    // ---- replies

    private void reply(Response r) throws IOException {
        if (ctx.log().enabled()) {
            log(">", r.oneLine(conn.esmtp()));
        }
        ch.write(r.bytes(conn.esmtp()));
    }

    /** Sends an error reply, counts it, and ends the session when there were too many. */
    private void error(Response r, Command c) throws IOException {
        reply(r);
        ctx.events().commandRefused(ctx.settings(), conn.number(), conn.client(), c, r);
        if (conn.countError() >= limits.maxErrors()) {
            reply(Reply.TOO_MANY_ERRORS.with(vs.fqdn()));
            flush();
            quit = true;
        }
    }

    /** RFC 2920: replies are sent when the client's pipelined commands have all been read. */
    private void flush() throws IOException {
        if (ch.buffered() == 0) {
            ch.flush();
        }
    }

    /** Records a protocol-log line stamped by the server's clock; callers build costly text only when {@code ctx.log().enabled()}. */
    private void log(String direction, String text) {
        if (ctx.log().enabled()) {
            ctx.log().record(ctx.clock().instant(), conn.number(), direction, text);
        }
    }

    private void sendQuietly(Response r) {
        try {
            ch.write(r.bytes(conn.esmtp()));
            ch.flush();
        } catch (IOException ignored) {
            // the peer is gone already
        }
    }

}
