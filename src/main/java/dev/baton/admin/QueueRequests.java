package dev.baton.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.queue.QueueFilter;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Scheduler;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The control socket's {@code {"op":"queue"}}: an administrator's change to the queue of the
 * running server, carried out by its scheduler (it holds what is being delivered, what is due,
 * which destinations are dead). The request names an action and a filter:
 * {@code {"op":"queue","action":"hold","filter":{"id":ID}}} or
 * {@code {"filter":{"all":true,"domain":D,"sender":S,"deferred":true}}}; {@code flush} takes
 * {@code "domain"} instead. The answer lists the ids acted on and those skipped.
 */
public final class QueueRequests {

    /** What an administrator can do to queued messages. */
    public enum Action {
        RETRY, BOUNCE, DELETE, HOLD, RELEASE, FLUSH, REROUTE;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Action parse(String s) {
            for (Action a : values()) {
                if (a.key().equals(s)) {
                    return a;
                }
            }
            return null;
        }
    }

    private QueueRequests() {
    }

    /** The server's side: carries the request out. */
    static JsonNode answer(JsonNode request, Scheduler scheduler) throws IOException {
        Action action = Action.parse(request.path("action").asText(""));
        if (action == null) {
            return error("unknown queue action \"" + request.path("action").asText("") + "\" (known: retry, bounce, delete, hold,"
                    + " release, flush, reroute)");
        }
        List<String> done = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        if (action == Action.FLUSH) {
            String domain = request.path("domain").asText("");
            if (domain.isEmpty()) {
                return error("flush needs a domain");
            }
            done.addAll(scheduler.flush(domain));
        } else {
            QueueFilter f = filter(request.path("filter"));
            if (!f.selects()) {
                return error("no message selected: give an id, --all, or a filter");
            }
            for (QueuedMessage m : scheduler.select(f)) {
                boolean did = switch (action) {
                    case RETRY -> scheduler.forceRetry(m.id(), "retry");
                    case REROUTE -> scheduler.reroute(m.id());
                    case BOUNCE -> scheduler.bounceNow(m.id());
                    case DELETE -> scheduler.delete(m.id());
                    case HOLD -> scheduler.hold(m.id());
                    case RELEASE -> scheduler.release(m.id());
                    case FLUSH -> throw new IllegalStateException("handled above");
                };
                (did ? done : skipped).add(m.id());
            }
        }
        ObjectNode o = ControlSocket.JSON.createObjectNode();
        o.put("ok", true);
        ArrayNode d = o.putArray("done");
        done.forEach(d::add);
        ArrayNode s = o.putArray("skipped");
        skipped.forEach(s::add);
        return o;
    }

    static QueueFilter filter(JsonNode f) {
        return new QueueFilter(text(f, "id"), f.path("all").asBoolean(false), text(f, "domain"), text(f, "sender"),
                f.path("deferred").asBoolean(false));
    }

    private static String text(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asText() : null;
    }

    static JsonNode toJson(QueueFilter f) {
        ObjectNode o = ControlSocket.JSON.createObjectNode();
        if (f.id() != null) {
            o.put("id", f.id());
        }
        if (f.all()) {
            o.put("all", true);
        }
        if (f.recipientDomain() != null) {
            o.put("domain", f.recipientDomain());
        }
        if (f.sender() != null) {
            o.put("sender", f.sender());
        }
        if (f.deferredOnly()) {
            o.put("deferred", true);
        }
        return o;
    }

    private static ObjectNode error(String text) {
        ObjectNode o = ControlSocket.JSON.createObjectNode();
        o.put("ok", false);
        o.put("error", text);
        return o;
    }

    /**
     * What the running server did, or why it could not be asked.
     *
     * @param done        ids acted on; null when the server was not asked or refused
     * @param skipped     ids selected but not acted on (held already, not held, gone meanwhile)
     * @param noServer    true when no server runs on this spool (then the tool acts on the files)
     * @param problem     why it failed: the server refused, or did not answer; null otherwise
     */
    public record Answer(List<String> done, List<String> skipped, boolean noServer, String problem) {
    }

    /** Asks the server running on this spool to act on its queue; {@code domain} for flush, else {@code filter}. */
    public static Answer ask(Path spoolRoot, Action action, QueueFilter filter, String domain) {
        Path file = spoolRoot.resolve(ControlSocket.FILE);
        if (!Files.exists(file)) {
            return new Answer(null, null, true, null);
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                ch.connect(UnixDomainSocketAddress.of(file));
            } catch (IOException e) {
                return new Answer(null, null, true, null); // a socket file left by a server that is gone
            }
            ObjectNode req = ControlSocket.JSON.createObjectNode().put("op", "queue").put("action", action.key());
            if (domain != null) {
                req.put("domain", domain);
            }
            if (filter != null) {
                req.set("filter", toJson(filter));
            }
            ch.write(ByteBuffer.wrap((ControlSocket.JSON.writeValueAsString(req) + "\n").getBytes(StandardCharsets.UTF_8)));
            JsonNode answer = ControlSocket.JSON.readTree(ControlSocket.readLine(ch, ControlSocket.QUEUE_REQUEST_TIME));
            if (!answer.path("ok").asBoolean(false)) {
                return new Answer(null, null, false, "the running server refused: " + answer.path("error").asText("?"));
            }
            List<String> done = new ArrayList<>();
            answer.path("done").forEach(n -> done.add(n.asText()));
            List<String> skipped = new ArrayList<>();
            answer.path("skipped").forEach(n -> skipped.add(n.asText()));
            return new Answer(done, skipped, false, null);
        } catch (IOException e) {
            return new Answer(null, null, false, "the running server did not answer at " + file + " (" + e.getMessage() + ")");
        }
    }
}
