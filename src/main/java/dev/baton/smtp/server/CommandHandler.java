package dev.baton.smtp.server;

import dev.baton.smtp.Command;
import dev.baton.smtp.Response;
import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * The handling of one verb or one family of verbs, registered in a {@link CommandTable}.
 * <p>
 * For each command the session runs, in this order: {@link #precheck} (what must be refused
 * before the sequence is looked at), the sequence rule ({@link #phases}, else
 * {@link #outOfSequence}), then {@link #handle}. The order of the checks a client can observe
 * differs from verb to verb (DATA with an argument is 501 before it is 503; STARTTLS says
 * "TLS already active" before "send EHLO first"), so each handler places its own checks on
 * either side of the gate instead of a rule for all. A handler that must consume input before it
 * may refuse (BDAT reads its chunk, or the chunk would be taken for commands) says
 * {@link #checksOwnSequence()} and asks {@link Session#sequenceRefusal} itself.
 * <p>
 * Handlers are stateless and shared by every session of the table; state lives in the
 * session's {@link Connection} and {@link Transaction}.
 */
interface CommandHandler {

    /** The verbs this handler implements, upper case, in the order HELP lists them. */
    List<String> verbs();

    /** False for verbs Baton knows but does not implement: HELP does not list them. */
    default boolean listedInHelp() {
        return true;
    }

    /** The phases in which the verbs may run. */
    default Set<Phase> phases() {
        return Phase.ALL;
    }

    /** The reply to one of the verbs in a phase not in {@link #phases()}. */
    default Response outOfSequence(Phase phase) {
        throw new IllegalStateException(getClass().getSimpleName() + " is allowed in every phase, not refused in " + phase);
    }

    /** The reply refusing the command before its sequence is considered (syntax, say), or null to go on. */
    default Response precheck(Command c, Session s) {
        return null;
    }

    /** True when {@link #handle} applies the sequence rule itself, after consuming what must be consumed. */
    default boolean checksOwnSequence() {
        return false;
    }

    /** Adds the EHLO keywords this handler contributes in this session (with parameters, e.g. SIZE). */
    default void extensions(Session s, EhloKeywords ehlo) {
    }

    /** Runs the command; every reply goes through the session ({@link Session#reply}, {@link Session#refuse}). */
    void handle(Command c, Session s) throws IOException;
}
