package dev.baton.org;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One change an administrator makes to the directory ({@code baton org add|remove|allow|deny}).
 * Applying it makes a new snapshot, checked whole: a change that would leave the directory
 * inconsistent is refused with the reason, and nothing is stored. Removing an object removes
 * what only made sense with it (its memberships, the entries naming it as trustee or set on
 * it), as deleting an object from a directory does; {@link #describe} says what went with it.
 */
public sealed interface DirectoryChange {

    /** @throws DirectoryException when the change does not fit the directory (naming why) */
    Directory applyTo(Directory d) throws DirectoryException;

    /** What the change does, in words, for the command's answer and the event log. */
    String describe();

    record AddServer(Directory.Server server) implements DirectoryChange {
        @Override
        public Directory applyTo(Directory d) throws DirectoryException {
            if (d.servers().containsKey(server.name())) {
                throw new DirectoryException("server \"" + server.name() + "\" is in the directory already");
            }
            Directory.Server s = server;
            if (s.principal() == null && d.organization().realm() != null) {
                s = new Directory.Server(s.name(), s.fqdn(), Directory.Server.principalFor(s.fqdn(), d.organization().realm()),
                        s.virtualServers(), s.smtp());
            }
            DirectoryParts p = new DirectoryParts(d);
            p.servers.put(s.name(), s);
            return p.build();
        }

        @Override
        public String describe() {
            return "add server " + server.name() + " (" + server.fqdn() + ")";
        }
    }

    record RemoveServer(String name) implements DirectoryChange {
        @Override
        public Directory applyTo(Directory d) throws DirectoryException {
            String n = name.toLowerCase(Locale.ROOT);
            if (!d.servers().containsKey(n)) {
                throw new DirectoryException("server \"" + n + "\" is not in the directory");
            }
            for (Directory.User u : d.users().values()) {
                if (n.equals(u.homeServer())) {
                    throw new DirectoryException("server \"" + n + "\" is the home server of user \"" + u.name()
                            + "\"; move the user's mailbox to another server first");
                }
            }
            DirectoryParts p = new DirectoryParts(d);
            p.servers.remove(n);
            p.forget(Member.server(n));
            p.entries.removeIf(e -> n.equals(e.on().server()));
            return p.build();
        }

        @Override
        public String describe() {
            return "remove server " + name + " (with its group memberships and the entries naming it or set on it)";
        }
    }

    record AddUser(Directory.User user) implements DirectoryChange {
        @Override
        public Directory applyTo(Directory d) throws DirectoryException {
            if (d.users().containsKey(user.name())) {
                throw new DirectoryException("user \"" + user.name() + "\" is in the directory already");
            }
            DirectoryParts p = new DirectoryParts(d);
            p.users.put(user.name(), user);
            return p.build();
        }

        @Override
        public String describe() {
            return "add user " + user.name() + " " + user.addresses();
        }
    }

    record RemoveUser(String name) implements DirectoryChange {
        @Override
        public Directory applyTo(Directory d) throws DirectoryException {
            String n = name.toLowerCase(Locale.ROOT);
            if (!d.users().containsKey(n)) {
                throw new DirectoryException("user \"" + n + "\" is not in the directory");
            }
            DirectoryParts p = new DirectoryParts(d);
            p.users.remove(n);
            p.forget(Member.user(n));
            return p.build();
        }

        @Override
        public String describe() {
            return "remove user " + name + " (with its group memberships and the entries naming it)";
        }
    }

    /** Sets (or, with nulls, clears) a user's password hash and SCRAM credential, made from one password. */
    record SetPassword(String user, String passwordHash, String scram) implements DirectoryChange {
        /** Only the hash, no SCRAM credential. */
        public SetPassword(String user, String passwordHash) {
            this(user, passwordHash, null);
        }

        @Override
        public Directory applyTo(Directory d) throws DirectoryException {
            String n = user.toLowerCase(Locale.ROOT);
            Directory.User u = d.users().get(n);
            if (u == null) {
                throw new DirectoryException("user \"" + n + "\" is not in the directory");
            }
            DirectoryParts p = new DirectoryParts(d);
            p.users.put(n, new Directory.User(u.name(), u.homeServer(), u.addresses(), passwordHash, scram));
            return p.build();
        }

        @Override
        public String describe() {
            return (passwordHash == null ? "clear the password of user " : "set the password of user ") + user;
        }
    }

    record AddGroup(String name, List<Member> members) implements DirectoryChange {
        public AddGroup {
            name = name.toLowerCase(Locale.ROOT);
            members = List.copyOf(members);
        }

        @Override
        public Directory applyTo(Directory d) throws DirectoryException {
            if (d.groups().containsKey(name)) {
                throw new DirectoryException("group \"" + name + "\" is in the directory already");
            }
            DirectoryParts p = new DirectoryParts(d);
            p.groups.put(name, new Directory.Group(name, members));
            return p.build();
        }

        @Override
        public String describe() {
            return "add group " + name + (members.isEmpty() ? "" : " with " + members);
        }
    }

    record RemoveGroup(String name) implements DirectoryChange {
        @Override
        public Directory applyTo(Directory d) throws DirectoryException {
            String n = name.toLowerCase(Locale.ROOT);
            if (Directory.BUILT_IN_GROUPS.contains(n)) {
                throw new DirectoryException("group \"" + n + "\" is built in and cannot be removed");
            }
            if (!d.groups().containsKey(n)) {
                throw new DirectoryException("group \"" + n + "\" is not in the directory");
            }
            DirectoryParts p = new DirectoryParts(d);
            p.groups.remove(n);
            p.forget(Member.group(n));
            return p.build();
        }

        @Override
        public String describe() {
            return "remove group " + name + " (with its memberships in other groups and the entries naming it)";
        }
    }

    record AddMember(String group, Member member) implements DirectoryChange {
        @Override
        public Directory applyTo(Directory d) throws DirectoryException {
            Directory.Group g = definedGroup(d, group);
            if (g.members().contains(member)) {
                throw new DirectoryException("group \"" + g.name() + "\" has member " + member + " already");
            }
            List<Member> members = new ArrayList<>(g.members());
            members.add(member);
            DirectoryParts p = new DirectoryParts(d);
            p.groups.put(g.name(), new Directory.Group(g.name(), members));
            return p.build();
        }

        @Override
        public String describe() {
            return "add " + member + " to group " + group;
        }
    }

    record RemoveMember(String group, Member member) implements DirectoryChange {
        @Override
        public Directory applyTo(Directory d) throws DirectoryException {
            Directory.Group g = definedGroup(d, group);
            if (!g.members().contains(member)) {
                throw new DirectoryException("group \"" + g.name() + "\" has no member " + member + " (its members: "
                        + g.members() + ")");
            }
            List<Member> members = new ArrayList<>(g.members());
            members.remove(member);
            DirectoryParts p = new DirectoryParts(d);
            p.groups.put(g.name(), new Directory.Group(g.name(), members));
            return p.build();
        }

        @Override
        public String describe() {
            return "remove " + member + " from group " + group;
        }
    }

    record AddEntry(AccessEntry entry) implements DirectoryChange {
        @Override
        public Directory applyTo(Directory d) throws DirectoryException {
            if (d.definedEntries().contains(entry)) {
                throw new DirectoryException("the entry \"" + entry + "\" is in the directory already");
            }
            DirectoryParts p = new DirectoryParts(d);
            p.entries.add(entry);
            return p.build();
        }

        @Override
        public String describe() {
            return "add the entry \"" + entry + "\"";
        }
    }

    record RemoveEntry(AccessEntry entry) implements DirectoryChange {
        @Override
        public Directory applyTo(Directory d) throws DirectoryException {
            if (!d.definedEntries().contains(entry)) {
                throw new DirectoryException(d.entries().contains(entry)
                        ? "the entry \"" + entry + "\" is built in and cannot be removed (a deny entry overrides it)"
                        : "the entry \"" + entry + "\" is not in the directory");
            }
            DirectoryParts p = new DirectoryParts(d);
            p.entries.remove(entry);
            return p.build();
        }

        @Override
        public String describe() {
            return "remove the entry \"" + entry + "\"";
        }
    }

    /** Adds or removes an accepted domain of the organization. */
    record AcceptedDomain(String domain, boolean add) implements DirectoryChange {
        public AcceptedDomain {
            domain = domain.toLowerCase(Locale.ROOT);
        }

        @Override
        public Directory applyTo(Directory d) throws DirectoryException {
            List<String> domains = new ArrayList<>(d.organization().acceptedDomains());
            if (add == domains.contains(domain)) {
                throw new DirectoryException(add ? "the organization accepts " + domain + " already"
                        : "the organization does not accept " + domain + " (it accepts " + domains + ")");
            }
            if (add) {
                domains.add(domain);
            } else {
                domains.remove(domain);
            }
            DirectoryParts p = new DirectoryParts(d);
            p.organization = new Directory.Organization(d.organization().name(), domains, d.organization().realm());
            return p.build();
        }

        @Override
        public String describe() {
            return (add ? "accept mail for " : "stop accepting mail for ") + domain;
        }
    }

    private static Directory.Group definedGroup(Directory d, String name) throws DirectoryException {
        String n = name.toLowerCase(Locale.ROOT);
        if (Directory.BUILT_IN_GROUPS.contains(n)) {
            throw new DirectoryException("group \"" + n + "\" is built in: its members follow from the directory and the session"
                    + " (docs/directory.md)");
        }
        Directory.Group g = d.groups().get(n);
        if (g == null) {
            throw new DirectoryException("group \"" + n + "\" is not in the directory");
        }
        return g;
    }
}
