package dev.baton.cli;

import dev.baton.node.Problems;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.admin.ControlSocket;
import dev.baton.admin.QueueRequests;
import dev.baton.config.BatonConfig;
import dev.baton.events.DeliveryLog;
import dev.baton.events.DeliveryRecord;
import dev.baton.events.Event;
import dev.baton.events.EventLog;
import dev.baton.events.Where;
import dev.baton.queue.HopSecurity;
import dev.baton.queue.QueueFilter;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import dev.baton.queue.RecipientState;
import dev.baton.queue.Spool;
import dev.baton.queue.WaitReason;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code baton queue}: looks into and acts on a server's queue. */
@Command(name = "queue", mixinStandardHelpOptions = true,
        description = {"Looks into and acts on the queue. Changes go to the running server (over its control socket);",
                "when none runs, delete, hold and release change the queue files, and retry, flush, reroute and bounce",
                "are left for the next start. Every change is written to the event log (4102-4108)."},
        subcommands = {QueueCommand.ListCmd.class, QueueCommand.Show.class, QueueCommand.Cat.class, QueueCommand.Summary.class,
                QueueCommand.Retry.class, QueueCommand.Flush.class, QueueCommand.Reroute.class, QueueCommand.Hold.class,
                QueueCommand.Release.class, QueueCommand.Bounce.class, QueueCommand.Delete.class})
