package dev.baton.smtp.server;

import dev.baton.auth.AuthContext;
import dev.baton.auth.AuthFailure;
import dev.baton.auth.Exchange;
import dev.baton.auth.ServerMechanism;
import dev.baton.auth.Step;
import dev.baton.config.VirtualServerSettings.FailureLimits;
import dev.baton.mail.Principal;
import dev.baton.smtp.Command;
import dev.baton.smtp.Reply;
import dev.baton.smtp.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;

/**
 * The SASL dialogue of RFC 4954 4, as AUTH runs it and X-EXPS will: the initial response
 * ({@code =} for an empty one), 334 challenges in base64, {@code *} to cancel (501), base64
 * errors (501 5.5.2), the mechanism's {@link Exchange} driven to its end, a server's final data
 * sent as one more 334 answered by an empty line, and every failure counted against the session
 * and the client's address (ADR 0019): the n-th failure of a session waits n times the delay
 * before its reply, the last one allowed closes the session, and an address over its limit is
 * refused before any exchange. What differs between the verbs (the replies a failure gets, who
 * the proven identity is, which event records a failure) is the {@link Verb}'s.
 */
final class SaslDialogue {

    /** A mechanism that needs more rounds than this is not one Baton knows: the exchange is ended. */
    static final int MAX_ROUNDS = 10;

    /** What one verb (AUTH, X-EXPS) makes of the dialogue. */
    interface Verb {

        /** The reply to a failure of this kind. */
        Response refusal(AuthFailure.Kind kind);

        /** Who the proven identity is for this verb, or the failure that refuses it. */
        Identified identify(Step.Success success, ServerMechanism mechanism);

        /** Reports a failed attempt (AUTH: event 4401; X-EXPS: 1704, 1706). */
        void failed(Session s, ServerMechanism mechanism, AuthFailure failure);
    }

    /** The principal a success becomes, or the failure it is after all (an identity not allowed here). */
    record Identified(Principal principal, AuthFailure failure) {
        static Identified as(Principal p) {
            return new Identified(p, null);
        }

        static Identified refused(AuthFailure f) {
            return new Identified(null, f);
        }
    }

    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private SaslDialogue() {
    }

    /**
     * The argument of AUTH or X-EXPS: a mechanism name (upper-cased) and the initial response as
     * sent, null when there is none.
     */
    record Request(String mechanism, String initial) {

        /** The request, or null when the argument is not {@code mechanism [initial-response]}. */
        static Request parse(String argument) {
            int sp = argument.indexOf(' ');
            String name = (sp < 0 ? argument : argument.substring(0, sp)).toUpperCase(Locale.ROOT);
            String initial = sp < 0 ? null : argument.substring(sp + 1);
            if (name.isEmpty() || initial != null && (initial.isEmpty() || initial.indexOf(' ') >= 0)) {
                return null;
            }
            return new Request(name, initial);
        }
    }

    /** The context a mechanism sees in this session. */
    static AuthContext context(Session s) {
        Connection conn = s.connection();
        return new AuthContext(conn.client(), s.settings().fqdn(), conn.tlsActive(), conn.channelBinding());
    }

