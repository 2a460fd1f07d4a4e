package dev.baton.smtp.server;

import dev.baton.auth.AuthContext;
import dev.baton.auth.AuthFailure;
import dev.baton.auth.ServerMechanism;
import dev.baton.auth.Step;
import dev.baton.config.VirtualServerSettings.Authentication;
import dev.baton.mail.Principal;
import dev.baton.smtp.Command;
import dev.baton.smtp.Extension;
import dev.baton.smtp.Reply;
import dev.baton.smtp.Response;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * AUTH (RFC 4954) for users. Checks in order: already authenticated (503), no mechanism on this
 * virtual server at all (502), EHLO first and no transaction (the gate: 503), EHLO rather than
 * HELO (503), the syntax (501), the mechanism (504 when unknown or switched off), TLS for a basic
 * mechanism unless {@code basicWithoutTls} (538); then the {@link SaslDialogue}. A mechanism is
 * offered in EHLO exactly when it would be accepted.
 */
final class AuthHandler implements CommandHandler {

    private static final List<String> VERBS = List.of("AUTH");
    private static final Set<Phase> PHASES = Phase.only(Phase.GREETED);

    /** AUTH's replies to failures (RFC 4954 6). */
    private static final SaslDialogue.Verb USER = new SaslDialogue.Verb() {
        @Override
        public Response refusal(AuthFailure.Kind kind) {
            return switch (kind) {
                case INVALID_CREDENTIALS, NOT_AN_ORGANIZATION_SERVER -> Reply.AUTH_INVALID_CREDENTIALS.response();
                case MALFORMED -> Reply.AUTH_MALFORMED.with("the mechanism");
                case UNSUPPORTED -> Reply.AUTH_UNKNOWN_MECHANISM.response();
                case TEMPORARY -> Reply.AUTH_TEMPORARY_FAILURE.response();
                case TOO_WEAK -> Reply.AUTH_TOO_WEAK.response();
            };
        }

        @Override
        public SaslDialogue.Identified identify(Step.Success success, ServerMechanism mechanism) {
            return SaslDialogue.Identified.as(new Principal.User(success.identity(), mechanism.name()));
        }

        @Override
        public void failed(Session s, ServerMechanism mechanism, AuthFailure failure) {
            Connection conn = s.connection();
            s.context().events().authenticationFailed(s.settings(), conn.number(), conn.client(), mechanism.name(), failure);
        }
    };

    /** AUTH in one session: an integrated mechanism proves a Kerberos principal, which must be a user's. */
    private static SaslDialogue.Verb in(Session s) {
        return new SaslDialogue.Verb() {
            @Override
            public Response refusal(AuthFailure.Kind kind) {
                return USER.refusal(kind);
            }

            @Override
            public SaslDialogue.Identified identify(Step.Success success, ServerMechanism mechanism) {
                if (mechanism.family() != ServerMechanism.Family.INTEGRATED) {
                    return USER.identify(success, mechanism);
                }
                String user = s.context().policy().userOfPrincipal(success.identity());
                if (user == null) {
                    return SaslDialogue.Identified.refused(AuthFailure.of(AuthFailure.Kind.INVALID_CREDENTIALS, "the Kerberos"
                            + " principal " + success.identity() + " is no user of the organization (a user is name@REALM of the"
                            + " organization's realm; a server authenticates with X-EXPS)"));
                }
                return SaslDialogue.Identified.as(new Principal.User(user, mechanism.name()));
            }

            @Override
            public void failed(Session session, ServerMechanism mechanism, AuthFailure failure) {
                USER.failed(session, mechanism, failure);
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
    public Response outOfSequence(Phase phase) {
        return phase == Phase.CONNECTED ? Reply.EHLO_FIRST.response() : Reply.AUTH_IN_TRANSACTION.response();
    }

    @Override
    public Response precheck(Command c, Session s) {
        if (s.connection().principal().isAuthenticated()) {
            return Reply.AUTH_ALREADY_DONE.response();
        }
        if (enabled(s).isEmpty()) {
            return Reply.NOT_IMPLEMENTED.response();
        }
        return null;
    }

    @Override
    public void extensions(Session s, EhloKeywords ehlo) {
        AuthContext ctx = SaslDialogue.context(s);
        StringBuilder names = new StringBuilder();
        for (ServerMechanism m : enabled(s)) {
            if (m.available(ctx) && allowedHere(s, m)) {
                names.append(names.isEmpty() ? "" : " ").append(m.name());
            }
        }
        if (!names.isEmpty()) {
            ehlo.offer(Extension.AUTH, names.toString());
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
            s.refuse(Reply.AUTH_SYNTAX.response(), c);
            return;
        }
        String name = request.mechanism();
        ServerMechanism m = null;
        for (ServerMechanism e : enabled(s)) {
            if (e.name().equals(name) && e.available(SaslDialogue.context(s))) {
                m = e;
            }
        }
        if (m == null) {
            s.refuse(Reply.AUTH_UNKNOWN_MECHANISM.response(), c);
            return;
        }
        if (!allowedHere(s, m)) {
            s.refuse(Reply.AUTH_NEEDS_TLS.response(), c);
            return;
        }
        SaslDialogue.run(s, c, m, request.initial(), in(s));
    }

    /** The mechanisms whose family this virtual server switches on, in registration order. */
    private static List<ServerMechanism> enabled(Session s) {
        Authentication a = s.settings().authentication();
        return s.context().mechanisms().stream()
                .filter(m -> m.family() == ServerMechanism.Family.BASIC ? a.basic() : a.integrated())
                .toList();
    }

    /** Basic mechanisms only inside TLS, unless the configuration says otherwise. */
    private static boolean allowedHere(Session s, ServerMechanism m) {
        boolean basic = m.family() == ServerMechanism.Family.BASIC || m.exposesPassword();
        return !basic || s.connection().tlsActive() || s.settings().authentication().basicWithoutTls();
    }
}
