package dev.baton.cli;

import dev.baton.node.Problems;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.admin.ControlSocket;
import dev.baton.config.BatonConfig;
import dev.baton.events.DeliveryLog;
import dev.baton.events.DeliveryRecord;
import dev.baton.events.Event;
import dev.baton.events.EventLog;
import dev.baton.events.Where;
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
@Command(name = "queue", mixinStandardHelpOptions = true, description = "Lists, shows and deletes queued messages.",
        subcommands = {QueueCommand.ListCmd.class, QueueCommand.Show.class, QueueCommand.Retry.class,
                QueueCommand.Bounce.class, QueueCommand.Delete.class})
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
                ro.put("delay_reason", s.lastReply());
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
                for (QueuedMessage q : all) {
                    out.println(m.writeValueAsString(toJson(m, q)));
                }
                return 0;
            }
            if (all.isEmpty()) {
                out.println("Queue is empty.");
                return 0;
            }
            out.printf("%-16s %10s %-20s %s%n", "ID", "SIZE", "ARRIVED", "SENDER / RECIPIENTS");
            for (QueuedMessage q : all) {
                out.printf("%-16s %10d %-20s <%s>%n", q.id(), q.contentSize(),
                        q.envelope().arrival().toString().substring(0, 19).replace('T', ' '), q.envelope().sender());
                for (int i = 0; i < q.envelope().recipients().size(); i++) {
                    RecipientState s = q.states().get(i);
                    out.printf("%49s <%s> %s%s%n", "", q.envelope().recipients().get(i).address(),
                            s.status().name().toLowerCase(java.util.Locale.ROOT),
                            s.lastReply() == null ? "" : " (" + s.lastReply() + ")");
                }
            }
            out.println(all.size() + " message(s).");
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = {"Shows one message's envelope and per-recipient state,",
                    "and for each recipient not yet delivered why it waits (asked of the running server when there is one)."})
    static final class Show implements Callable<Integer> {
        @Mixin
        DataDirOptions data;

        @Parameters(paramLabel = "ID")
        String id;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            Spool spool = spool(data);
            QueuedMessage q = queued(spool, id);
            ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode o = toJson(m, q);
            waiting(o, q, ControlSocket.whyWaiting(spool.root(), q.id()));
            var e = q.envelope();
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
            spec.commandLine().getOut().println(m.writeValueAsString(o));
            return 0;
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = {"Tries a deferred message (or all with --all) again now.",
                    "The server owning the queue acts within a second; a stopped one at its next start."})
    static final class Retry implements Callable<Integer> {
        @Mixin
        DataDirOptions data;

        @Parameters(paramLabel = "ID", arity = "0..1")
        String id;

        @Option(names = "--all", description = "Retry every queued message")
        boolean all;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            if (all == (id != null)) {
                throw new UserError("give a queue ID or --all (see 'baton queue list')");
            }
            Spool spool = spool(data);
            if (!all) {
                queued(spool, id);
            }
            spool.request(Spool.ControlAction.RETRY, all ? "all" : id);
            spec.commandLine().getOut().println("retry requested for " + (all ? "all messages" : id));
            return 0;
        }
    }

    @Command(name = "bounce", mixinStandardHelpOptions = true,
            description = {"Returns a message to its sender now: a DSN for every recipient not yet delivered.",
                    "The server owning the queue acts within a second; a stopped one at its next start."})
    static final class Bounce implements Callable<Integer> {
        @Mixin
        DataDirOptions data;

        @Parameters(paramLabel = "ID")
        String id;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            Spool spool = spool(data);
            queued(spool, id);
            spool.request(Spool.ControlAction.BOUNCE, id);
            spec.commandLine().getOut().println("bounce requested for " + id);
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes a message from the queue (no bounce is sent).")
    static final class Delete implements Callable<Integer> {
        @Mixin
        DataDirOptions data;

        @Parameters(paramLabel = "ID")
        String id;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            Spool spool = spool(data);
            QueuedMessage q = queued(spool, id);
            if (!spool.remove(id)) {
                throw noSuchMessage(id);
            }
            spec.commandLine().getOut().println("deleted " + id);
            try {
                EventLog.appendOne(data.dataDir, data.load(false).server().name(), java.time.Clock.systemUTC(),
                        Event.MESSAGE_DELETED_BY_ADMINISTRATOR, Where.message(id), id, q.envelope().sender());
            } catch (IOException e) {
                spec.commandLine().getErr().println("baton: the deletion could not be written to the event log: " + e.getMessage());
            }
            return 0;
        }
    }
}
