package dev.baton.smtp.server;

import dev.baton.smtp.Command;
import dev.baton.smtp.Reply;
import java.io.IOException;
import java.util.List;

/**
 * Verbs Baton knows but does not implement: 502, not the 500 of an unknown verb (RFC 5321
 * 4.2.4).
 */
final class UnimplementedVerbsHandler implements CommandHandler {

    private static final List<String> VERBS = List.of("EXPN", "TURN", "ETRN", "ATRN");

    @Override
    public List<String> verbs() {
        return VERBS;
    }

    @Override
    public boolean listedInHelp() {
        return false;
    }

    @Override
    public void handle(Command c, Session s) throws IOException {
        s.refuse(Reply.NOT_IMPLEMENTED.response(), c);
    }
}
