package dev.baton.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code baton} command. */
@Command(name = "baton", mixinStandardHelpOptions = true, versionProvider = Baton.Version.class,
        description = "Baton: the SMTP transport for an organization's mail servers.",
        subcommands = {DemoCommand.class, ServeCommand.class, SendCommand.class, QueueCommand.class, EventsCommand.class, OrgCommand.class, ConfigCommand.class,
                StatusCommand.class, ReloadCommand.class, SendmailCommand.class,
                CommandLine.HelpCommand.class})
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

    /** Version from the jar manifest, the commit and its date from git.properties (written by the build). */
    static final class Version implements CommandLine.IVersionProvider {

        /** " (commit abc1234 of 2026-12-02T13:57:59Z, with uncommitted changes)", or "" when the build did not know. */
        static String build() {
            java.util.Properties p = new java.util.Properties();
            try (java.io.InputStream in = Baton.class.getResourceAsStream("/git.properties")) {
                if (in == null) {
                    return "";
                }
                p.load(in);
            } catch (java.io.IOException e) {
                return "";
            }
            String id = p.getProperty("git.commit.id.abbrev");
            if (id == null || id.isBlank()) {
                return "";
            }
            return " (commit " + id + " of " + p.getProperty("git.commit.time", "?")
                    + ("true".equals(p.getProperty("git.dirty")) ? ", with uncommitted changes" : "") + ")";
        }

        @Override
        public String[] getVersion() {
            String v = Baton.class.getPackage().getImplementationVersion();
            return new String[] {"baton " + (v == null ? "(development build)" : v) + build(),
                    "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
