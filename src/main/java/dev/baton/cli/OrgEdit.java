package dev.baton.cli;

import dev.baton.node.Problems;
import dev.baton.org.AccessEntry;
import dev.baton.org.Directory;
import dev.baton.org.DirectoryChange;
import dev.baton.org.DirectoryException;
import dev.baton.org.DirectoryStore;
import dev.baton.org.Member;
import dev.baton.org.Passwords;
import dev.baton.org.ScramCredential;
import dev.baton.org.Right;
import dev.baton.org.Scope;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code baton org add|remove|allow|deny|password}: changes to the directory, each checked
 * whole before it is stored (a change that would leave the directory inconsistent is refused
 * and nothing is written), in org.yml or LDAP alike. Running servers pick a change up at their
 * next poll.
 */
final class OrgEdit {

    private OrgEdit() {
    }

    /** Applies one change and says what it did, or why it was refused (exit 1). */
    static int apply(OrgCommand.DirectoryOptions where, CommandSpec spec, DirectoryChange change) {
        try (DirectoryStore store = where.store()) {
            store.apply(change);
            PrintWriter out = spec.commandLine().getOut();
            out.println("changed " + store.describe() + ": " + change.describe());
            out.println("running servers take it up within " + seconds(store.pollInterval()));
            out.flush();
            return 0;
        } catch (DirectoryException e) {
            spec.commandLine().getErr().println("baton: the change is refused, nothing was stored: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            throw new UserError("cannot change the directory: " + Problems.describe(e));
        }
    }

    private static String seconds(java.time.Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    static Member member(String s) {
        try {
            return Member.parse(s);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    static Scope scope(String s) {
        try {
            return Scope.parse(s);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    static Right right(String s) {
        Right r = Right.parse(s);
        if (r == null) {
            throw new UserError("\"" + s + "\" is not a right (one of " + Right.names() + ")");
        }
        return r;
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Adds a server, user, group, group member or accepted domain.",
            subcommands = {AddServer.class, AddUser.class, AddGroup.class, AddMember.class, AddDomain.class})
    static final class Add implements Runnable {
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Removes a server, user, group, group member, entry or accepted domain.",
            subcommands = {RemoveServer.class, RemoveUser.class, RemoveGroup.class, RemoveMember.class, RemoveEntry.class,
                RemoveDomain.class})
    static final class Remove implements Runnable {
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(spec.commandLine().getOut());
        }
    }

    @Command(name = "server", mixinStandardHelpOptions = true,
            description = "Adds a server to the organization; it is one of group:organization-servers at once.",
            footer = "%nExample: baton org add server branch --fqdn branch.example.test --virtual-server default")
    static final class AddServer implements Callable<Integer> {
        @Mixin
        OrgCommand.DirectoryOptions where;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Option(names = "--fqdn", required = true, description = "The name it greets with, and the one others reach it by")
        String fqdn;
        @Option(names = "--principal", description = "Its Kerberos principal. Default: smtp/FQDN@REALM when the directory has a realm")
        String principal;
        @Option(names = "--virtual-server", paramLabel = "NAME", description = "A virtual server it runs (repeat). Default: default")
        List<String> virtualServers;
        @Option(names = "--smtp", paramLabel = "HOST:PORT",
                description = "Where the organization's servers reach its SMTP ([127.0.0.1]:2626, mail2.example.test:25). Default: FQDN:25")
        String smtp;

        @Override
        public Integer call() {
            if (Directory.Server.checkSmtp(smtp) != null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--smtp: " + Directory.Server.checkSmtp(smtp));
            }
            return apply(where, spec, new DirectoryChange.AddServer(new Directory.Server(name, fqdn, principal,
                    virtualServers == null ? List.of("default") : virtualServers, smtp)));
        }
    }

    @Command(name = "user", mixinStandardHelpOptions = true,
            description = {"Adds a user: addresses (the first is primary), a home server, and with --password-stdin a password,",
                "stored as an Argon2id hash (read from standard input, one line; never on the command line)."},
            footer = "%nExample: echo 's3cret' | baton org add user alice --address alice@example.test --home hub --password-stdin")
    static final class AddUser implements Callable<Integer> {
        @Mixin
        OrgCommand.DirectoryOptions where;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Option(names = "--address", required = true, paramLabel = "ADDRESS", description = "An address (repeat; the first is primary)")
        List<String> addresses;
        @Option(names = "--home", paramLabel = "SERVER", description = "The server holding the mailbox")
        String home;
        @Option(names = "--password-stdin", description = "Read the password from standard input")
        boolean passwordStdin;

        @Override
        public Integer call() throws IOException {
            String[] secrets = passwordStdin ? readPassword() : new String[2];
            return apply(where, spec, new DirectoryChange.AddUser(new Directory.User(name, home, addresses, secrets[0], secrets[1])));
        }
    }

    @Command(name = "password", mixinStandardHelpOptions = true,
            description = "Sets a user's password from standard input (one line), stored as an Argon2id hash and a SCRAM-SHA-256"
                    + " credential; --clear removes both.",
            footer = "%nExample: printf '%%s\\n' 'n3w-s3cret' | baton org password alice")
    static final class Password implements Callable<Integer> {
        @Mixin
        OrgCommand.DirectoryOptions where;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "USER")
        String user;
        @Option(names = "--clear", description = "Remove the password (the user can then not authenticate with one)")
        boolean clear;

        @Override
        public Integer call() throws IOException {
            String[] secrets = clear ? new String[2] : readPassword();
            return apply(where, spec, new DirectoryChange.SetPassword(user, secrets[0], secrets[1]));
        }
    }

    /** The password from standard input as what is stored of it: the Argon2id hash and the SCRAM-SHA-256 credential. */
    private static String[] readPassword() throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line = in.readLine();
        if (line == null || line.isEmpty()) {
            throw new UserError("no password on standard input (give it as one line)");
        }
        char[] pw = line.toCharArray();
        try {
            return new String[] {Passwords.hash(pw), ScramCredential.create(pw).encode()};
        } finally {
            Arrays.fill(pw, '\0');
        }
    }

    @Command(name = "group", mixinStandardHelpOptions = true, description = "Adds a security group (members: servers, users, groups).",
            footer = "%nExample: baton org add group partners --member server:branch --member group:branches")
    static final class AddGroup implements Callable<Integer> {
        @Mixin
        OrgCommand.DirectoryOptions where;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;
        @Option(names = "--member", paramLabel = "MEMBER", description = "server:NAME, user:NAME or group:NAME (repeat)")
        List<String> members;

        @Override
        public Integer call() {
            return apply(where, spec, new DirectoryChange.AddGroup(name,
                    members == null ? List.of() : members.stream().map(OrgEdit::member).toList()));
        }
    }

    @Command(name = "member", mixinStandardHelpOptions = true, description = "Adds a member to a security group.",
            footer = "%nExample: baton org add member partners server:edge")
    static final class AddMember extends GroupMember {
        @Override
        DirectoryChange change(String group, Member member) {
            return new DirectoryChange.AddMember(group, member);
        }
    }

    @Command(name = "domain", mixinStandardHelpOptions = true, description = "Adds an accepted domain of the organization.",
            footer = "%nExample: baton org add domain example.test")
    static final class AddDomain implements Callable<Integer> {
        @Mixin
        OrgCommand.DirectoryOptions where;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "DOMAIN")
        String domain;

        @Override
        public Integer call() {
            if (!domain.matches("(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
                throw new UserError("\"" + domain + "\" is not a domain name (example: example.test)");
            }
            return apply(where, spec, new DirectoryChange.AcceptedDomain(domain, true));
        }
    }

    @Command(name = "server", mixinStandardHelpOptions = true,
            description = "Removes a server, with its group memberships and the entries naming it or set on it.",
            footer = "%nExample: baton org remove server branch")
    static final class RemoveServer extends ByName {
        @Override
        DirectoryChange change(String name) {
            return new DirectoryChange.RemoveServer(name);
        }
    }

    @Command(name = "user", mixinStandardHelpOptions = true, description = "Removes a user, with its group memberships and entries.",
            footer = "%nExample: baton org remove user alice")
    static final class RemoveUser extends ByName {
        @Override
        DirectoryChange change(String name) {
            return new DirectoryChange.RemoveUser(name);
        }
    }

    @Command(name = "group", mixinStandardHelpOptions = true,
            description = "Removes a security group, with its memberships in other groups and the entries naming it.",
            footer = "%nExample: baton org remove group partners")
    static final class RemoveGroup extends ByName {
        @Override
        DirectoryChange change(String name) {
            return new DirectoryChange.RemoveGroup(name);
        }
    }

    @Command(name = "member", mixinStandardHelpOptions = true, description = "Removes a member from a security group.",
            footer = "%nExample: baton org remove member partners server:edge")
    static final class RemoveMember extends GroupMember {
        @Override
        DirectoryChange change(String group, Member member) {
            return new DirectoryChange.RemoveMember(group, member);
        }
    }

    @Command(name = "entry", mixinStandardHelpOptions = true, description = "Removes an access control entry, written as it was set.",
            footer = "%nExample: baton org remove entry deny relay --to group:quarantine --on organization")
    static final class RemoveEntry implements Callable<Integer> {
        @Mixin
        OrgCommand.DirectoryOptions where;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "allow|deny")
        String kind;
        @Parameters(index = "1", paramLabel = "RIGHT")
        String right;
        @Option(names = "--to", required = true, paramLabel = "TRUSTEE")
        String to;
        @Option(names = "--on", defaultValue = "organization", paramLabel = "OBJECT")
        String on;

        @Override
        public Integer call() {
            boolean allow = switch (kind.toLowerCase(java.util.Locale.ROOT)) {
                case "allow" -> true;
                case "deny" -> false;
                default -> throw new UserError("\"" + kind + "\": write allow or deny");
            };
            return apply(where, spec, new DirectoryChange.RemoveEntry(new AccessEntry(allow, member(to), right(right), scope(on))));
        }
    }

    @Command(name = "domain", mixinStandardHelpOptions = true, description = "Stops accepting mail for a domain.",
            footer = "%nExample: baton org remove domain old.example.test")
    static final class RemoveDomain implements Callable<Integer> {
        @Mixin
        OrgCommand.DirectoryOptions where;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "DOMAIN")
        String domain;

        @Override
        public Integer call() {
            return apply(where, spec, new DirectoryChange.AcceptedDomain(domain, false));
        }
    }

    /** The commands that name one object: remove server|user|group NAME. */
    abstract static class ByName implements Callable<Integer> {
        @Mixin
        OrgCommand.DirectoryOptions where;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        abstract DirectoryChange change(String name);

        @Override
        public Integer call() {
            return apply(where, spec, change(name));
        }
    }

    /** add|remove member GROUP MEMBER. */
    abstract static class GroupMember implements Callable<Integer> {
        @Mixin
        OrgCommand.DirectoryOptions where;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "GROUP")
        String group;
        @Parameters(index = "1", paramLabel = "MEMBER", description = "server:NAME, user:NAME or group:NAME")
        String member;

        abstract DirectoryChange change(String group, Member member);

        @Override
        public Integer call() {
            return apply(where, spec, change(group, member(member)));
        }
    }

