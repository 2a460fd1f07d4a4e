package dev.baton.smtp.server;

import dev.baton.smtp.Command;
import dev.baton.smtp.Extension;
import dev.baton.smtp.Reply;
import dev.baton.smtp.Response;
import dev.baton.smtp.SmtpChannel;
import dev.baton.tls.ChannelBinding;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * STARTTLS (RFC 3207). Checks in order: no argument, TLS not already active, TLS available
 * (before the gate: they hold whatever the phase), then EHLO first (the gate). After the
 * handshake the connection forgets what it learned in plaintext.
 */
final class StartTlsHandler implements CommandHandler {

    private static final List<String> VERBS = List.of("STARTTLS");
    private static final Set<Phase> PHASES = Phase.only(Phase.GREETED, Phase.TRANSACTION, Phase.CHUNKING);

    @Override
    public List<String> verbs() {
        return VERBS;
    }

    @Override
    public Set<Phase> phases() {
        return PHASES;
    }

    @Override
    public Response outOfSequence(Phase phase) {
        return Reply.EHLO_FIRST.response();
    }

    @Override
    public Response precheck(Command c, Session s) {
        if (c.hasArgument()) {
            return Reply.TAKES_NO_ARGUMENT.with("STARTTLS");
        }
        if (s.connection().tlsActive()) {
            return Reply.TLS_ALREADY_ACTIVE.response();
        }
        if (!s.context().tlsOffered()) {
            return Reply.NOT_IMPLEMENTED.response();
        }
        return null;
    }

    @Override
    public void extensions(Session s, EhloKeywords ehlo) {
        if (s.context().tlsOffered() && !s.connection().tlsActive()) {
            ehlo.offer(Extension.STARTTLS);
        }
    }

    @Override
    public void handle(Command c, Session s) throws IOException {
        SmtpChannel ch = s.channel();
        // CVE-2011-0411: nothing the client pipelined behind STARTTLS may run inside TLS
        int dropped = ch.discardBuffered();
        if (dropped > 0 && s.logging()) {
            s.log("*", "discarded " + dropped + " octets sent after STARTTLS before the TLS handshake");
        }
        s.reply(Reply.STARTTLS_READY.response());
        s.flush();
        handshake(s);
    }

    /**
     * The server's side of the TLS handshake on the session's socket, under the handshake
     * deadline; then the session is told (STARTTLS after its 220, and implicit TLS before the
     * greeting). A handshake that fails throws {@link SSLException}: nothing may follow in plaintext.
     */
    static void handshake(Session s) throws IOException {
        SSLSession tls;
        try {
            tls = s.channel().startTls(s.context().tls(), false, null, 0, s.limits().tlsHandshakeTimeout()).getSession();
        } catch (SSLException e) {
            throw e;
        } catch (IOException e) {
            // a handshake that timed out or broke: after 220 nothing may follow in plaintext
            throw new SSLException("TLS handshake failed: " + e.getMessage(), e);
        }
        String description = tls.getProtocol() + " with cipher " + tls.getCipherSuite();
        if (s.logging()) {
            s.log("*", "TLS established: " + description);
        }
        // tls-exporter (RFC 9266) for SCRAM-SHA-256-PLUS: TLS 1.3 on a JDK that exports, else none
        s.tlsStarted(description, ChannelBinding.tlsExporter(tls));
    }
}
