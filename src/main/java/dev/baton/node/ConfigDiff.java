package dev.baton.node;

import dev.baton.config.BatonConfig;
import dev.baton.config.VirtualServerSettings;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * How two baton.yml differ, section by section (ADR 0015). It compares the records' components,
 * so a setting added later is covered without code here: a new field of a virtual server is
 * taken up through the new virtual server context, a new top-level section needs a restart
 * until it is made live.
 */
final class ConfigDiff {

    /** The sections a reload puts in force; every other one needs a restart. */
    static final Set<String> LIVE = Set.of("acceptedDomains", "virtualServers", "routes");

    private ConfigDiff() {
    }

    /** The top-level sections (baton.yml's keys) that differ and that a reload cannot change. */
    static List<String> needingRestart(BatonConfig now, BatonConfig next) {
        return differing(now, next).stream().filter(c -> !LIVE.contains(c)).toList();
    }

    /** The names of the record components whose values differ (a and b of the same record class). */
    static List<String> differing(Record a, Record b) {
        List<String> out = new ArrayList<>();
        for (RecordComponent c : a.getClass().getRecordComponents()) {
            try {
                if (!Objects.equals(c.getAccessor().invoke(a), c.getAccessor().invoke(b))) {
                    out.add(c.getName());
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read " + c.getName() + " of " + a.getClass().getSimpleName(), e);
            }
        }
        return out;
    }

    /** One line per change a reload puts in force, as the event log and 'baton reload' say it. */
    static List<String> describe(BatonConfig now, BatonConfig next) {
        List<String> out = new ArrayList<>();
        if (!now.acceptedDomains().equals(next.acceptedDomains())) {
            out.add("acceptedDomains " + now.acceptedDomains() + " -> " + next.acceptedDomains());
        }
        if (!now.routes().equals(next.routes())) {
            out.add("routes changed (" + now.routes().size() + " -> " + next.routes().size() + "), for every delivery from now on");
        }
        Map<String, VirtualServerSettings> before = byName(now);
        Map<String, VirtualServerSettings> after = byName(next);
        for (VirtualServerSettings vs : next.virtualServers()) {
            VirtualServerSettings was = before.get(vs.name());
            if (was == null) {
                out.add("virtual server \"" + vs.name() + "\" added on " + vs.address() + ":" + vs.port());
            } else if (!was.equals(vs)) {
                out.add("virtual server \"" + vs.name() + "\": " + String.join(", ", differing(was, vs))
                        + " changed, for new connections (sessions under way keep their settings)");
            }
        }
        for (VirtualServerSettings vs : now.virtualServers()) {
            if (!after.containsKey(vs.name())) {
                out.add("virtual server \"" + vs.name() + "\" removed: it accepts no more connections; sessions under way finish");
            }
        }
        return out;
    }

    private static Map<String, VirtualServerSettings> byName(BatonConfig c) {
        return c.virtualServers().stream().collect(Collectors.toMap(VirtualServerSettings::name, Function.identity()));
    }
}
