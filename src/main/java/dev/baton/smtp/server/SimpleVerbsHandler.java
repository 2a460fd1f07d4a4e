package dev.baton.smtp.server;

import dev.baton.smtp.Command;
import dev.baton.smtp.Extension;
import dev.baton.smtp.Reply;
import java.io.IOException;
import java.util.List;

/** RSET, NOOP, QUIT, VRFY and HELP (RFC 5321 4.1.1.5 to 4.1.1.10): allowed at any time. */
final class SimpleVerbsHandler implements CommandHandler {

    private static final List<String> VERBS = List.of("RSET", "NOOP", "QUIT", "VRFY", "HELP");

    @Override
    public List<String> verbs() {
        return VERBS;
    }

    @Override
    public void extensions(Session s, EhloKeywords ehlo) {
        ehlo.offer(Extension.HELP);
    }

    @Override
    public void handle(Command c, Session s) throws IOException {
        switch (c.verb()) {
            case "RSET" -> {
                if (c.hasArgument()) {
                    s.refuse(Reply.TAKES_NO_ARGUMENT.with("RSET"), c);
                    return;
                }
                s.resetTransaction();
                s.reply(Reply.RESET_OK.response());
            }
            case "NOOP" -> s.reply(Reply.NOOP_OK.response());
            case "QUIT" -> {
                s.reply(Reply.CLOSING.with(s.settings().fqdn()));
                s.flush();
                s.end();
            }
            case "VRFY" -> {
                if (!c.hasArgument()) {
                    s.refuse(Reply.VRFY_NEEDS_ARGUMENT.response(), c);
                    return;
                }
                // no user enumeration
                s.reply(Reply.CANNOT_VRFY.response());
            }
            case "HELP" -> s.reply(Reply.HELP.with(s.commands().helpList()));
            default -> throw new IllegalArgumentException("not a verb of this handler: " + c.verb());
        }
    }
}
