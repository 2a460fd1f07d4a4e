package dev.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.admin.ControlSocket;
import dev.baton.config.BatonConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code baton status}: whether a server runs on the data directory, and how it is. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Says whether a server runs on the data directory: its listeners, queue, directory and uptime.",
        footer = {"%nExample: baton status --data-dir /var/lib/baton",
            "%nExit status: 0 when a server runs, 3 when none does (as 'systemctl status'), 2 for a usage error."})
final class StatusCommand implements Callable<Integer> {

    @Mixin
    DataDirOptions data;

    @Option(names = "--json", description = "One JSON object")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        BatonConfig config = data.load(false);
        java.nio.file.Path spoolRoot = data.dataDir.resolve(config.queue().directory());
        ControlSocket.StatusAnswer a = ControlSocket.askStatus(spoolRoot);
        PrintWriter out = spec.commandLine().getOut();
        if (a.status() == null) {
            int queued = QueueCommand.spool(data).list().size();
            if (json) {
                out.println(new ObjectMapper().createObjectNode().put("running", false).put("reason", a.unavailable())
                        .put("queuedMessages", queued));
            } else {
                out.println("not running: " + a.unavailable());
                out.println("queue: " + queued + " message(s) in " + spoolRoot);
            }
            out.flush();
            return 3;
        }
        JsonNode s = a.status();
        if (json) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) s).put("running", true);
            out.println(new ObjectMapper().writeValueAsString(s));
            out.flush();
            return 0;
        }
        out.println("running: " + s.path("server").asText() + " (" + s.path("fqdn").asText() + "), pid " + s.path("pid").asLong()
                + ", up " + uptime(Duration.ofSeconds(s.path("uptimeSeconds").asLong())) + " (since " + since(s.path("started").asText()) + ")");
        for (JsonNode l : s.path("listeners")) {
            out.println("  virtual server \"" + l.path("virtualServer").asText() + "\" on " + l.path("address").asText() + ":"
                    + l.path("port").asInt());
        }
        JsonNode q = s.path("queue");
        out.println("  queue: " + q.path("messages").asInt() + " message(s), " + q.path("waitingForRetry").asInt()
                + " waiting for a retry");
        JsonNode d = s.path("directory");
        out.println("  directory: " + d.path("source").asText() + "; " + d.path("summary").asText());
        if (d.hasNonNull("lastRefusal")) {
            out.println("  the newest directory was refused (the last good one is in force): " + d.path("lastRefusal").asText());
        }
        out.flush();
        return 0;
    }

    static String uptime(Duration d) {
        long s = d.toSeconds();
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m " + s % 60 + "s";
        }
        if (s < 86400) {
            return s / 3600 + "h " + s % 3600 / 60 + "m";
        }
        return s / 86400 + "d " + s % 86400 / 3600 + "h";
    }

    /** The start time as the queue tools print times (with its zone), or as given when it is no instant. */
    private static String since(String started) {
        try {
            return dev.baton.queue.WaitReason.at(java.time.Instant.parse(started));
        } catch (java.time.format.DateTimeParseException e) {
            return started;
        }
    }
}
