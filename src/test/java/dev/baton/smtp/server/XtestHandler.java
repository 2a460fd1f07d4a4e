package dev.baton.smtp.server;

import dev.baton.smtp.Command;
import dev.baton.smtp.Reply;
import java.io.IOException;
import java.util.List;
import java.util.Queue;

/**
 * A verb for tests only, the shape of a SASL exchange: XTEST, then 334 with a challenge, then
 * one line from the client, then 250. It changes the read deadline first, as a handler that
 * has just read data would, so the continuation must set the command deadline itself.
 */
final class XtestHandler implements CommandHandler {

    static final String CHALLENGE = "VGVsbCBtZSBhIHNlY3JldA==";

    private final Queue<String> received;

    /** @param received where each continuation line the handler read goes */
    XtestHandler(Queue<String> received) {
        this.received = received;
    }

    @Override
    public List<String> verbs() {
        return List.of("XTEST");
    }

    @Override
    public void handle(Command c, Session s) throws IOException {
        s.channel().readTimeout(s.limits().dataBlockTimeout());
        String line = s.continuation(c, Reply.SASL_CHALLENGE.with(CHALLENGE));
        if (line == null) {
            return;
        }
        received.add(line);
        s.reply(Reply.OK.response());
    }
}