final class QueueCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static Spool spool(DataDirOptions data) {
        BatonConfig config = data.load(false);
        try {
            Spool spool = Spool.openReadOnly(data.dataDir.resolve(config.queue().directory()));
            // what this tool removes (beside a running server or not) is in the delivery log too
            spool.onRemove(id -> {
                try {
                    DeliveryLog.appendOne(data.dataDir, config.server().name(), config.deliveryLog(),
                            new DeliveryRecord.Removed(java.time.Instant.now(), id));
                } catch (IOException e) {
                    System.err.println("baton: the removal of " + id + " could not be written to the delivery log: " + e.getMessage());
                }
            });
            return spool;
        } catch (IOException e) {
            throw new UserError("cannot open the queue: " + Problems.describe(e));
        }
    }

    /** The queued message with this id, or the error a user can act on. */
    static QueuedMessage queued(Spool spool, String id) throws IOException {
        return spool.load(id).orElseThrow(() -> noSuchMessage(id));
    }

    static UserError noSuchMessage(String id) {
        return new UserError("no message " + id + " in the queue (see 'baton queue list')");
    }

    static ObjectNode toJson(ObjectMapper m, QueuedMessage q) {
        ObjectNode o = m.createObjectNode();
        o.put("queue_id", q.id());
        o.put("arrival_time", q.envelope().arrival().getEpochSecond());
        o.put("message_size", q.contentSize());
        o.put("sender", q.envelope().sender());
        o.put("client_address", q.envelope().clientAddress());
        ArrayNode rs = o.putArray("recipients");
        for (int i = 0; i < q.envelope().recipients().size(); i++) {
            Recipient r = q.envelope().recipients().get(i);
            RecipientState s = q.states().get(i);
            ObjectNode ro = rs.addObject();
            ro.put("address", r.address());
            ro.put("status", s.status().name().toLowerCase(java.util.Locale.ROOT));
            ro.put("attempts", s.attempts());
            if (s.nextAttempt() != null && !s.status().isFinal()) {
                ro.put("next_attempt", s.nextAttempt().toString());
            }
            if (s.lastReply() != null) {
                // Postfix's delay_reason is why a recipient is still waiting; a final one's reply is no delay
                ro.put(s.status().isFinal() ? "reply" : "delay_reason", s.lastReply());
            }
        }
        return o;
    }

    /**
     * Adds to each recipient not yet final why it waits: what the running server says (it knows
     * what only its memory holds: an attempt under way, a busy or dead destination, a retry
     * asked for), else what the queue files say.
     */
    static void waiting(ObjectNode o, QueuedMessage q, ControlSocket.Live live) {
        o.put("waiting_known_from", live.answered() ? "the running server" : "the queue files only (" + live.unavailable() + ")");
        JsonNode rs = o.get("recipients");
        for (int i = 0; i < q.states().size(); i++) {
            RecipientState s = q.states().get(i);
            ObjectNode r = (ObjectNode) rs.get(i);
            r.put("id", s.recipient().value());
            if (s.last() != null) {
                // the last reply as data: which catalogue entry, code, status, who said it, to which step
                ObjectNode last = r.putObject("last_reply");
                last.put("said_by", s.last().fromPeer() ? "peer" : "baton");
                last.put("entry", s.last().entry().name());
                last.put("code", s.last().code());
                if (s.last().status() != null) {
                    last.put("status", s.last().status());
                }
                if (s.last().peer() != null) {
                    last.put("peer", s.last().peer());
                }
                if (s.last().stage() != null) {
                    last.put("stage", s.last().stage().label());
                }
                HopSecurity hop = s.last().hop();
                if (hop != null) {
                    last.put("tls", hop.tls());
                    last.put("auth_to", hop.authenticatedTo());
                    last.put("auth_method", hop.method());
                }
                last.put("text", s.last().text());
            }
            if (s.status().isFinal()) {
                continue;
            }
            JsonNode why = live.answered() ? live.reasons().get(s.recipient().value()) : null;
            r.set("waiting", why != null ? why : ControlSocket.toJson(WaitReason.fromState(s)));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists queued messages, oldest first.")
    static final class ListCmd implements Callable<Integer> {
        @Mixin
        DataDirOptions data;

        @Option(names = "--json", description = "One JSON object per line (in the spirit of postqueue -j)")
        boolean json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            List<QueuedMessage> all = spool(data).list();
            if (json) {
                ObjectMapper m = new ObjectMapper();
                Spool spool = spool(data);
                for (QueuedMessage q : all) {
                    out.println(m.writeValueAsString(toJson(m, q).put("held", spool.isHeld(q.id()))));
                }
                return 0;
            }
            if (all.isEmpty()) {
                out.println("Queue is empty.");
                return 0;
            }
            Spool spool = spool(data);
            out.printf("%-16s %10s %-26s %s%n", "ID", "SIZE", "ARRIVED", "SENDER / RECIPIENTS");
            for (QueuedMessage q : all) {
                out.printf("%-16s %10d %-26s <%s>%s%n", q.id(), q.contentSize(), time(q.envelope().arrival()), q.envelope().sender(),
                        spool.isHeld(q.id()) ? "  HELD" : "");
                for (int i = 0; i < q.envelope().recipients().size(); i++) {
                    RecipientState s = q.states().get(i);
                    out.printf("%55s <%s> %s%s%n", "", q.envelope().recipients().get(i).address(),
                            s.status().name().toLowerCase(java.util.Locale.ROOT),
                            s.lastReply() == null ? "" : " (" + s.lastReply() + ")");
                }
            }
            out.println(all.size() + " message(s).");
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = {"Shows one message: per recipient its state, attempts, next real try, last reply, route and",
                    "next hop, and why it waits (asked of the running server when there is one); --json for programs."})
    static final class Show implements Callable<Integer> {
        @Mixin
        DataDirOptions data;

        @Parameters(paramLabel = "ID")
        String id;

        @Option(names = "--json", description = "One JSON object (fields as 'queue list --json', and more)")
        boolean json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            Spool spool = spool(data);
            QueuedMessage q = queued(spool, id);
            BatonConfig config = data.load(false);
            ControlSocket.Live live = ControlSocket.whyWaiting(spool.root(), q.id());
            boolean held = spool.isHeld(q.id());
            java.time.Instant expires = q.envelope().arrival().plus(config.queue().lifetime());
            ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode o = toJson(m, q);
            waiting(o, q, live);
            var e = q.envelope();
            if (json) {
                o.put("helo", e.heloName());
                o.put("protocol", e.protocol());
                if (e.tls() != null) {
                    o.put("tls", e.tls());
                }
                o.put("body", e.body());
                if (e.ret() != null) {
                    o.put("ret", e.ret());
                }
                if (e.envid() != null) {
                    o.put("envid", e.envid());
                }
                if (e.authenticated() != null) {
                    o.put("authenticated", e.authenticated());
                }
                if (e.submitter() != null) {
                    o.put("submitter", e.submitter()); // RFC 4954 5 AUTH=, "" for <>
                }
                o.put("held", held);
                o.put("expires", expires.toString());
                for (int i = 0; i < q.states().size(); i++) {
                    String route = live.routes().get(q.states().get(i).recipient().value());
                    if (route != null) {
                        ((ObjectNode) o.get("recipients").get(i)).put("route", route);
                    }
                }
                spec.commandLine().getOut().println(m.writeValueAsString(o));
                return 0;
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("Message " + q.id() + (held ? "  HELD (baton queue release " + q.id() + ")" : ""));
            out.println("  from      <" + e.sender() + ">, " + q.contentSize() + " octets, " + e.body());
            out.println("  arrived   " + time(e.arrival()) + " from " + e.clientAddress() + " (helo " + e.heloName() + "), "
                    + e.protocol() + (e.tls() == null ? "" : ", " + e.tls()));
            if (e.authenticated() != null) {
                out.println("  authenticated " + e.authenticated());
            }
            if (e.submitter() != null) {
                out.println("  submitter <" + e.submitter() + ">" + (e.submitter().isEmpty() ? " (unknown: AUTH=<>)" : " (AUTH=)"));
            }
            out.println("  expires   " + time(expires) + " (queue lifetime " + config.queue().lifetime().toString().substring(2).toLowerCase(java.util.Locale.ROOT) + ")");
            out.println("  known from " + (live.answered() ? "the running server" : "the queue files only (" + live.unavailable() + ")"));
            for (int i = 0; i < q.states().size(); i++) {
                RecipientState st = q.states().get(i);
                JsonNode r = o.get("recipients").get(i);
                out.println();
                out.println("  <" + q.envelope().recipients().get(i).address() + ">  " + st.status().name().toLowerCase(java.util.Locale.ROOT)
                        + ", " + st.attempts() + " attempt(s)");
                if (!st.status().isFinal()) {
                    String kind = r.path("waiting").path("kind").asText("");
                    String next = held || kind.equals("held") ? "none while held"
                            : kind.equals("in-delivery") ? "now (being delivered)"
                            : kind.equals("retry-requested") ? "now (retry requested)"
                            : kind.equals("destination-busy") ? "in a moment (destination busy)"
                            : time(st.nextAttempt());
                    out.println("    next try   " + next);
                    out.println("    waiting    " + r.path("waiting").path("text").asText(""));
                    if (st.lastReply() != null) {
                        out.println("    last reply " + st.lastReply() + (st.last().fromPeer() ? " (from " + st.last().peer() + ")" : " (Baton)"));
                    }
                } else if (st.lastReply() != null) {
                    out.println("    reply      " + st.lastReply() + "  (" + time(st.updated()) + ")");
                }
                if (st.last() != null && st.last().hop() != null) {
                    out.println("    session    " + session(st.last().hop()));
                }
                String route = live.routes().get(st.recipient().value());
                if (!st.status().isFinal()) {
                    out.println("    route      " + (route != null ? route : "(known to the running server only)"));
                }
            }
            return 0;
        }
    }

    /** How the session that said the last reply was protected: "TLSv1.3 with cipher ..., X-EXPS GSSAPI to smtp/mx2.example.test". */
    static String session(HopSecurity hop) {
        String tls = hop.tls() == null ? "no TLS" : hop.tls();
        return hop.method() == null ? tls : tls + ", " + hop.method() + (hop.authenticatedTo() == null ? "" : " to " + hop.authenticatedTo());
    }

    /** A time as a person reads it, with its zone: "2026-12-02 17:01:02 +00:00" (as the wait reasons write theirs). */
    static String time(java.time.Instant t) {
        return WaitReason.at(t);
    }

    /** Which messages a command acts on: one ID, or --all and/or filters (all of them must hold). */
    static final class Selection {
        @Parameters(paramLabel = "ID", arity = "0..1", description = "One queued message (see 'baton queue list')")
        String id;

        @Option(names = "--all", description = "Every queued message (narrowed by the filters given)")
        boolean all;

        @Option(names = "--domain", paramLabel = "DOMAIN", description = "Messages with a recipient not yet delivered in DOMAIN")
        String domain;

        @Option(names = "--sender", paramLabel = "ADDRESS", description = "Messages from this envelope sender (\"\" for <>)")
        String sender;

        @Option(names = "--deferred", description = "Only messages with a recipient that was tried and deferred")
        boolean deferred;

        QueueFilter filter() {
            boolean criteria = all || domain != null || sender != null || deferred;
            if (id != null && criteria) {
                throw new UserError("give either a queue ID or --all/--domain/--sender/--deferred, not both");
            }
            if (id == null && !criteria) {
                throw new UserError("give a queue ID, or --all (with --domain, --sender, --deferred to narrow it down)");
            }
            return id != null ? QueueFilter.one(id) : new QueueFilter(null, all, domain, sender, deferred);
        }
    }

    /**
     * Carries a change out: by the running server when there is one; else on the files (delete,
     * hold, release) or as a request for the next start (retry, flush, reroute, bounce).
     */
    static int change(CommandSpec spec, DataDirOptions data, QueueRequests.Action action, QueueFilter filter, String domain)
            throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Spool spool = spool(data);
        if (filter != null && filter.id() != null) {
            queued(spool, filter.id());
        }
        String past = switch (action) {
            case RETRY -> "retrying";
            case FLUSH -> "flushing";
            case REROUTE -> "re-routing";
            case BOUNCE -> "returned to sender";
            case DELETE -> "deleted";
            case HOLD -> "held";
            case RELEASE -> "released";
        };
        QueueRequests.Answer a = QueueRequests.ask(spool.root(), action, filter, domain);
        if (a.problem() != null) {
            throw new UserError(a.problem());
        }
        List<String> done = new java.util.ArrayList<>();
        List<String> skipped = new java.util.ArrayList<>();
        String where = "";
        if (!a.noServer()) {
            done.addAll(a.done());
            skipped.addAll(a.skipped());
        } else {
            List<QueuedMessage> selected = spool.list().stream()
                    .filter(m -> domain != null ? hasPendingIn(m, domain) : filter.matches(m)).toList();
            BatonConfig config = data.load(false);
            for (QueuedMessage m : selected) {
                boolean did = switch (action) {
                    case DELETE -> spool.remove(m.id()) && logged(spec, data, config, Event.MESSAGE_DELETED_BY_ADMINISTRATOR, m,
                            m.id(), m.envelope().sender());
                    case HOLD -> spool.hold(m.id()) && logged(spec, data, config, Event.MESSAGE_HELD_BY_ADMINISTRATOR, m, m.id());
                    case RELEASE -> spool.release(m.id()) && logged(spec, data, config, Event.MESSAGE_RELEASED_BY_ADMINISTRATOR, m,
                            m.id());
                    case RETRY, FLUSH, REROUTE -> request(spool, Spool.ControlAction.RETRY, m.id());
                    case BOUNCE -> request(spool, Spool.ControlAction.BOUNCE, m.id());
                };
                (did ? done : skipped).add(m.id());
            }
            if (action == QueueRequests.Action.RETRY || action == QueueRequests.Action.FLUSH
                    || action == QueueRequests.Action.REROUTE || action == QueueRequests.Action.BOUNCE) {
                where = " (no server is running: done when one starts on this data directory)";
                past = past.equals("returned to sender") ? "to be returned to sender" : "to be tried";
            }
        }
        for (String id : done) {
            out.println(past + " " + id);
        }
        for (String id : skipped) {
            out.println("skipped " + id + (action == QueueRequests.Action.HOLD ? " (held already)"
                    : action == QueueRequests.Action.RELEASE ? " (not held)" : " (held, or gone meanwhile)"));
        }
        String what = domain != null ? "messages to " + domain : filter.describe();
        out.println(done.size() + " message(s) " + past + where + "; selected: " + what + ".");
        return 0;
    }

    private static boolean hasPendingIn(QueuedMessage m, String domain) {
        return m.states().stream().anyMatch(s -> !s.status().isFinal() && m.recipient(s.recipient()).domain().equalsIgnoreCase(domain));
    }

    private static boolean request(Spool spool, Spool.ControlAction a, String id) throws IOException {
        if (spool.isHeld(id)) {
            return false;
        }
        spool.request(a, id);
        return true;
    }

    private static boolean logged(CommandSpec spec, DataDirOptions data, BatonConfig config, Event e, QueuedMessage m, Object... values) {
        try {
            EventLog.appendOne(data.dataDir, config.server().name(), java.time.Clock.systemUTC(), e, Where.message(m.id()), values);
        } catch (IOException x) {
            spec.commandLine().getErr().println("baton: " + m.id() + ": the change could not be written to the event log: " + x.getMessage());
        }
        return true;
    }

    /** A command that makes one change to the messages its selection picks (an ID, or --all with filters). */
    abstract static class SelectedChange implements Callable<Integer> {
        private final QueueRequests.Action action;

        @Mixin
        DataDirOptions data;

        @Mixin
        Selection select;

        @Spec
        CommandSpec spec;

        SelectedChange(QueueRequests.Action action) {
            this.action = action;
        }

        @Override
        public Integer call() throws IOException {
            return change(spec, data, action, select.filter(), null);
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = {"Tries messages now (postqueue -i/-f), even where their destination is marked dead:",
                    "the administrator says it is back. A held message stays held."})
    static final class Retry extends SelectedChange {
        Retry() {
            super(QueueRequests.Action.RETRY);
        }
    }

    @Command(name = "flush", mixinStandardHelpOptions = true,
            description = "Tries now every recipient not yet delivered in one domain (postqueue -s), dead destination or not.")
    static final class Flush implements Callable<Integer> {
        @Mixin
        DataDirOptions data;

        @Parameters(paramLabel = "DOMAIN")
        String domain;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            return change(spec, data, QueueRequests.Action.FLUSH, null, domain.toLowerCase(java.util.Locale.ROOT));
        }
    }

    @Command(name = "reroute", mixinStandardHelpOptions = true,
            description = {"Re-routes messages after a change of the routes (postsuper -r): Baton looks a route up at every",
                    "attempt, so this tries them now under the routes in force, forgetting the old destinations' dead marks."})
    static final class Reroute extends SelectedChange {
        Reroute() {
            super(QueueRequests.Action.REROUTE);
        }
    }

    @Command(name = "hold", mixinStandardHelpOptions = true,
            description = "Holds messages (postsuper -h): nothing delivers them until released; the hold survives a restart.")
    static final class Hold extends SelectedChange {
        Hold() {
            super(QueueRequests.Action.HOLD);
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = "Releases held messages (postsuper -H): each is tried at once, as by 'baton queue retry'.")
    static final class Release extends SelectedChange {
        Release() {
            super(QueueRequests.Action.RELEASE);
        }
    }

    @Command(name = "bounce", mixinStandardHelpOptions = true,
            description = "Returns messages to their senders now: a DSN for every recipient not yet delivered.")
    static final class Bounce extends SelectedChange {
        Bounce() {
            super(QueueRequests.Action.BOUNCE);
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Deletes messages from the queue (postsuper -d); no report is sent.")
    static final class Delete extends SelectedChange {
        Delete() {
            super(QueueRequests.Action.DELETE);
        }
    }

    @Command(name = "cat", mixinStandardHelpOptions = true,
            description = "Prints a queued message (postcat -q): its envelope, then its content as queued.")
    static final class Cat implements Callable<Integer> {
        @Mixin
        DataDirOptions data;

        @Parameters(paramLabel = "ID")
        String id;

        @Option(names = "--content-only", description = "Only the content (headers and body), as it will be sent")
        boolean contentOnly;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            Spool spool = spool(data);
            QueuedMessage q = queued(spool, id);
            PrintWriter out = spec.commandLine().getOut();
            if (!contentOnly) {
                var e = q.envelope();
                out.println("*** ENVELOPE RECORDS " + q.id() + " ***");
                out.println("arrival_time: " + time(e.arrival()));
                out.println("sender: <" + e.sender() + ">");
                for (int i = 0; i < e.recipients().size(); i++) {
                    out.println("recipient: <" + e.recipients().get(i).address() + "> "
                            + q.states().get(i).status().name().toLowerCase(java.util.Locale.ROOT));
                }
                out.println("client: " + e.clientAddress() + " (helo " + e.heloName() + "), " + e.protocol());
                out.println("*** MESSAGE CONTENTS " + q.id() + " ***");
            }
            out.flush();
            try (java.io.InputStream in = spool.openContent(q)) {
                // as stored: canonical CRLF text; a person's terminal shows it as lines
                byte[] content = in.readNBytes((int) Math.min(q.contentSize(), Integer.MAX_VALUE - 8));
                out.print(new String(content, java.nio.charset.StandardCharsets.UTF_8).replace("\r\n", "\n"));
            }
            if (!contentOnly) {
                out.println("*** END OF MESSAGE " + q.id() + " ***");
            }
            return 0;
        }
    }

    @Command(name = "summary", mixinStandardHelpOptions = true,
            description = {"Recipients not yet delivered, by destination domain and age in minutes (qshape):",
                    "T is the total, each column counts those younger than its heading and older than the one before."})
    static final class Summary implements Callable<Integer> {
        /** qshape's buckets, in minutes. */
        static final int[] BUCKETS = {5, 10, 20, 40, 80, 160, 320, 640, 1280};

        @Mixin
        DataDirOptions data;

        @Option(names = "--sender", description = "By sender domain instead of recipient domain (qshape -s)")
        boolean bySender;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            java.time.Instant now = java.time.Instant.now();
            java.util.Map<String, long[]> rows = new java.util.TreeMap<>();
            long[] total = new long[BUCKETS.length + 2];
            for (QueuedMessage q : spool(data).list()) {
                long minutes = java.time.Duration.between(q.envelope().arrival(), now).toMinutes();
                int col = BUCKETS.length + 1;
                for (int b = 0; b < BUCKETS.length; b++) {
                    if (minutes < BUCKETS[b]) {
                        col = b + 1;
                        break;
                    }
                }
                for (RecipientState s : q.states()) {
                    if (s.status().isFinal()) {
                        continue;
                    }
                    String key = bySender ? senderDomain(q.envelope().sender()) : q.recipient(s.recipient()).domain();
                    long[] row = rows.computeIfAbsent(key, k -> new long[BUCKETS.length + 2]);
                    row[0]++;
                    row[col]++;
                    total[0]++;
                    total[col]++;
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            StringBuilder head = new StringBuilder(String.format("%-30s %6s", "", "T"));
            for (int b : BUCKETS) {
                head.append(String.format(" %5d", b));
            }
            head.append(String.format(" %5s", BUCKETS[BUCKETS.length - 1] + "+"));
            out.println(head);
            out.println(row("TOTAL", total));
            rows.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]))
                    .forEach(e -> out.println(row(e.getKey(), e.getValue())));
            return 0;
        }

        private static String senderDomain(String sender) {
            int at = sender.lastIndexOf('@');
            return sender.isEmpty() ? "<>" : at < 0 ? sender : sender.substring(at + 1).toLowerCase(java.util.Locale.ROOT);
        }

        private static String row(String name, long[] counts) {
            StringBuilder b = new StringBuilder(String.format("%-30s %6d", name, counts[0]));
            for (int i = 1; i < counts.length; i++) {
                b.append(String.format(" %5d", counts[i]));
            }
            return b.toString();
        }
    }
}
