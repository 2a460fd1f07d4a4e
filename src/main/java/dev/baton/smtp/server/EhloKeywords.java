package dev.baton.smtp.server;

import dev.baton.smtp.Extension;
import java.util.ArrayList;
import java.util.List;

/**
 * The EHLO keywords the handlers of a table contribute in one session, collected in any order
 * and listed in the order of {@link Extension}.
 */
final class EhloKeywords {

    private static final Extension[] EXTENSIONS = Extension.values();

    private final String[] parameters = new String[EXTENSIONS.length];

    /** Offers a keyword without parameters. */
    void offer(Extension e) {
        parameters[e.ordinal()] = "";
    }

    /** Offers a keyword with its parameters, e.g. SIZE and the largest message taken. */
    void offer(Extension e, String params) {
        parameters[e.ordinal()] = params;
    }

    /** The lines of the EHLO reply: the greeting line, then one per keyword offered. */
    List<String> lines(String first) {
        List<String> lines = new ArrayList<>(EXTENSIONS.length + 1);
        lines.add(first);
        for (int i = 0; i < EXTENSIONS.length; i++) {
            if (parameters[i] != null) {
                lines.add(EXTENSIONS[i].line(parameters[i]));
            }
        }
        return lines;
    }
}
