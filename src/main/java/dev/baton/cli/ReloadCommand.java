package dev.baton.cli;

import dev.baton.admin.ControlSocket;
import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigException;
import dev.baton.config.ConfigLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code baton reload}: the running server reads its baton.yml again (as SIGHUP). */
@Command(name = "reload", mixinStandardHelpOptions = true,
        description = {"Tells the server running on the data directory to read its baton.yml again and put it in force:",
            "accepted domains, routes, virtual servers (added, removed, changed: relay networks, limits, TLS certificates).",
            "It is checked as 'baton config check' checks; a bad file, or a change that needs a restart, changes nothing",
            "and is reported here and in the event log. Sessions under way finish under the settings they started with."},
        footer = {"%nExample: baton reload --data-dir /var/lib/baton (what systemctl reload baton runs)",
            "%nExit status: 0 when the new configuration is in force, 1 when the server refused it (nothing changed),",
            "3 when no server runs on the data directory, 2 for a usage error."})
final class ReloadCommand implements Callable<Integer> {

    @Mixin
    DataDirOptions data;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ControlSocket.ReloadAnswer a = ControlSocket.askReload(spoolRoot());
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (a.unavailable() != null) {
            err.println("baton reload: not reloaded: " + a.unavailable());
            err.flush();
            return 3;
        }
        if (a.refused() != null) {
            err.println("baton reload: refused, nothing changed (the server runs on as before): " + a.refused());
            err.flush();
            return 1;
        }
        out.println("reloaded:");
        for (String c : a.changes()) {
            out.println("  " + c);
        }
        out.flush();
        return 0;
    }

    /**
     * The running server's spool. A baton.yml the server will refuse still names it; one that
     * cannot be read at all leaves the default (queue.directory cannot change while running
     * anyway), so the server itself says what is wrong with the file.
     */
    private Path spoolRoot() {
        BatonConfig config;
        try {
            config = ConfigLoader.load(data.configFile());
        } catch (ConfigException e) {
            try {
                config = ConfigLoader.parse("", "defaults");
            } catch (ConfigException impossible) {
                throw new IllegalStateException("the defaults are a valid configuration", impossible);
            }
        }
        return data.dataDir.resolve(config.queue().directory());
    }
}
