package dev.baton.cli;

import dev.baton.admin.ControlSocket;
import dev.baton.config.BatonConfig;
import dev.baton.config.VirtualServerSettings;
import dev.baton.events.Category;
import dev.baton.events.DiagnosticLevel;
import dev.baton.events.EventFiles;
import dev.baton.events.EventJson;
import dev.baton.events.EventLevels;
import dev.baton.events.EventLog;
import dev.baton.events.LoggedEvent;
import dev.baton.events.Severity;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code baton events}: reads a server's event log, and sets its diagnostic logging levels. */
@Command(name = "events", mixinStandardHelpOptions = true, subcommands = EventsCommand.Level.class,
        description = {"Shows a server's event log (DIR/events/events.log and its rotated files, oldest first):",
                "one line per event (time, id, level, category, virtual server, text), or JSON lines with --json."},
        footer = {"%nExamples:", "  baton events --id 7010 --since 1h", "  baton events --level error --follow",
                "  baton events level smtp-protocol medium --virtual-server default"})
final class EventsCommand implements Callable<Integer> {

    private static final Pattern AGO = Pattern.compile("(\\d+)(s|m|h|d)");

    @Mixin
    DataDirOptions data;

    @Option(names = "--id", paramLabel = "N", description = "Only events with this id (e.g. 7010)")
    Integer id;

    @Option(names = "--level", paramLabel = "LEVEL", description = "Only events of this level: error, warning, information")
    String level;

    @Option(names = "--since", paramLabel = "TIME",
            description = "Only events at or after TIME: an instant (2026-12-03T10:00:00Z) or a time ago (30s, 10m, 2h, 1d)")
    String since;

    @Option(names = "--follow", description = "Keep reading new events as they are written (across rotations) until interrupted")
    boolean follow;

    @Option(names = "--json", description = "One JSON object per line, as the log stores it")
    boolean json;

    @Spec
    CommandSpec spec;

    /** The clock --since counts back from (tests set it). */
    Clock clock = Clock.systemUTC();

    @Override
    public Integer call() throws IOException {
        data.load(false);
        Severity severity = null;
        if (level != null) {
            severity = Severity.parse(level);
            if (severity == null) {
                throw new UserError("--level " + level + " is not a level (error, warning, information)");
            }
        }
        Instant from = since == null ? null : since(since, clock.instant());
        Severity wanted = severity;
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Consumer<LoggedEvent> print = e -> {
            if ((id != null && e.id() != id) || (wanted != null && e.level() != wanted)
                    || (from != null && e.time().isBefore(from))) {
                return;
            }
            out.println(json ? EventJson.toJson(e) : line(e));
            if (follow) {
                out.flush();
            }
        };
        Consumer<String> bad = why -> err.println("baton: skipped a line: " + why);
        EventFiles files = new EventFiles(data.dataDir.resolve(EventLog.DIRECTORY));
        if (follow) {
            files.follow(print, bad, Duration.ofMillis(200));
        } else {
            files.read(print, bad);
        }
        out.flush();
        return 0;
    }

    /** "2026-12-03T10:00:00Z 7010 warning SMTP Protocol default This is ...". */
    static String line(LoggedEvent e) {
        return e.time() + " " + e.id() + " " + e.level().key() + " " + e.category().title() + " "
                + (e.virtualServer() == null ? "-" : e.virtualServer()) + " " + e.text();
    }