    /**
     * Runs one attempt; every reply is sent here. Returns the principal the session now is (it has
     * been made so and 235 sent), or null when the attempt ended otherwise.
     *
     * @param initial the initial response as sent (base64, or "="), or null when there was none
     */
    static Principal run(Session s, Command c, ServerMechanism m, String initial, Verb verb) throws IOException {
        AuthThrottle throttle = s.context().authThrottle();
        Connection conn = s.connection();
        if (throttle.blockedUntil(conn.client()) != 0) {
            s.refuse(Reply.AUTH_CLIENT_BLOCKED.response(), c);
            return null;
        }
        byte[] response = null;
        if (initial != null) {
            response = decode(initial);
            if (response == null) {
                fail(s, c, m, verb, AuthFailure.of(AuthFailure.Kind.MALFORMED, "the initial response is not base64"),
                        Reply.AUTH_BAD_BASE64.response());
                return null;
            }
        }
        try (Exchange ex = m.start(context(s))) {
            for (int round = 0; round < MAX_ROUNDS; round++) {
                Step step = ex.evaluate(response);
                switch (step) {
                    case Step.Challenge ch -> {
                        String line = s.continuation(c, Reply.SASL_CHALLENGE.with(B64.encodeToString(ch.data())));
                        if (line == null) {
                            return null; // too long: answered 500 5.5.6 already
                        }
                        if (line.equals("*")) {
                            s.refuse(Reply.AUTH_CANCELLED.response(), c);
                            return null;
                        }
                        response = decode(line);
                        if (response == null) {
                            fail(s, c, m, verb, AuthFailure.of(AuthFailure.Kind.MALFORMED, "a response that is not base64"),
                                    Reply.AUTH_BAD_BASE64.response());
                            return null;
                        }
                    }
                    case Step.Failure f -> {
                        fail(s, c, m, verb, f.failure(), null);
                        return null;
                    }
                    case Step.Success ok -> {
                        return succeeded(s, c, m, verb, ok);
                    }
                }
            }
            fail(s, c, m, verb, AuthFailure.of(AuthFailure.Kind.MALFORMED, "more than " + MAX_ROUNDS + " rounds"), null);
            return null;
        }
    }

    private static Principal succeeded(Session s, Command c, ServerMechanism m, Verb verb, Step.Success ok) throws IOException {
        if (ok.finalData() != null) {
            // RFC 4954 4: additional data with success goes in a 334; the client answers with an empty line
            String line = s.continuation(c, Reply.SASL_CHALLENGE.with(B64.encodeToString(ok.finalData())));
            if (line == null) {
                return null;
            }
            if (line.equals("*")) {
                s.refuse(Reply.AUTH_CANCELLED.response(), c);
                return null;
            }
            if (!line.isEmpty() && !line.equals("=")) {
                fail(s, c, m, verb, AuthFailure.of(AuthFailure.Kind.MALFORMED, "a response to the server's final data that is not empty"),
                        null);
                return null;
            }
        }
        Identified who = verb.identify(ok, m);
        if (who.failure() != null) {
            fail(s, c, m, verb, who.failure(), null);
            return null;
        }
        s.authenticated(who.principal());
        if (s.logging()) {
            s.log("*", "authenticated as " + who.principal().name() + " by " + m.name());
        }
        s.reply(Reply.AUTH_OK.response());
        return who.principal();
    }

    /**
     * One failed attempt: reported, counted for the session and the address, answered after the
     * growing delay; the session ends when it has had its last allowed failure.
     *
     * @param reply the reply to send, or null for the verb's reply to the failure's kind
     */
    private static void fail(Session s, Command c, ServerMechanism m, Verb verb, AuthFailure f, Response reply) throws IOException {
        Connection conn = s.connection();
        FailureLimits limits = s.settings().authentication().failures();
        verb.failed(s, m, f);
        int n = conn.countAuthFailure();
        long blockedUntil = s.context().authThrottle().failed(conn.client());
        if (blockedUntil != 0) {
            s.context().events().clientBlocked(s.settings(), conn.number(), conn.client(), limits.perClient(), limits.window(),
                    Instant.ofEpochMilli(blockedUntil));
        }
        pause(limits.delay().multipliedBy(n), limits.maxDelay());
        s.refuse(reply != null ? reply : verb.refusal(f.kind()), c);
        if (n >= limits.perSession() && !s.ending()) {
            s.reply(Reply.TOO_MANY_AUTH_FAILURES.with(s.settings().fqdn()));
            s.end();
        }
    }

    private static void pause(Duration d, Duration max) {
        Duration wait = d.compareTo(max) > 0 ? max : d;
        if (wait.isZero() || wait.isNegative()) {
            return;
        }
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The octets of a response line: "=" is empty (RFC 4954 4); null when it is not base64. */
    static byte[] decode(String line) {
        if (line.equals("=")) {
            return new byte[0];
        }
        if (line.isEmpty()) {
            return new byte[0];
        }
        try {
            return B64D.decode(line.getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
