package dev.baton.smtp.server;

import dev.baton.auth.AuthFailure;
import dev.baton.auth.ServerMechanism;
import dev.baton.auth.Step;
import dev.baton.mail.Principal;
import dev.baton.smtp.Command;
import dev.baton.smtp.Extension;
import dev.baton.smtp.Reply;
import dev.baton.smtp.Response;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * X-EXPS (SYSTEM.md 2): a server of the organization authenticates with an integrated mechanism
 * (GSSAPI), on the same {@link SaslDialogue} as AUTH. The proven Kerberos principal must be an
 * organization server's ({@link SessionPolicy#organizationServer}); the session is then that
 * {@link Principal.Server}, and the server's groups and rights apply. Offered only where the
 * virtual server switches integrated authentication on, and, where STARTTLS is offered, only
 * inside TLS (so the authentication that follows STARTTLS is the one that counts, ADR 0021).
 */
final class XExpsHandler implements CommandHandler {

    private static final List<String> VERBS = List.of("X-EXPS");
    private static final Set<Phase> PHASES = Phase.only(Phase.GREETED);

    /** X-EXPS on the dialogue: its replies (535 5.7.3, 504 5.7.4, 454 4.7.0), its identity, events 1704/1706. */
    private static SaslDialogue.Verb in(Session s) {
        return new SaslDialogue.Verb() {
            @Override
            public Response refusal(AuthFailure.Kind kind) {
                return switch (kind) {
                    case INVALID_CREDENTIALS, NOT_AN_ORGANIZATION_SERVER, TOO_WEAK -> Reply.XEXPS_UNSUCCESSFUL.response();
                    case MALFORMED -> Reply.AUTH_MALFORMED.with("the mechanism");
                    case UNSUPPORTED -> Reply.XEXPS_UNKNOWN_MECHANISM.response();
                    case TEMPORARY -> Reply.AUTH_TEMPORARY_FAILURE.response();
                };
            }

            @Override
            public SaslDialogue.Identified identify(Step.Success success, ServerMechanism mechanism) {
                String principal = success.identity();
                String server = s.context().policy().organizationServer(principal);
                if (server == null) {
                    return SaslDialogue.Identified.refused(AuthFailure.of(AuthFailure.Kind.NOT_AN_ORGANIZATION_SERVER,
                            "the Kerberos principal " + principal + " is not a server of the organization (the directory"
                                    + " names no server with it; a user authenticates with AUTH)"));
                }
                return SaslDialogue.Identified.as(new Principal.Server(principal, mechanism.name()));
            }

            @Override
            public void failed(Session session, ServerMechanism mechanism, AuthFailure failure) {
                Connection conn = session.connection();
                session.context().events().serverAuthenticationFailed(session.settings(), conn.number(), conn.client(),
                        mechanism.name(), failure);
            }
        };
    }

    @Override
    public List<String> verbs() {
        return VERBS;
    }

    @Override
    public Set<Phase> phases() {
        return PHASES;
    }

    @Override
    public boolean listedInHelp() {
        return false;
    }

    @Override
    public Response outOfSequence(Phase phase) {
        return phase == Phase.CONNECTED ? Reply.EHLO_FIRST.response() : Reply.AUTH_IN_TRANSACTION.response();
    }

    @Override
    public Response precheck(Command c, Session s) {
        if (s.connection().principal().isAuthenticated()) {
            return Reply.AUTH_ALREADY_DONE.response();
        }
        if (!s.settings().authentication().integrated()) {
            return Reply.NOT_IMPLEMENTED.response();
        }
        return null;
    }

    @Override
    public void extensions(Session s, EhloKeywords ehlo) {
        if (!s.settings().authentication().integrated() || !tlsDone(s)) {
            return;
        }
        StringBuilder names = new StringBuilder();
        for (ServerMechanism m : integrated(s)) {
            names.append(names.isEmpty() ? "" : " ").append(m.name());
        }
        if (!names.isEmpty()) {
            ehlo.offer(Extension.X_EXPS, names.toString());
        }
    }

    @Override
    public void handle(Command c, Session s) throws IOException {
        if (!s.connection().esmtp()) {
            s.refuse(Reply.EHLO_FIRST.response(), c);
            return;
        }
        SaslDialogue.Request request = SaslDialogue.Request.parse(c.argument());
        if (request == null) {
            s.refuse(Reply.XEXPS_SYNTAX.response(), c);
            return;
        }
        String name = request.mechanism();
        ServerMechanism m = integrated(s).stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
        if (m == null) {
            s.refuse(Reply.XEXPS_UNKNOWN_MECHANISM.response(), c);
            return;
        }
        if (!tlsDone(s)) {
            s.refuse(Reply.AUTH_NEEDS_TLS.response(), c);
            return;
        }
        SaslDialogue.run(s, c, m, request.initial(), in(s));
    }

    /** Where STARTTLS is offered, X-EXPS waits for it: the authentication after STARTTLS is the one that counts. */
    private static boolean tlsDone(Session s) {
        return s.connection().tlsActive() || !s.context().tlsOffered();
    }

    /** The integrated mechanisms (GSSAPI) that can run in this session. */
    private static List<ServerMechanism> integrated(Session s) {
        return s.context().mechanisms().stream()
                .filter(m -> m.family() == ServerMechanism.Family.INTEGRATED && m.available(SaslDialogue.context(s)))
                .toList();
    }
}
