package dev.baton.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.node.Problems;
import dev.baton.org.AccessEntry;
import dev.baton.org.Directory;
import dev.baton.org.DirectoryException;
import dev.baton.org.Member;
import dev.baton.config.DirectorySettings;
import dev.baton.org.DirectoryStore;
import dev.baton.org.DirectoryStores;
import dev.baton.org.FileDirectoryStore;
import dev.baton.org.Right;
import dev.baton.org.Rights;
import dev.baton.org.Scope;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code baton org}: the organization's directory, and why a principal has a right or not. */
@Command(name = "org", mixinStandardHelpOptions = true,
        description = {"Shows and changes the organization's directory (org.yml, or LDAP as baton.yml says) and explains",
            "rights decisions. Running servers pick up a change at their next poll (org.yml: within a second)."},
        footer = {"%nExamples:", "  baton org show", "  baton org add group partners --member server:branch",
            "  baton org deny relay --to group:partners --on server:hub/default",
            "  baton org explain --who server:branch --right relay --on server:hub/default"},
        subcommands = {OrgCommand.Show.class, OrgCommand.ListCmd.class, OrgEdit.Add.class, OrgEdit.Remove.class,
            OrgEdit.Allow.class, OrgEdit.Deny.class, OrgEdit.Password.class, OrgCommand.Explain.class})
