package dev.baton.smtp.server;

import dev.baton.config.VirtualServerSettings;
import dev.baton.config.VirtualServerSettings.Limits;
import dev.baton.mail.MailAddress;
import dev.baton.mail.Principal;
import dev.baton.smtp.Command;
import dev.baton.smtp.MailParameters;
import dev.baton.smtp.Reply;
import dev.baton.smtp.Response;
import dev.baton.smtp.SmtpChannel;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One inbound SMTP connection, run on its own virtual thread: plain sequential code. The loop
 * reads a command, looks its verb up in the {@link CommandTable}, applies the handler's
 * precheck and sequence rule, and runs the handler; what each verb does is in its handler.
 * Connection-scoped state lives in {@link Connection}, transaction-scoped state in
 * {@link Transaction}; the package-private methods below are what handlers may do with a session.
 */
public final class Session implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    /** At the end, how long the last replies may take to leave, and how long input is drained after them. */
    private static final Duration CLOSE_FLUSH = Duration.ofSeconds(30);
    private static final Duration CLOSE_DRAIN = Duration.ofSeconds(2);

    private final ServerContext ctx;
    private final VirtualServerSettings vs;
    private final Limits limits;
    private final SmtpChannel ch;
    private final CommandTable commands;
    private final ProtocolLog log;
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
        this.commands = ctx.commands();
        this.log = ctx.log();
        this.conn = new Connection(connection, ch.socket().getInetAddress());
        this.onClose = onClose;
        ch.writeTimeout(limits.writeTimeout());
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

    @Override
    public void run() {
        try {
            if (log.enabled()) {
                log("*", "connect from " + conn.clientAddress());
            }
            if (vs.tls().mode() == VirtualServerSettings.TlsMode.IMPLICIT) {
                // RFC 8314 3.3: TLS from the first octet; the greeting is the first thing inside it
                StartTlsHandler.handshake(this);
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
                    // the whole line by the deadline: an octet at a time does not keep a session alive
                    line = ch.readCommandLine(saslLineLength(), System.nanoTime() + limits.commandTimeout().toNanos());
                } catch (SmtpChannel.LineTooLongException e) {
                    waitingForCommand = false;
                    if (log.enabled()) {
                        log("<", "(line longer than " + e.limit() + " octets)");
                    }
                    refuse(Reply.LINE_TOO_LONG.with(limits.commandLineLength()), null);
                    continue;
                } catch (SmtpChannel.InvalidUtf8Exception e) {
                    waitingForCommand = false;
                    notUtf8(Command.parse(e.lossy()));
                    continue;
                }
                waitingForCommand = false;
                if (line.length() + 2 > limits.commandLineLength() && !saslVerb(line)
                        && line.getBytes(StandardCharsets.UTF_8).length + 2 > limits.commandLineLength()) {
                    if (log.enabled()) {
                        log("<", "(line longer than " + limits.commandLineLength() + " octets)");
                    }
                    refuse(Reply.LINE_TOO_LONG.with(limits.commandLineLength()), null);
                    continue;
                }
                Command c = Command.parse(line);
                if (log.enabled()) {
                    log("<", c.loggable());
                }
                dispatch(c);
            }
        } catch (SocketTimeoutException e) {
            sendQuietly(Reply.TIMEOUT.with(vs.fqdn()));
            log("*", "timeout");
        } catch (EOFException e) {
            log("*", "connection closed by client");
        } catch (SSLException e) {
            // after "220 Ready to start TLS" nothing in plaintext may follow: just close
            if (log.enabled()) {
                log("*", "TLS failure: " + e.getMessage());
            }
            LOG.debug("connection #{} from {}: TLS failure: {}", conn.number(), conn.clientAddress(), e.getMessage());
            ch.close();
        } catch (IOException e) {
            if (log.enabled()) {
                log("*", "I/O error: " + e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.error("connection #{} from {}: internal error", conn.number(), conn.clientAddress(), e);
            sendQuietly(Reply.LOCAL_ERROR.response());
        } finally {
            resetTransaction();
            // every reply decided on reaches a client that reads, the 250 of a committed message first
            ch.closeGracefully(CLOSE_FLUSH, CLOSE_DRAIN);
            log("*", "disconnect");
            onClose.run();
        }
    }

    /**
     * A command line that is not valid UTF-8 is refused whole, never acted on with its bad
     * octets replaced: two different byte strings would become one address. MAIL and RCPT get
     * 553 5.6.7 (RFC 6531 3.6), anything else 501 5.5.2.
     */
    private void notUtf8(Command lossy) throws IOException {
        if (log.enabled()) {
            log("<", lossy.loggable() + " (not valid UTF-8)");
        }
        String verb = lossy.verb();
        boolean address = verb.equals("MAIL") || verb.equals("RCPT");
        refuse(address ? Reply.ADDRESS_NOT_UTF8.response() : Reply.COMMAND_NOT_UTF8.response(), lossy);
    }

    /** Looks the verb up; then the handler's precheck, the sequence rule unless it keeps its own, the handler. */
    private void dispatch(Command c) throws IOException {
        CommandHandler h = commands.handler(c.verb());
        if (h == null) {
            refuse(Reply.UNKNOWN_COMMAND.with(Reply.printable(c.verb())), c);
            return;
        }
        Response early = h.precheck(c, this);
        if (early != null) {
            refuse(early, c);
            return;
        }
        if (!h.checksOwnSequence()) {
            Response outOfSequence = sequenceRefusal(h);
            if (outOfSequence != null) {
                refuse(outOfSequence, c);
                return;
            }
        }
        h.handle(c, this);
    }

    // ---- what handlers see

    ServerContext context() {
        return ctx;
    }

    VirtualServerSettings settings() {
        return vs;
    }

    Limits limits() {
        return limits;
    }

    SmtpChannel channel() {
        return ch;
    }

    CommandTable commands() {
        return commands;
    }

    Connection connection() {
        return conn;
    }

    /** The open transaction, or null. */
    Transaction transaction() {
        return tx;
    }

    SessionInfo info() {
        return conn.info();
    }

    Phase phase() {
        if (tx != null) {
            return tx.chunking ? Phase.CHUNKING : Phase.TRANSACTION;
        }
        return conn.heloName() == null ? Phase.CONNECTED : Phase.GREETED;
    }

    /** The reply refusing a verb of the handler in the session's phase, or null when it may run. */
    Response sequenceRefusal(CommandHandler h) {
        Phase p = phase();
        return h.phases().contains(p) ? null : h.outOfSequence(p);
    }

    /** MAIL was accepted: a new transaction. */
    void startTransaction(MailAddress sender, MailParameters parameters) {
        tx = new Transaction(sender, parameters);
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
    void tlsStarted(String description, byte[] channelBinding) {
        resetTransaction();
        conn.tlsStarted(description, channelBinding);
    }

    /**
     * The client proved who it is: no transaction (RFC 4954 4 allows no AUTH inside one), and
     * the principal is known to policies, the envelope and the Received header (AUTH, X-EXPS).
     */
    void authenticated(Principal who) {
        resetTransaction();
        conn.authenticated(who);
    }

    /**
     * One turn of a multi-line exchange (the SASL dialogues of AUTH and X-EXPS): sends the
     * continuation reply (334), flushes it, and reads the client's one line under the command
     * deadline and the limit of RFC 4954 4 on a SASL response line (12288 octets, or the
     * command-line limit when that is larger). The protocol log records only that a line of N octets
     * arrived, never what it says: it carries credentials.
     *
     * @param c the command the exchange belongs to
     * @return the line without its line ending, or null when it was too long: it has then been
     *         consumed, answered 500 5.5.6 and counted as an error, and the handler ends the exchange
     */
    String continuation(Command c, Response prompt) throws IOException {
        // RFC 4954 4: a response to a challenge may be up to 12288 octets (a Kerberos AP-REQ is well over 512)
        reply(prompt);
        flush();
        ch.readTimeout(limits.commandTimeout());
        String line;
        try {
            int max = c.verb().equals("AUTH") || c.verb().equals("X-EXPS") ? saslLineLength() : limits.commandLineLength();
            line = ch.readCommandLine(max, System.nanoTime() + limits.commandTimeout().toNanos());
        } catch (SmtpChannel.LineTooLongException e) {
            if (log.enabled()) {
                log("<", "(continuation line longer than " + e.limit() + " octets)");
            }
            refuse(Reply.LINE_TOO_LONG.with(e.limit()), c);
            return null;
        } catch (SmtpChannel.InvalidUtf8Exception e) {
            if (log.enabled()) {
                log("<", "(continuation line not valid UTF-8)");
            }
            refuse(Reply.COMMAND_NOT_UTF8.response(), c);
            return null;
        }
        if (log.enabled()) {
            log("<", "(continuation line of " + line.getBytes(StandardCharsets.UTF_8).length + " octets)");
        }
        return line;
    }

    /**
     * RFC 4954 4: AUTH lines (the command with its initial response, and each response) may be
     * 12288 octets, a Kerberos ticket needs more than 512; X-EXPS carries the same tokens.
     */
    static final int SASL_LINE_LENGTH = 12288;

    private int saslLineLength() {
        return Math.max(limits.commandLineLength(), SASL_LINE_LENGTH);
    }

    private static boolean saslVerb(String line) {
        return line.regionMatches(true, 0, "AUTH ", 0, 5) || line.regionMatches(true, 0, "X-EXPS ", 0, 7);
    }

    /** The session ends once this command's replies are flushed. */
    void end() {
        quit = true;
    }

    /** Whether the session ends after this command (QUIT, or the error limit was reached). */
    boolean ending() {
        return quit;
    }

    /** Sends a reply (buffered until {@link #flush()}). */
    void reply(Response r) throws IOException {
        if (log.enabled()) {
            log(">", r.oneLine(conn.esmtp()));
        }
        ch.write(r.bytes(conn.esmtp()));
    }

    /**
     * Sends an error reply, reports it, counts it, and ends the session when there were too
     * many; c is the refused command, null when there is none (an over-long line, the end of data).
     */
    void refuse(Response r, Command c) throws IOException {
        reply(r);
        ctx.events().commandRefused(vs, conn.number(), conn.client(), c, r, conn.esmtp());
        if (conn.countError() >= limits.maxErrors()) {
            reply(Reply.TOO_MANY_ERRORS.with(vs.fqdn()));
            quit = true; // the replies go out when the session closes, however much input is pending
        }
    }

    /**
     * Sends and reports a refusal that is not the client's fault (the spool failed): it does not
     * count toward the error limit, so a full disk does not end honest sessions.
     */
    void refuseNotCounted(Response r, Command c) throws IOException {
        reply(r);
        ctx.events().commandRefused(vs, conn.number(), conn.client(), c, r, conn.esmtp());
    }

    /** RFC 2920: replies are sent when the client's pipelined commands have all been read. */
    void flush() throws IOException {
        if (ch.buffered() == 0) {
            ch.flush();
        }
    }

    /** Whether the protocol log is on: build its text only then. */
    boolean logging() {
        return log.enabled();
    }

    /** Records a protocol-log line stamped by the server's clock. */
    void log(String direction, String text) {
        if (log.enabled()) {
            log.record(ctx.clock().instant(), conn.number(), direction, text);
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
