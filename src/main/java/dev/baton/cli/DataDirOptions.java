package dev.baton.cli;

import dev.baton.node.Problems;
import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigException;
import dev.baton.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** --config and --data-dir, shared by the commands that work on a server's data. */
final class DataDirOptions {

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory (spool, mailboxes, TLS key). Default: ${DEFAULT-VALUE}",
            defaultValue = "baton-data")
    Path dataDir;

    @Option(names = "--config", paramLabel = "FILE", description = "Configuration file. Default: DIR/baton.yml")
    Path config;

    Path configFile() {
        return config != null ? config : dataDir.resolve("baton.yml");
    }

    /** Loads the configuration; when absent and create is true, writes the default first. */
    BatonConfig load(boolean create) {
        Path file = configFile();
        if (!Files.exists(file)) {
            if (config != null) {
                throw new UserError("config file " + file + " does not exist (leave out --config to create a default one in " + dataDir + ")");
            }
            if (!create) {
                throw new UserError("no Baton data in " + dataDir.toAbsolutePath() + " (no baton.yml there); "
                        + "give --data-dir of a server, or start one with 'baton serve'");
            }
            DefaultConfig.write(file);
        }
        try {
            return ConfigLoader.load(file);
        } catch (ConfigException e) {
            throw new UserError(Problems.describe(e));
        }
    }
}
