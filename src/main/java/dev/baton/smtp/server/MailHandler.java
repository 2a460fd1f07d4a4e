package dev.baton.smtp.server;

import dev.baton.config.VirtualServerSettings.TlsMode;
import dev.baton.mail.MailAddress;
import dev.baton.smtp.Command;
import dev.baton.smtp.Extension;
import dev.baton.smtp.MailParameters;
import dev.baton.smtp.ParameterException;
import dev.baton.smtp.PathArgument;
import dev.baton.smtp.Reply;
import dev.baton.smtp.Response;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * MAIL FROM (RFC 5321 4.1.1.2) with SIZE, BODY, SMTPUTF8, RET, ENVID and AUTH (RFC 4954 5): opens a transaction.
 * Checks in order: HELO first (the gate), STARTTLS first when TLS is required (530), AUTH first
 * where anonymous clients may not send (530 5.7.0 Authentication required, event 1709), no open
 * transaction (the gate; a transaction exists only after a MAIL that passed the TLS rule, so
 * 530 is never due there), the path, the parameters, SMTPUTF8 for a non-ASCII sender, the policy.
 */
final class MailHandler implements CommandHandler {

    private static final List<String> VERBS = List.of("MAIL");
    private static final Set<Phase> PHASES = Phase.only(Phase.GREETED);

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
        return phase == Phase.CONNECTED ? Reply.HELO_FIRST.response() : Reply.MAIL_ALREADY_GIVEN.response();
    }

    @Override
    public void extensions(Session s, EhloKeywords ehlo) {
        ehlo.offer(Extension.SIZE, Long.toString(s.limits().maxMessageSize()));
        ehlo.offer(Extension.EIGHT_BIT_MIME);
        ehlo.offer(Extension.SMTPUTF8);
        ehlo.offer(Extension.DSN);
    }

    @Override
    public void handle(Command c, Session s) throws IOException {
        if (s.settings().tls().mode() == TlsMode.REQUIRED && !s.connection().tlsActive()) {
            s.refuse(Reply.MUST_STARTTLS.response(), c);
            return;
        }
        if (!s.settings().authentication().anonymous() && !s.connection().principal().isAuthenticated()) {
            s.refuse(Reply.AUTH_REQUIRED.response(), c);
            s.context().events().authenticationRequired(s.settings(), s.connection().number(), s.connection().client());
            return;
        }
        PathArgument pa;
        try {
            pa = PathArgument.parse(c.argument(), "FROM:");
        } catch (MailAddress.AddressException e) {
            s.refuse(Reply.BAD_SENDER_SYNTAX.with(e.getMessage()), c);
            return;
        } catch (ParameterException e) {
            s.refuse(e.reply(), c);
            return;
        }
        MailParameters params;
        try {
            params = MailParameters.parse(pa.parameters(), s.connection().esmtp(), s.limits().maxMessageSize());
        } catch (ParameterException e) {
            s.refuse(e.reply(), c);
            return;
        }
        if (!params.smtputf8() && !pa.address().isAscii()) {
            s.refuse(Reply.UTF8_NEEDS_SMTPUTF8.response(), c);
            return;
        }
        Optional<Response> refusal = s.context().policy().checkSender(pa.address(), params, s.info());
        if (refusal.isPresent()) {
            s.refuse(refusal.get(), c);
            return;
        }
        s.startTransaction(pa.address(), params);
        s.reply(Reply.SENDER_OK.with(pa.address()));
    }
}
