package dev.baton.smtp.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every verb a server knows and its handler, in registration order; the session loop only looks
 * verbs up here. Registration order is HELP's order; the EHLO keywords of all handlers are listed
 * in {@link dev.baton.smtp.Extension} order whatever the registration. A new verb is a new
 * {@link CommandHandler} and one line in {@link #STANDARD}.
 */
final class CommandTable {

    /** The table of every Baton server. */
    static final CommandTable STANDARD = new CommandTable(List.of(
            new EhloHandler(),
            new MailHandler(),
            new RcptHandler(),
            new DataHandler(),
            new BdatHandler(),
            new SimpleVerbsHandler(),
            new StartTlsHandler(),
            new AuthHandler(),
            new XExpsHandler(),
            new UnimplementedVerbsHandler()));

    private final List<CommandHandler> handlers;
    private final CommandHandler[] ordered;
    private final Map<String, CommandHandler> byVerb;
    private final String helpList;

    CommandTable(List<CommandHandler> handlers) {
        this.handlers = List.copyOf(handlers);
        this.ordered = this.handlers.toArray(new CommandHandler[0]);
        Map<String, CommandHandler> map = new HashMap<>();
        StringBuilder help = new StringBuilder();
        for (CommandHandler h : this.handlers) {
            for (String verb : h.verbs()) {
                if (map.putIfAbsent(verb, h) != null) {
                    throw new IllegalArgumentException("verb " + verb + " registered twice");
                }
                if (h.listedInHelp()) {
                    help.append(help.isEmpty() ? "" : " ").append(verb);
                }
            }
        }
        this.byVerb = Map.copyOf(map);
        this.helpList = help.toString();
    }

    /** This table with one more handler, registered last. */
    CommandTable with(CommandHandler handler) {
        List<CommandHandler> more = new ArrayList<>(handlers);
        more.add(handler);
        return new CommandTable(more);
    }

    /** The handler of an upper-case verb, or null when the verb is unknown. */
    CommandHandler handler(String verb) {
        return byVerb.get(verb);
    }

    List<CommandHandler> handlers() {
        return handlers;
    }

    /** The verbs HELP lists, in registration order, separated by spaces. */
    String helpList() {
        return helpList;
    }

    /** Lets every handler add the EHLO keywords it offers in this session. */
    void extensions(Session s, EhloKeywords ehlo) {
        for (CommandHandler h : ordered) {
            h.extensions(s, ehlo);
        }
    }
}