    /** allow and deny share everything but the word. */
    abstract static class SetEntry implements Callable<Integer> {
        @Mixin
        OrgCommand.DirectoryOptions where;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", paramLabel = "RIGHT", description = "submit, relay, accept-any-sender, accept-properties, send-properties,"
                + " accept-authoritative-domain, bypass-anti-spam, administer")
        String right;
        @Option(names = "--to", required = true, paramLabel = "TRUSTEE", description = "server:NAME, user:NAME, group:NAME or anonymous")
        String to;
        @Option(names = "--on", defaultValue = "organization", paramLabel = "OBJECT",
                description = "organization, server:NAME or server:NAME/VIRTUAL-SERVER. Default: ${DEFAULT-VALUE}")
        String on;

        abstract boolean allow();

        @Override
        public Integer call() {
            return apply(where, spec, new DirectoryChange.AddEntry(new AccessEntry(allow(), member(to), right(right), scope(on))));
        }
    }

    @Command(name = "allow", mixinStandardHelpOptions = true,
            description = "Adds an entry allowing a right; a deny on the same trustee's groups still wins.",
            footer = "%nExample: baton org allow relay --to group:partners --on server:hub/default")
    static final class Allow extends SetEntry {
        @Override
        boolean allow() {
            return true;
        }
    }

    @Command(name = "deny", mixinStandardHelpOptions = true,
            description = "Adds an entry denying a right: it wins over every allow, however the trustee is reached.",
            footer = "%nExample: baton org deny accept-properties --to server:edge --on organization")
    static final class Deny extends SetEntry {
        @Override
        boolean allow() {
            return false;
        }
    }
}