final class OrgCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where the directory is: --directory FILE, else where DIR/baton.yml says, else DIR/org.yml. */
    static final class DirectoryOptions {
        @Mixin
        DataDirOptions data;

        @Option(names = "--directory", paramLabel = "FILE", description = "A directory file. Default: the one baton.yml names, else DIR/org.yml")
        Path file;

        DirectoryStore store() {
            if (file != null) {
                return new FileDirectoryStore(file);
            }
            DirectorySettings settings = Files.exists(data.configFile()) ? data.load(false).directory() : DirectorySettings.DEFAULT;
            return DirectoryStores.configured(settings, data.dataDir).orElseThrow(() -> new UserError("no directory at "
                    + data.dataDir.resolve(settings.file()) + " (this server is an organization of one, implied by its baton.yml;"
                    + " write an org.yml as docs/directory.md shows, or give --directory FILE)"));
        }

        Directory load() {
            try (DirectoryStore store = store()) {
                return store.load();
            } catch (IOException e) {
                throw new UserError("cannot read the directory: " + Problems.describe(e));
            } catch (DirectoryException e) {
                throw new UserError("the directory is refused: " + e.getMessage());
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists one kind of object: servers, users, groups, entries or domains, one per line.",
            footer = {"%nExamples:", "  baton org list servers", "  baton org list entries --json"})
    static final class ListCmd implements Callable<Integer> {
        @Mixin
        DirectoryOptions where;

        @picocli.CommandLine.Parameters(index = "0", paramLabel = "KIND", description = "servers, users, groups, entries or domains")
        String kind;

        @Option(names = "--json", description = "One JSON object per line")
        boolean json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            Directory d = where.load();
            PrintWriter out = spec.commandLine().getOut();
            ObjectMapper m = new ObjectMapper();
            switch (kind.toLowerCase(java.util.Locale.ROOT)) {
                case "servers" -> d.servers().values().forEach(s -> out.println(json ? line(m, m.createObjectNode().put("name", s.name())
                        .put("fqdn", s.fqdn()).put("principal", s.principal()).putPOJO("virtualServers", s.virtualServers())
                        .put("smtp", s.smtpHost() + ":" + s.smtpPort()))
                        : s.name() + "\t" + s.fqdn() + "\t" + (s.principal() == null ? "-" : s.principal()) + "\t"
                        + String.join(",", s.virtualServers()) + "\t" + s.smtpHost() + ":" + s.smtpPort()));
                case "users" -> d.users().values().forEach(u -> out.println(json ? line(m, m.createObjectNode().put("name", u.name())
                        .put("home", u.homeServer()).put("password", u.passwordHash() != null).putPOJO("addresses", u.addresses()))
                        : u.name() + "\t" + (u.homeServer() == null ? "-" : u.homeServer()) + "\t" + String.join(",", u.addresses())));
                case "groups" -> d.groups().values().forEach(g -> out.println(json ? line(m, m.createObjectNode().put("name", g.name())
                        .putPOJO("members", g.members().stream().map(Member::toString).toList()))
                        : g.name() + "\t" + String.join(",", g.members().stream().map(Member::toString).toList())));
                case "entries" -> d.entries().forEach(e -> out.println(json ? line(m, m.createObjectNode().put("allow", e.allow())
                        .put("right", e.right().wireName()).put("to", e.trustee().toString()).put("on", e.on().toString())
                        .put("builtIn", !d.definedEntries().contains(e)))
                        : e + (d.definedEntries().contains(e) ? "" : "   (built in)")));
                case "domains" -> d.organization().acceptedDomains().forEach(x -> out.println(json ? line(m,
                        m.createObjectNode().put("domain", x)) : x));
                default -> throw new UserError("\"" + kind + "\" is not a kind to list (servers, users, groups, entries or domains)");
            }
            out.flush();
            return 0;
        }

        private static String line(ObjectMapper m, ObjectNode o) {
            try {
                return m.writeValueAsString(o);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Prints the organization: servers, users, groups, rights.",
            footer = "%nExample: baton org show --directory org.yml")
    static final class Show implements Callable<Integer> {
        @Mixin
        DirectoryOptions where;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Directory d = where.load();
            PrintWriter out = spec.commandLine().getOut();
            out.println("organization " + d.organization().name() + " (accepted domains: "
                    + String.join(", ", d.organization().acceptedDomains()) + ")");
            d.servers().values().forEach(s -> out.println("  server " + s.name() + ": " + s.fqdn()
                    + (s.principal() == null ? "" : ", principal " + s.principal()) + ", virtual servers " + s.virtualServers()
                    + (s.smtp() == null ? "" : ", reached at " + s.smtp())));
            d.users().values().forEach(u -> out.println("  user " + u.name() + (u.homeServer() == null ? "" : " (home " + u.homeServer() + ")")
                    + ": " + String.join(", ", u.addresses()) + (u.passwordHash() == null ? "" : "; has a password")));
            d.groups().values().forEach(g -> out.println("  group " + g.name() + ": "
                    + String.join(", ", g.members().stream().map(Member::toString).toList())));
            d.distributionGroups().values().forEach(g -> out.println("  distribution group " + g.name() + " <" + g.address() + ">: "
                    + String.join(", ", g.members().stream().map(Member::toString).toList())));
            d.connectors().values().forEach(c -> out.println("  connector " + c.name() + ": " + c.addressSpaces() + " via "
                    + (c.viaMx() ? "MX" : c.smarthost()) + (c.trustedWithProperties() ? ", trusted with properties" : "")));
            for (AccessEntry e : d.entries()) {
                out.println("  " + e);
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "explain", mixinStandardHelpOptions = true,
            description = "Decides whether a principal has a right on an object, and shows the evidence: each entry that applied,"
                    + " through which chain of groups, and which one decided.",
            footer = {"%nExamples:", "  baton org explain --who server:branch --right relay --on server:hub/default",
                "  baton org explain --who user:alice --right submit --on organization --json",
                "%nExit status: 0 when allowed, 1 when denied, 2 for a usage or directory error."})
    static final class Explain implements Callable<Integer> {
        @Mixin
        DirectoryOptions where;

        @Option(names = "--who", required = true, paramLabel = "PRINCIPAL", description = "server:NAME, user:NAME or anonymous")
        String who;

        @Option(names = "--right", required = true, paramLabel = "RIGHT", description = "submit, relay, accept-any-sender, ...")
        String right;

        @Option(names = "--on", defaultValue = "organization", paramLabel = "OBJECT",
                description = "organization, server:NAME or server:NAME/VIRTUAL-SERVER. Default: ${DEFAULT-VALUE}")
        String on;

        @Option(names = "--json", description = "One JSON object")
        boolean json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            Member principal;
            Scope scope;
            try {
                principal = Member.parse(who);
                scope = Scope.parse(on);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            Right r = Right.parse(right);
            if (r == null) {
                throw new UserError("\"" + right + "\" is not a right (one of " + Right.names() + ")");
            }
            Rights.Decision d = new Rights(where.load()).explain(principal, r, scope);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                ObjectMapper m = new ObjectMapper();
                ObjectNode o = m.createObjectNode();
                o.put("who", d.who().toString());
                o.put("known", d.known());
                o.put("right", d.right().wireName());
                o.put("on", d.on().toString());
                o.put("allowed", d.allowed());
                ArrayNode applied = o.putArray("applied");
                for (Rights.Applied a : d.applied()) {
                    ObjectNode e = applied.addObject();
                    e.put("entry", a.entry().toString());
                    e.put("allow", a.entry().allow());
                    e.put("trustee", a.entry().trustee().toString());
                    e.put("setOn", a.entry().on().toString());
                    e.put("decides", a == d.deciding());
                    ArrayNode chain = e.putArray("chain");
                    a.chain().forEach(x -> chain.add(x.toString()));
                }
                out.println(m.writeValueAsString(o));
            } else {
                out.print(d.explanation());
            }
            out.flush();
            return d.allowed() ? 0 : 1;
        }
    }
}
