package dev.baton.node;

import java.util.List;

/**
 * What became of a reload of baton.yml: put in force with the changes listed, or refused with
 * the reason (then nothing changed).
 *
 * @param changes one line per change put in force; empty when refused
 * @param refused why nothing changed, or null when the reload was put in force
 */
public record Reload(List<String> changes, String refused) {

    public Reload {
        changes = List.copyOf(changes);
    }

    static Reload applied(List<String> changes) {
        return new Reload(changes, null);
    }

    static Reload refusal(String reason) {
        return new Reload(List.of(), reason);
    }

    public boolean ok() {
        return refused == null;
    }

    /** What the control socket answers to {@code {"op":"reload"}}: ok and the changes, or ok false and the reason. */
    public com.fasterxml.jackson.databind.JsonNode toJson() {
        var o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        o.put("ok", ok());
        if (ok()) {
            var cs = o.putArray("changes");
            changes.forEach(cs::add);
        } else {
            o.put("error", refused);
        }
        return o;
    }
}
