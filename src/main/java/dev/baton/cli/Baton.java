package dev.baton.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code baton} command. */
@Command(name = "baton", mixinStandardHelpOptions = true, versionProvider = Baton.Version.class,
        description = "Baton: the SMTP transport for an organization's mail servers.",
        subcommands = {ServeCommand.class, SendCommand.class, QueueCommand.class, EventsCommand.class, OrgCommand.class, CommandLine.HelpCommand.class})
public final class Baton implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Baton());
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            if (ex instanceof UserError u) {
                line.getErr().println("baton: " + u.getMessage());
                return 2;
            }
            if (ex instanceof java.io.IOException io) {
                line.getErr().println("baton: " + dev.baton.node.Problems.describe(io));
                return 1;
            }
            line.getErr().println("baton: internal error: " + ex);
            ex.printStackTrace(line.getErr());
            return 70;
        });
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Baton.class.getPackage().getImplementationVersion();
            return new String[] {"baton " + (v == null ? "(development build)" : v),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