    static Instant since(String text, Instant now) {
        Matcher m = AGO.matcher(text.strip());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return now.minus(d);
        }
        try {
            return Instant.parse(text.strip());
        } catch (DateTimeParseException e) {
            throw new UserError("--since " + text + " is neither an instant (example: 2026-12-03T10:00:00Z) nor a time ago"
                    + " (examples: 30s, 10m, 2h, 1d)");
        }
    }

    @Command(name = "level", mixinStandardHelpOptions = true,
            description = {"Sets the diagnostic logging level of a category (or all): none (0), minimum (1), medium (3), maximum (5).",
                    "A running server changes it at once (through its control socket) and keeps it in DIR/events/levels.json;",
                    "without one, the file is written and the server takes the level up when it starts.",
                    "SMTP Protocol and Authentication are set per virtual server: all of them unless --virtual-server names one."},
            footer = {"%nCategories: smtp-protocol, authentication, directory, queue, routing, delivery, service, all",
                    "%nExamples:", "  baton events level smtp-protocol medium", "  baton events level queue 1",
                    "  baton events level authentication maximum --virtual-server default"})
    static final class Level implements Callable<Integer> {
        @Mixin
        DataDirOptions data;

        @Parameters(index = "0", paramLabel = "CATEGORY", description = "A category, or all")
        String category;

        @Parameters(index = "1", paramLabel = "LEVEL", description = "none, minimum, medium, maximum (or 0, 1, 3, 5)")
        String level;

        @Option(names = "--virtual-server", paramLabel = "NAME", description = "Only this virtual server (SMTP Protocol, Authentication)")
        String virtualServer;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            BatonConfig config = data.load(false);
            DiagnosticLevel to = DiagnosticLevel.parse(level);
            if (to == null) {
                throw new UserError("\"" + level + "\" is not a level (none, minimum, medium, maximum, or 0, 1, 3, 5)");
            }
            List<Category> categories = new ArrayList<>();
            if (category.equalsIgnoreCase("all")) {
                for (Category c : Category.values()) {
                    if (virtualServer == null || c.perVirtualServer()) {
                        categories.add(c);
                    }
                }
            } else {
                Category c = Category.parse(category);
                if (c == null) {
                    throw new UserError("\"" + category + "\" is not a category (" + Category.keys() + ", or all)");
                }
                if (virtualServer != null && !c.perVirtualServer()) {
                    throw new UserError("category " + c.key() + " is set for the whole server: leave out --virtual-server");
                }
                categories.add(c);
            }
            List<String> names = config.virtualServers().stream().map(VirtualServerSettings::name).toList();
            if (virtualServer != null && !names.contains(virtualServer)) {
                throw new UserError("no virtual server \"" + virtualServer + "\" in " + data.configFile() + " (known: "
                        + String.join(", ", names) + ")");
            }
            PrintWriter out = spec.commandLine().getOut();
            Path spoolRoot = data.dataDir.resolve(config.queue().directory());
            List<String> changes = new ArrayList<>();
            String unavailable = null;
            for (Category c : categories) {
                ControlSocket.LevelAnswer a = ControlSocket.setEventLevel(spoolRoot, c, to, virtualServer);
                if (a.refused() != null) {
                    throw new UserError("the running server refused: " + a.refused());
                }
                if (a.unavailable() != null) {
                    unavailable = a.unavailable();
                    break;
                }
                changes.addAll(a.changes());
            }
            if (unavailable == null) {
                changes.forEach(out::println);
                out.println("set in the running server (kept in " + levelsFile() + ")");
                return 0;
            }
            Path file = levelsFile();
            EventLevels levels;
            try {
                levels = EventLevels.read(file);
            } catch (IOException e) {
                throw new UserError("cannot read " + file + ": " + e.getMessage() + " (remove it to start again from None)");
            }
            for (Category c : categories) {
                for (String vs : c.perVirtualServer() ? (virtualServer != null ? List.of(virtualServer) : names)
                        : java.util.Collections.<String>singletonList(null)) {
                    out.println(ControlSocket.describe(new EventLog.LevelChange(c, vs, levels.level(c, vs), to)));
                    levels = levels.with(c, vs, to);
                }
            }
            levels.write(file);
            out.println(unavailable + ": written to " + file + "; the server takes it up when it starts");
            return 0;
        }

        private Path levelsFile() {
            return data.dataDir.resolve(EventLog.DIRECTORY).resolve(EventLevels.FILE);
        }
    }
}
