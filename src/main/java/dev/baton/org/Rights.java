package dev.baton.org;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Effective rights over one {@link Directory} snapshot (SYSTEM.md 5): a principal has a right
 * on an object when an entry on that object or above it allows the right to the principal or to
 * any group it belongs to, however deep, and no such entry denies it. A deny anywhere in that
 * closure wins over every allow; no entry means no right.
 * <p>
 * {@link #allowed} is the fast question (closures are computed once per principal and kept, at
 * most {@link #MAX_CACHED_CLOSURES} of them);
 * {@link #explain} answers the same question with its evidence: every entry that applied, the
 * chain of groups through which it reached the principal, and which one decided. That evidence
 * is for administrators (and the doctor); a reply to a client never carries it.
 */
public final class Rights {

    private final Directory directory;
    private final Map<Right, List<AccessEntry>> byRight = new EnumMap<>(Right.class);
    /** Member to the groups that list it directly (built-in groups included where they are listed). */
    private final Map<Member, List<Member>> memberOf = new HashMap<>();
    /**
     * How many principals' closures a snapshot keeps. A snapshot lives until the directory
     * changes, and who asks is partly up to peers (any principal of a trusted realm, unknown to
     * the directory, is a key), so the cache is bounded: past the cap a closure is computed
     * again when needed, a breadth-first walk of the groups that costs microseconds.
     * 10 000 closures of a few groups each are a few megabytes.
     */
    public static final int MAX_CACHED_CLOSURES = 10_000;

    private final Map<Member, Map<Member, Member>> closures = new ConcurrentHashMap<>();
    private final int maxCachedClosures;

    /** An entry that applied, and the chain from the principal to the entry's trustee (the principal alone when it is the trustee). */
    public record Applied(AccessEntry entry, List<Member> chain) {
    }

    /** The answer and its evidence. {@code deciding} is null when no entry applied. */
    public record Decision(Member who, boolean known, Right right, Scope on, boolean allowed, Applied deciding, List<Applied> applied) {

        /** For people: the decision, then each entry that applied with its chain, the deciding one marked. */
        public String explanation() {
            StringBuilder b = new StringBuilder();
            b.append(right.wireName()).append(" for ").append(who).append(" on ").append(on).append(": ")
                    .append(allowed ? "ALLOWED" : "DENIED").append('\n');
            if (!known) {
                b.append("  ").append(who).append(" is not in the directory: it belongs only to the groups every principal of its kind is in\n");
            }
            if (applied.isEmpty()) {
                b.append("  no entry on ").append(on).append(" or above it grants ").append(right.wireName()).append(" to ")
                        .append(who).append(" or a group it belongs to\n");
            }
            for (Applied a : applied) {
                b.append("  ").append(a == deciding ? "decides: " : "applies: ").append(a.entry()).append('\n');
                b.append("    via ").append(String.join(" > ", a.chain().stream().map(Member::toString).toList())).append('\n');
            }
            if (!allowed && deciding != null) {
                b.append("  a deny anywhere wins over every allow\n");
            }
            return b.toString();
        }
    }

    public Rights(Directory directory) {
        this(directory, MAX_CACHED_CLOSURES);
    }

    /** @param maxCachedClosures the cap on kept closures (tests use a small one) */
    Rights(Directory directory, int maxCachedClosures) {
        if (maxCachedClosures < 1) {
            throw new IllegalArgumentException("maxCachedClosures must be at least 1, not " + maxCachedClosures);
        }
        this.directory = directory;
        this.maxCachedClosures = maxCachedClosures;
        for (Right r : Right.values()) {
            byRight.put(r, new ArrayList<>());
        }
        for (AccessEntry e : directory.entries()) {
            byRight.get(e.right()).add(e);
        }
        for (Directory.Group g : directory.groups().values()) {
            Member group = Member.group(g.name());
            for (Member m : g.members()) {
                memberOf.computeIfAbsent(m, k -> new ArrayList<>()).add(group);
            }
        }
    }

    public Directory directory() {
        return directory;
    }

    /** Whether {@code who} has {@code right} on {@code on}. */
    public boolean allowed(Member who, Right right, Scope on) {
        return allowed(who, List.of(), right, on);
    }

    /**
     * Whether {@code who} has {@code right} on {@code on}, counting also the groups this session
     * puts it in (such as {@code relay-networks} for a client from a relay network) and every
     * group those belong to.
     */
    public boolean allowed(Member who, List<Member> sessionGroups, Right right, Scope on) {
        Map<Member, Member> reach = closure(who);
        boolean allow = false;
        for (AccessEntry e : byRight.get(right)) {
            if (e.on().covers(on) && (reach.containsKey(e.trustee()) || throughSessionGroup(sessionGroups, e.trustee()) != null)) {
                if (!e.allow()) {
                    return false;
                }
                allow = true;
            }
        }
        return allow;
    }

    /** {@link #allowed} with the evidence. */
    public Decision explain(Member who, Right right, Scope on) {
        return explain(who, List.of(), right, on);
    }

    /** {@link #allowed(Member, List, Right, Scope)} with the evidence; a chain through a session group starts at the principal. */
    public Decision explain(Member who, List<Member> sessionGroups, Right right, Scope on) {
        Map<Member, Member> reach = closure(who);
        List<Applied> applied = new ArrayList<>();
        Applied firstAllow = null;
        Applied firstDeny = null;
        for (AccessEntry e : byRight.get(right)) {
            if (!e.on().covers(on)) {
                continue;
            }
            List<Member> chain = null;
            if (reach.containsKey(e.trustee())) {
                chain = chain(reach, who, e.trustee());
            } else {
                Member group = throughSessionGroup(sessionGroups, e.trustee());
                if (group != null) {
                    List<Member> c = new ArrayList<>();
                    c.add(who);
                    c.addAll(chain(closure(group), group, e.trustee()));
                    chain = List.copyOf(c);
                }
            }
            if (chain != null) {
                Applied a = new Applied(e, chain);
                applied.add(a);
                if (e.allow() && firstAllow == null) {
                    firstAllow = a;
                } else if (!e.allow() && firstDeny == null) {
                    firstDeny = a;
                }
            }
        }
        boolean allowed = firstDeny == null && firstAllow != null;
        return new Decision(who, known(who), right, on, allowed, firstDeny != null ? firstDeny : firstAllow, List.copyOf(applied));
    }

    /** The groups {@code who} belongs to, directly or through others, built-in ones included; each mapped to the member it was reached through. */
    public Map<Member, Member> groupsOf(Member who) {
        Map<Member, Member> all = new LinkedHashMap<>(closure(who));
        all.remove(who);
        return Collections.unmodifiableMap(all);
    }

    private boolean known(Member who) {
        return switch (who.kind()) {
            case SERVER -> directory.servers().containsKey(who.name());
            case USER -> directory.users().containsKey(who.name());
            case GROUP -> directory.groups().containsKey(who.name()) || Directory.BUILT_IN_GROUPS.contains(who.name());
            case ANONYMOUS -> true;
        };
    }

    /** How many closures are kept now (at most the cap). */
    int cachedClosures() {
        return closures.size();
    }

    /**
     * The closure of {@code who}, kept when computed. A lookup takes no lock; keeping a new one
     * does, so the cap holds exactly. When the cache is full it starts afresh: whatever filled it
     * (a peer's stream of new principals included) is dropped alike, and the principals asked
     * about often are kept again at their next question, each for one more walk.
     */
    private Map<Member, Member> closure(Member who) {
        Map<Member, Member> kept = closures.get(who);
        if (kept != null) {
            return kept;
        }
        Map<Member, Member> computed = computeClosure(who);
        synchronized (closures) {
            kept = closures.get(who);
            if (kept != null) {
                return kept;
            }
            if (closures.size() >= maxCachedClosures) {
                closures.clear();
            }
            closures.put(who, computed);
        }
        return computed;
    }

    /** Breadth first, so each group is reached by a shortest chain; the principal maps to itself. */
    private Map<Member, Member> computeClosure(Member w) {
        Map<Member, Member> parent = new LinkedHashMap<>();
        parent.put(w, w);
        ArrayDeque<Member> queue = new ArrayDeque<>();
        queue.add(w);
        for (Member implicit : implicitGroups(w)) {
            if (parent.putIfAbsent(implicit, w) == null) {
                queue.add(implicit);
            }
        }
        while (!queue.isEmpty()) {
            Member m = queue.poll();
            for (Member g : memberOf.getOrDefault(m, List.of())) {
                if (parent.putIfAbsent(g, m) == null) {
                    queue.add(g);
                }
            }
        }
        return Collections.unmodifiableMap(parent);
    }

    /**
     * Memberships that come from what the principal is: a server or user has authenticated
     * (that is what makes it one), so it is in authenticated-users whether the directory lists
     * it or not; only a server the directory lists is in organization-servers.
     */
    private List<Member> implicitGroups(Member who) {
        Member everyone = Member.group(Directory.EVERYONE);
        Member authenticated = Member.group(Directory.AUTHENTICATED_USERS);
        return switch (who.kind()) {
            case SERVER -> known(who) ? List.of(Member.group(Directory.ORGANIZATION_SERVERS), authenticated, everyone)
                    : List.of(authenticated, everyone);
            case USER -> List.of(authenticated, everyone);
            case ANONYMOUS -> List.of(everyone);
            case GROUP -> List.of();
        };
    }

    /** The session group through which the trustee is reached, or null. */
    private Member throughSessionGroup(List<Member> sessionGroups, Member trustee) {
        for (Member g : sessionGroups) {
            if (closure(g).containsKey(trustee)) {
                return g;
            }
        }
        return null;
    }

    private static List<Member> chain(Map<Member, Member> parent, Member who, Member trustee) {
        List<Member> c = new ArrayList<>();
        Member at = trustee;
        while (!at.equals(who)) {
            c.add(at);
            at = parent.get(at);
        }
        c.add(who);
        Collections.reverse(c);
        return List.copyOf(c);
    }
}
