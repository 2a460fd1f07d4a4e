package dev.baton.org;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One consistent snapshot of the organization (SYSTEM.md 1): its servers, users, security
 * groups that nest, distribution groups, connectors, and the access control entries that say
 * who may do what. Immutable; a change makes a new snapshot, and {@link #of} refuses one that
 * is inconsistent (a cycle in the nesting, a member or trustee that does not exist, two
 * servers with one FQDN or one Kerberos principal) with a message that names both ends, so a
 * running server keeps its last good directory.
 * <p>
 * Built in, and not to be defined: {@code group:organization-servers} (every server, the
 * analogue of Exchange Domain Servers), {@code group:authenticated-users} (every user and
 * server that proved who it is), {@code group:everyone}, {@code group:relay-networks} (a
 * session's: its client connects from a relay network), and the {@code anonymous} principal.
 */
public final class Directory {

    public static final String ORGANIZATION_SERVERS = "organization-servers";
    public static final String AUTHENTICATED_USERS = "authenticated-users";
    public static final String EVERYONE = "everyone";
    /** A session's group: clients connecting from a relay network of the virtual server (baton.yml's relayNetworks). */
    public static final String RELAY_NETWORKS = "relay-networks";
    static final Set<String> BUILT_IN_GROUPS = Set.of(ORGANIZATION_SERVERS, AUTHENTICATED_USERS, EVERYONE, RELAY_NETWORKS);

    /**
     * The organization: its name, the domains it accepts mail for, and its Kerberos realm (or
     * null: then every server names its principal itself, or has none).
     */
    public record Organization(String name, List<String> acceptedDomains, String realm) {
        public Organization {
            acceptedDomains = acceptedDomains.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
            realm = realm == null || realm.isBlank() ? null : realm.toUpperCase(Locale.ROOT);
        }

        public Organization(String name, List<String> acceptedDomains) {
            this(name, acceptedDomains, null);
        }
    }

    /**
     * A server of the organization: its FQDN, its Kerberos principal, the virtual servers it runs,
     * and where the others reach its SMTP ({@code smtp}: {@code host:port} or {@code [address]:port};
     * null for its FQDN on port 25).
     */
    public record Server(String name, String fqdn, String principal, List<String> virtualServers, String smtp) {
        public Server {
            name = name.toLowerCase(Locale.ROOT);
            virtualServers = virtualServers.stream().map(v -> v.toLowerCase(Locale.ROOT)).toList();
            smtp = smtp == null || smtp.isBlank() ? null : smtp.trim();
        }

        public Server(String name, String fqdn, String principal, List<String> virtualServers) {
            this(name, fqdn, principal, virtualServers, null);
        }

        /** The host of {@link #smtp()} (an address literal keeps its brackets), else the FQDN. */
        public String smtpHost() {
            if (smtp == null) {
                return fqdn;
            }
            int colon = smtp.lastIndexOf(':');
            return colon > 0 && colon > smtp.lastIndexOf(']') ? smtp.substring(0, colon) : smtp;
        }

        /** The port of {@link #smtp()}, else 25. */
        public int smtpPort() {
            if (smtp == null) {
                return 25;
            }
            int colon = smtp.lastIndexOf(':');
            return colon > 0 && colon > smtp.lastIndexOf(']') ? Integer.parseInt(smtp.substring(colon + 1)) : 25;
        }

        /**
         * Why an {@code smtp} value is no host:port, or null when it is one: a host name or an
         * address literal in brackets, and an optional port 1-65535.
         */
        public static String checkSmtp(String smtp) {
            if (smtp == null) {
                return null;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern
                    .compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:([0-9]{1,5}))?").matcher(smtp.trim());
            if (!m.matches() || m.group(4) != null && (Integer.parseInt(m.group(4)) < 1 || Integer.parseInt(m.group(4)) > 65535)) {
                return "\"" + smtp + "\" is not host:port (examples: mail2.example.test:25, [127.0.0.1]:2626)";
            }
            return null;
        }

        /** {@code smtp/<fqdn>@REALM}: the principal Kerberos gives this server. */
        public static String principalFor(String fqdn, String realm) {
            return "smtp/" + fqdn.toLowerCase(Locale.ROOT) + "@" + realm.toUpperCase(Locale.ROOT);
        }
    }

    /**
     * A user: the home server, addresses (the first is primary, the rest aliases), a slow salted
     * password hash or none, and the SCRAM-SHA-256 credential made from the same password
     * ({@link ScramCredential#encode()}) or none. Both are set together ({@code baton org
     * password}); a directory written before SCRAM has only the hash, and SCRAM fails for such a
     * user until the password is set again.
     */
    public record User(String name, String homeServer, List<String> addresses, String passwordHash, String scram) {
        public User {
            name = name.toLowerCase(Locale.ROOT);
            homeServer = homeServer == null ? null : homeServer.toLowerCase(Locale.ROOT);
            addresses = List.copyOf(addresses);
        }

        /** A user without a SCRAM credential. */
        public User(String name, String homeServer, List<String> addresses, String passwordHash) {
            this(name, homeServer, addresses, passwordHash, null);
        }

        @Override
        public String toString() {
            return "User[" + name + ", home " + homeServer + ", " + addresses + (passwordHash == null ? "" : ", password set")
                    + (scram == null ? "" : ", SCRAM set") + "]";
        }
    }

    /** A security group: its members are servers, users and other groups, nested however deep. */
    public record Group(String name, List<Member> members) {
        public Group {
            name = name.toLowerCase(Locale.ROOT);
            members = List.copyOf(members);
        }
    }

    /** Who hears about a distribution group's deliveries (its delivery-report setting). */
    public enum DeliveryReports { SENDER, OWNER, NONE }

    /**
     * A distribution group: an address that expands to its members. The model is here; the
     * expansion comes with the property relay (SYSTEM.md 3).
     */
    public record DistributionGroup(String name, String address, List<Member> members, Member owner, List<Member> allowedSenders,
            boolean hiddenMembership, DeliveryReports reports) {
        public DistributionGroup {
            name = name.toLowerCase(Locale.ROOT);
            members = List.copyOf(members);
            allowedSenders = List.copyOf(allowedSenders);
        }
    }

    /**
     * A way out of the organization: the address space it serves, a smarthost or MX, and
     * whether the far side is trusted with message properties (default no).
     */
    public record Connector(String name, List<String> addressSpaces, String smarthost, boolean trustedWithProperties) {
        public Connector {
            name = name.toLowerCase(Locale.ROOT);
            addressSpaces = addressSpaces.stream().map(a -> a.toLowerCase(Locale.ROOT)).toList();
        }

        /** No smarthost: the next hop comes from MX. */
        public boolean viaMx() {
            return smarthost == null;
        }
    }

    private final Organization organization;
    private final Map<String, Server> servers;
    private final Map<String, User> users;
    private final Map<String, Group> groups;
    private final Map<String, DistributionGroup> distributionGroups;
    private final Map<String, Connector> connectors;
    private final List<AccessEntry> entries;

    private Directory(Organization organization, Map<String, Server> servers, Map<String, User> users, Map<String, Group> groups,
            Map<String, DistributionGroup> distributionGroups, Map<String, Connector> connectors, List<AccessEntry> entries) {
        this.organization = organization;
        this.servers = servers;
        this.users = users;
        this.groups = groups;
        this.distributionGroups = distributionGroups;
        this.connectors = connectors;
        this.entries = entries;
    }

    /**
     * Checks and builds a snapshot. The built-in entries (organization-servers may relay,
     * accept and send properties on the organization) come first, then the given ones.
     *
     * @throws DirectoryException naming what is inconsistent, and both ends of it
     */
    public static Directory of(Organization organization, List<Server> servers, List<User> users, List<Group> groups,
            List<DistributionGroup> distributionGroups, List<Connector> connectors, List<AccessEntry> entries)
            throws DirectoryException {
        Map<String, Server> s = unique("server", servers, Server::name);
        Map<String, User> u = unique("user", users, User::name);
        Map<String, Group> g = unique("group", groups, Group::name);
        Map<String, DistributionGroup> dg = unique("distribution group", distributionGroups, DistributionGroup::name);
        Map<String, Connector> c = unique("connector", connectors, Connector::name);
        for (String reserved : BUILT_IN_GROUPS) {
            if (g.containsKey(reserved)) {
                throw new DirectoryException("group \"" + reserved + "\" is built in and cannot be defined");
            }
        }
        sameValue("FQDN", servers, Server::fqdn);
        sameValue("Kerberos principal", servers.stream().filter(x -> x.principal() != null).toList(), Server::principal);
        Map<String, String> owners = new HashMap<>(); // address -> "user x" / "distribution group y"
        for (User user : users) {
            for (String a : user.addresses()) {
                claim(owners, a, "user \"" + user.name() + "\"");
            }
        }
        for (DistributionGroup group : distributionGroups) {
            claim(owners, group.address(), "distribution group \"" + group.name() + "\"");
        }
        for (User user : users) {
            if (user.homeServer() != null && !s.containsKey(user.homeServer())) {
                throw new DirectoryException("user \"" + user.name() + "\" has home server \"" + user.homeServer()
                        + "\", which is not a server of the organization");
            }
        }
        Directory d = new Directory(organization, s, u, g, dg, c, withBuiltIns(entries));
        for (Group group : groups) {
            for (Member m : group.members()) {
                d.requireExists(m, "group \"" + group.name() + "\" lists member " + m);
            }
        }
        for (DistributionGroup group : distributionGroups) {
            for (Member m : group.members()) {
                if (!(m.kind() == Member.Kind.GROUP && dg.containsKey(m.name()))) {
                    d.requireExists(m, "distribution group \"" + group.name() + "\" lists member " + m);
                }
            }
            if (group.owner() != null) {
                d.requireExists(group.owner(), "distribution group \"" + group.name() + "\" has owner " + group.owner());
            }
            for (Member m : group.allowedSenders()) {
                d.requireExists(m, "distribution group \"" + group.name() + "\" allows sender " + m);
            }
        }
        for (AccessEntry e : entries) {
            d.requireExists(e.trustee(), "the entry \"" + e + "\" names trustee " + e.trustee());
            if (e.on().server() != null) {
                Server on = s.get(e.on().server());
                if (on == null) {
                    throw new DirectoryException("the entry \"" + e + "\" is set on server \"" + e.on().server()
                            + "\", which is not a server of the organization");
                }
                if (e.on().virtualServer() != null && !on.virtualServers().contains(e.on().virtualServer())) {
                    throw new DirectoryException("the entry \"" + e + "\" is set on virtual server \"" + e.on().virtualServer()
                            + "\", which server \"" + on.name() + "\" does not run (it runs " + on.virtualServers() + ")");
                }
            }
        }
        d.refuseCycles();
        return d;
    }

    private static void claim(Map<String, String> owners, String address, String who) throws DirectoryException {
        String other = owners.putIfAbsent(address.toLowerCase(Locale.ROOT), who);
        if (other != null && !other.equals(who)) {
            throw new DirectoryException(other + " and " + who + " have the same address " + address + "; an address belongs to one");
        }
    }

    private static final int BUILT_IN_ENTRIES = 3;

    private static List<AccessEntry> withBuiltIns(List<AccessEntry> entries) {
        List<AccessEntry> all = new ArrayList<>();
        Member servers = Member.group(ORGANIZATION_SERVERS);
        for (Right r : List.of(Right.RELAY, Right.ACCEPT_PROPERTIES, Right.SEND_PROPERTIES)) {
            all.add(new AccessEntry(true, servers, r, Scope.ORGANIZATION));
        }
        all.addAll(entries);
        return List.copyOf(all);
    }

    private interface Key<T> {
        String of(T t);
    }

    private static <T> Map<String, T> unique(String what, Collection<T> items, Key<T> name) throws DirectoryException {
        Map<String, T> m = new LinkedHashMap<>();
        for (T t : items) {
            String n = name.of(t);
            if (n == null || n.isBlank()) {
                throw new DirectoryException("a " + what + " without a name: " + t);
            }
            if (m.putIfAbsent(n, t) != null) {
                throw new DirectoryException("two " + what + "s are named \"" + n + "\"");
            }
        }
        return m;
    }

    private static void sameValue(String what, List<Server> servers, Key<Server> value) throws DirectoryException {
        Map<String, Server> seen = new HashMap<>();
        for (Server server : servers) {
            String v = value.of(server).toLowerCase(Locale.ROOT);
            Server other = seen.putIfAbsent(v, server);
            if (other != null) {
                throw new DirectoryException("servers \"" + other.name() + "\" and \"" + server.name() + "\" have the same " + what
                        + " " + value.of(server) + "; each server needs its own");
            }
        }
    }

    private void requireExists(Member m, String where) throws DirectoryException {
        boolean exists = switch (m.kind()) {
            case SERVER -> servers.containsKey(m.name());
            case USER -> users.containsKey(m.name());
            case GROUP -> groups.containsKey(m.name()) || BUILT_IN_GROUPS.contains(m.name());
            case ANONYMOUS -> true;
        };
        if (!exists) {
            throw new DirectoryException(where + ", which is not in the directory");
        }
    }

    /**
     * Depth-first through group nesting, with an explicit stack (a chain may be thousands
     * deep); a group met again on the current path is a cycle, named whole.
     */
    private void refuseCycles() throws DirectoryException {
        Map<String, Integer> state = new HashMap<>(); // 1 on the path, 2 done
        for (String start : groups.keySet()) {
            if (state.containsKey(start)) {
                continue;
            }
            List<String> path = new ArrayList<>();
            List<Integer> next = new ArrayList<>(); // per path entry: the index of the member to look at next
            path.add(start);
            next.add(0);
            state.put(start, 1);
            while (!path.isEmpty()) {
                int top = path.size() - 1;
                String group = path.get(top);
                List<Member> members = groups.get(group).members();
                int i = next.get(top);
                if (i == members.size()) {
                    state.put(group, 2);
                    path.remove(top);
                    next.remove(top);
                    continue;
                }
                next.set(top, i + 1);
                Member m = members.get(i);
                if (m.kind() != Member.Kind.GROUP || BUILT_IN_GROUPS.contains(m.name())) {
                    continue;
                }
                Integer st = state.get(m.name());
                if (st != null && st == 1) {
                    // named from its first group by name, so the message does not depend on the order groups are listed in
                    List<String> ring = new ArrayList<>(path.subList(path.indexOf(m.name()), path.size()));
                    java.util.Collections.rotate(ring, -ring.indexOf(java.util.Collections.min(ring)));
                    List<String> cycle = new ArrayList<>(ring);
                    cycle.add(ring.get(0));
                    throw new DirectoryException("group nesting has a cycle: group \"" + ring.get(ring.size() - 1)
                            + "\" contains group \"" + ring.get(0) + "\", which contains it again (" + String.join(" > ", cycle.stream().map(x -> "group:" + x).toList())
                            + ")");
                }
                if (st == null) {
                    state.put(m.name(), 1);
                    path.add(m.name());
                    next.add(0);
                }
            }
        }
    }

    public Organization organization() {
        return organization;
    }

    public Map<String, Server> servers() {
        return java.util.Collections.unmodifiableMap(servers);
    }

    public Map<String, User> users() {
        return java.util.Collections.unmodifiableMap(users);
    }

    public Map<String, Group> groups() {
        return java.util.Collections.unmodifiableMap(groups);
    }

    public Map<String, DistributionGroup> distributionGroups() {
        return java.util.Collections.unmodifiableMap(distributionGroups);
    }

    public Map<String, Connector> connectors() {
        return java.util.Collections.unmodifiableMap(connectors);
    }

    /** Every entry, the built-in ones first. */
    public List<AccessEntry> entries() {
        return entries;
    }

    /** The entries the directory defines: every entry but the built-in ones (what a backend stores). */
    public List<AccessEntry> definedEntries() {
        return entries.subList(BUILT_IN_ENTRIES, entries.size());
    }

    /** Two snapshots are equal when they hold the same organization, objects and entries, in the same order. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Directory d && organization.equals(d.organization) && servers.equals(d.servers) && users.equals(d.users)
                && groups.equals(d.groups) && distributionGroups.equals(d.distributionGroups) && connectors.equals(d.connectors)
                && entries.equals(d.entries);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(organization, servers, users, groups, entries);
    }

    /**
     * What changed from this snapshot to {@code next}, one line each ("added group partners",
     * "group partners: added member server:edge", "removed the entry ..."), for the log and the
     * event of a change. Passwords are only said to have changed.
     */
    public List<String> changesTo(Directory next) {
        List<String> out = new ArrayList<>();
        if (!organization.name().equals(next.organization.name())) {
            out.add("organization renamed " + organization.name() + " -> " + next.organization.name());
        }
        for (String d : next.organization.acceptedDomains()) {
            if (!organization.acceptedDomains().contains(d)) {
                out.add("accepted domain added: " + d);
            }
        }
        for (String d : organization.acceptedDomains()) {
            if (!next.organization.acceptedDomains().contains(d)) {
                out.add("accepted domain removed: " + d);
            }
        }
        if (!java.util.Objects.equals(organization.realm(), next.organization.realm())) {
            out.add("realm " + organization.realm() + " -> " + next.organization.realm());
        }
        compare(out, "server", servers, next.servers, (a, b) -> List.of(a + " -> " + b));
        compare(out, "user", users, next.users, (a, b) -> {
            List<String> l = new ArrayList<>();
            if (!java.util.Objects.equals(a.homeServer(), b.homeServer())) {
                l.add("home server " + a.homeServer() + " -> " + b.homeServer());
            }
            if (!a.addresses().equals(b.addresses())) {
                l.add("addresses " + a.addresses() + " -> " + b.addresses());
            }
            if (!java.util.Objects.equals(a.passwordHash(), b.passwordHash()) || !java.util.Objects.equals(a.scram(), b.scram())) {
                l.add("password changed");
            }
            return l;
        });
        compare(out, "group", groups, next.groups, (a, b) -> {
            List<String> l = new ArrayList<>();
            b.members().stream().filter(m -> !a.members().contains(m)).forEach(m -> l.add("added member " + m));
            a.members().stream().filter(m -> !b.members().contains(m)).forEach(m -> l.add("removed member " + m));
            return l;
        });
        compare(out, "distribution group", distributionGroups, next.distributionGroups, (a, b) -> List.of("changed"));
        compare(out, "connector", connectors, next.connectors, (a, b) -> List.of("changed"));
        next.entries.stream().filter(e -> !entries.contains(e)).forEach(e -> out.add("added the entry \"" + e + "\""));
        entries.stream().filter(e -> !next.entries.contains(e)).forEach(e -> out.add("removed the entry \"" + e + "\""));
        return out;
    }

    private interface Diff<T> {
        List<String> of(T before, T after);
    }

    private static <T> void compare(List<String> out, String what, Map<String, T> before, Map<String, T> after, Diff<T> diff) {
        for (Map.Entry<String, T> e : after.entrySet()) {
            T old = before.get(e.getKey());
            if (old == null) {
                out.add("added " + what + " " + e.getKey());
            } else if (!old.equals(e.getValue())) {
                diff.of(old, e.getValue()).forEach(d -> out.add(what + " " + e.getKey() + ": " + d));
            }
        }
        for (String k : before.keySet()) {
            if (!after.containsKey(k)) {
                out.add("removed " + what + " " + k);
            }
        }
    }

    /** A one-line summary for logs and events: how many of each. */
    public String summary() {
        return organization.name() + ": " + servers.size() + " servers, " + users.size() + " users, " + groups.size() + " groups, "
                + distributionGroups.size() + " distribution groups, " + connectors.size() + " connectors, "
                + definedEntries().size() + " entries";
    }

    private volatile Map<String, User> byAddress;

    /** The user with this address (primary or alias, compared without regard to case), or null. */
    public User userByAddress(String address) {
        Map<String, User> m = byAddress;
        if (m == null) {
            m = new HashMap<>();
            for (User u : users.values()) {
                for (String a : u.addresses()) {
                    m.putIfAbsent(a.toLowerCase(Locale.ROOT), u);
                }
            }
            byAddress = m; // built once per snapshot; a race builds the same map twice
        }
        return m.get(address.toLowerCase(Locale.ROOT));
    }

    /** The server with this Kerberos principal (X-EXPS maps a ticket to a server with it), or null. */
    public Server serverByPrincipal(String principal) {
        for (Server s : servers.values()) {
            if (s.principal() != null && s.principal().equalsIgnoreCase(principal)) {
                return s;
            }
        }
        return null;
    }
}
