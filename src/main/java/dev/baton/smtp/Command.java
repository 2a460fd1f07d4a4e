package dev.baton.smtp;

import java.util.Locale;

/** One command line as received: the verb in upper case and the rest of the line. */
public record Command(String verb, String argument, String line) {

    public static Command parse(String line) {
        int sp = line.indexOf(' ');
        String verb = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
        String arg = sp < 0 ? "" : line.substring(sp + 1).strip();
        return new Command(verb, arg, line);
    }

    public boolean hasArgument() {
        return !argument.isEmpty();
    }

    /** The line as it may be logged: AUTH and X-EXPS carry secrets. */
    public String loggable() {
        if (verb.equals("AUTH") || verb.equals("X-EXPS")) {
            int sp = argument.indexOf(' ');
            return verb + " " + (sp < 0 ? argument : argument.substring(0, sp) + " ***");
        }
        return line;
    }
}
