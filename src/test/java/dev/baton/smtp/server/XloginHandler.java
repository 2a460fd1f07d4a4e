package dev.baton.smtp.server;

import dev.baton.mail.Principal;
import dev.baton.smtp.Command;
import dev.baton.smtp.Reply;
import java.io.IOException;
import java.util.List;

/** A verb for tests only, standing in for a successful AUTH: XLOGIN name makes the session that user. */
final class XloginHandler implements CommandHandler {

    @Override
    public List<String> verbs() {
        return List.of("XLOGIN");
    }

    @Override
    public void handle(Command c, Session s) throws IOException {
        s.authenticated(new Principal.User(c.argument(), "XLOGIN"));
        s.reply(Reply.OK.response());
    }
}
