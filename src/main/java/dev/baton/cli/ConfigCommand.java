package dev.baton.cli;

import dev.baton.config.BatonConfig;
import dev.baton.node.ConfigurationCheck;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code baton config}: the configuration, checked without starting a server. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Checks the configuration without starting a server, and shows it with every default filled in.",
        subcommands = {ConfigCommand.Check.class, ConfigCommand.Show.class})
final class ConfigCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = {"Prints the effective configuration as baton.yml: every setting with its value, defaults filled in",
                "(as postconf). With --defaults, what an empty baton.yml means. The output reads back as the same configuration."},
            footer = {"%nExamples:", "  baton config show --data-dir /var/lib/baton", "  baton config show --defaults"})
    static final class Show implements Callable<Integer> {
        @Mixin
        DataDirOptions data;

        @picocli.CommandLine.Option(names = "--defaults", description = "The defaults, not this data directory's configuration")
        boolean defaults;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            BatonConfig config;
            if (defaults) {
                try {
                    config = dev.baton.config.ConfigLoader.parse("", "defaults");
                } catch (dev.baton.config.ConfigException e) {
                    throw new IllegalStateException("the defaults are a valid configuration", e);
                }
            } else {
                config = data.load(false);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.print(dev.baton.config.ConfigWriter.yaml(config));
            out.flush();
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Reads baton.yml and everything it names, as 'baton serve' would, without starting: the settings,",
                "the organization's directory (consistent, and listing this server as baton.yml describes it), and each",
                "virtual server's TLS certificate and key. One line per check."},
            footer = {"%nExample: baton config check --data-dir /var/lib/baton",
                "%nExit status: 0 when every check passes, 1 when one fails, 2 when baton.yml itself is refused."})
    static final class Check implements Callable<Integer> {
        @Mixin
        DataDirOptions data;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            BatonConfig config = data.load(false);
            PrintWriter out = spec.commandLine().getOut();
            out.println("ok: " + data.configFile() + " (" + config.virtualServers().size() + " virtual server(s), "
                    + config.routes().size() + " route(s))");
            List<ConfigurationCheck.Finding> findings = ConfigurationCheck.run(config, data.dataDir);
            boolean good = true;
            for (ConfigurationCheck.Finding f : findings) {
                out.println((f.ok() ? "ok: " : "FAILED: ") + f.what() + ": " + f.detail());
                good &= f.ok();
            }
            out.flush();
            return good ? 0 : 1;
        }
    }
}
