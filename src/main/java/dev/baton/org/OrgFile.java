package dev.baton.org;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The embedded directory backend: {@code org.yml}. Every error names the file, the position in
 * it (as {@code rights[2].on}) and what was expected; consistency (cycles, missing members,
 * duplicate FQDNs) is then {@link Directory#of}'s to check. The format is in docs/directory.md.
 */
public final class OrgFile {

    /**
     * The YAML reader, allowed a large file: SnakeYAML stops at 3 MiB by default, and a directory
     * of 100,000 users is some 15 MiB. The file is the administrator's, not a peer's; the limit
     * is there so a runaway file is refused instead of filling the heap.
     */
    static final int MAX_CODE_POINTS = 256 * 1024 * 1024;
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .loaderOptions(loaderOptions()).build());

    private static org.yaml.snakeyaml.LoaderOptions loaderOptions() {
        org.yaml.snakeyaml.LoaderOptions o = new org.yaml.snakeyaml.LoaderOptions();
        o.setCodePointLimit(MAX_CODE_POINTS);
        return o;
    }

    private OrgFile() {
    }

    public static Directory load(Path file) throws IOException, DirectoryException {
        return parse(Files.readString(file), file.toString());
    }

    /** @param source what to call the text in messages (the file name) */
    public static Directory parse(String yaml, String source) throws DirectoryException {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JacksonException e) {
            throw new DirectoryException(source + ": not valid YAML: " + e.getOriginalMessage());
        }
        At r = new At(root == null ? MissingNode.getInstance() : root, "", source);
        r.allow("organization", "realm", "servers", "users", "groups", "distributionGroups", "connectors", "rights");
        At o = r.get("organization").required();
        o.allow("name", "acceptedDomains");
        String realm = r.get("realm").textOr(null);
        Directory.Organization org = new Directory.Organization(o.get("name").required().text(), o.get("acceptedDomains").texts(),
                realm);

        List<Directory.Server> servers = new ArrayList<>();
        for (At s : r.get("servers").list()) {
            s.allow("name", "fqdn", "principal", "virtualServers", "smtp");
            String fqdn = s.get("fqdn").required().text();
            String principal = s.get("principal").textOr(org.realm() == null ? null : Directory.Server.principalFor(fqdn, org.realm()));
            List<String> vss = s.get("virtualServers").texts();
            String smtp = s.get("smtp").textOr(null);
            if (Directory.Server.checkSmtp(smtp) != null) {
                throw s.get("smtp").error(Directory.Server.checkSmtp(smtp));
            }
            servers.add(new Directory.Server(s.get("name").required().text(), fqdn, principal, vss.isEmpty() ? List.of("default") : vss,
                    smtp));
        }
        List<Directory.User> users = new ArrayList<>();
        for (At u : r.get("users").list()) {
            u.allow("name", "home", "addresses", "password", "scram");
            String hash = u.get("password").textOr(null);
            if (hash != null && !Passwords.isHash(hash)) {
                throw u.get("password").error("is not a password hash (store an Argon2id hash in PHC form, $argon2id$v=19$...; plain text is never stored)");
            }
            String scram = u.get("scram").textOr(null);
            if (scram != null && ScramCredential.parse(scram) == null) {
                throw u.get("scram").error("is not a SCRAM-SHA-256 credential (SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>,"
                        + " as 'baton org password' writes it)");
            }
            users.add(new Directory.User(u.get("name").required().text(), u.get("home").textOr(null), u.get("addresses").texts(), hash,
                    scram));
        }
        List<Directory.Group> groups = new ArrayList<>();
        for (At g : r.get("groups").list()) {
            g.allow("name", "members");
            groups.add(new Directory.Group(g.get("name").required().text(), g.get("members").members()));
        }
        List<Directory.DistributionGroup> dgs = new ArrayList<>();
        for (At g : r.get("distributionGroups").list()) {
            g.allow("name", "address", "members", "owner", "allowedSenders", "hiddenMembership", "reports");
            String reports = g.get("reports").textOr("sender").toUpperCase(Locale.ROOT);
            Directory.DeliveryReports rep;
            try {
                rep = Directory.DeliveryReports.valueOf(reports);
            } catch (IllegalArgumentException e) {
                throw g.get("reports").error("must be sender, owner or none");
            }
            At owner = g.get("owner");
            dgs.add(new Directory.DistributionGroup(g.get("name").required().text(), g.get("address").required().text(),
                    g.get("members").members(), owner.missing() ? null : owner.member(), g.get("allowedSenders").members(),
                    g.get("hiddenMembership").bool(false), rep));
        }
        List<Directory.Connector> connectors = new ArrayList<>();
        for (At c : r.get("connectors").list()) {
            c.allow("name", "addressSpaces", "smarthost", "trustedWithProperties");
            connectors.add(new Directory.Connector(c.get("name").required().text(), c.get("addressSpaces").texts(),
                    c.get("smarthost").textOr(null), c.get("trustedWithProperties").bool(false)));
        }
        List<AccessEntry> entries = new ArrayList<>();
        for (At e : r.get("rights").list()) {
            e.allow("allow", "deny", "to", "on");
            boolean allow = !e.get("allow").missing();
            if (allow == !e.get("deny").missing()) {
                throw e.error("needs exactly one of allow: RIGHT or deny: RIGHT (example: { allow: relay, to: group:partners, on: organization })");
            }
            At right = e.get(allow ? "allow" : "deny");
            Right rt = Right.parse(right.text());
            if (rt == null) {
                throw right.error("\"" + right.text() + "\" is not a right (one of " + Right.names() + ")");
            }
            Scope on;
            try {
                on = Scope.parse(e.get("on").textOr("organization"));
            } catch (IllegalArgumentException ex) {
                throw e.get("on").error(ex.getMessage());
            }
            entries.add(new AccessEntry(allow, e.get("to").required().member(), rt, on));
        }
        try {
            return Directory.of(org, servers, users, groups, dgs, connectors, entries);
        } catch (DirectoryException ex) {
            throw new DirectoryException(source + ": " + ex.getMessage());
        }
    }

    /**
     * The directory as org.yml text, in the form {@link #parse} reads: one flow mapping per
     * object, principals left out where the realm gives them, defaults left out. Comments in a
     * file written by hand are not kept (docs/directory.md says so); the built-in entries are
     * not written.
     */
    public static String format(Directory d) {
        StringBuilder out = new StringBuilder();
        out.append("# The organization's directory (docs/directory.md). Written by 'baton org'; edit it by hand or with\n")
                .append("# 'baton org add|remove|allow|deny' (running servers pick up a change within seconds).\n");
        Directory.Organization o = d.organization();
        out.append("organization: { name: ").append(q(o.name())).append(", acceptedDomains: ").append(list(o.acceptedDomains()))
                .append(" }\n");
        if (o.realm() != null) {
            out.append("realm: ").append(q(o.realm())).append('\n');
        }
        section(out, "servers", d.servers().values(), s -> {
            StringBuilder b = new StringBuilder("{ name: " + q(s.name()) + ", fqdn: " + q(s.fqdn()));
            boolean derived = o.realm() != null && s.principal() != null
                    && s.principal().equals(Directory.Server.principalFor(s.fqdn(), o.realm()));
            if (s.principal() != null && !derived) {
                b.append(", principal: ").append(q(s.principal()));
            }
            b.append(", virtualServers: ").append(list(s.virtualServers()));
            if (s.smtp() != null) {
                b.append(", smtp: ").append(q(s.smtp()));
            }
            return b.append(" }").toString();
        });
        section(out, "users", d.users().values(), u -> "{ name: " + q(u.name())
                + (u.homeServer() == null ? "" : ", home: " + q(u.homeServer()))
                + ", addresses: " + list(u.addresses())
                + (u.passwordHash() == null ? "" : ", password: " + q(u.passwordHash()))
                + (u.scram() == null ? "" : ", scram: " + q(u.scram())) + " }");
        section(out, "groups", d.groups().values(), g -> "{ name: " + q(g.name()) + ", members: " + members(g.members()) + " }");
        section(out, "distributionGroups", d.distributionGroups().values(), g -> "{ name: " + q(g.name()) + ", address: "
                + q(g.address()) + ", members: " + members(g.members())
                + (g.owner() == null ? "" : ", owner: " + q(g.owner().toString()))
                + (g.allowedSenders().isEmpty() ? "" : ", allowedSenders: " + members(g.allowedSenders()))
                + (g.hiddenMembership() ? ", hiddenMembership: true" : "")
                + ", reports: " + g.reports().name().toLowerCase(Locale.ROOT) + " }");
        section(out, "connectors", d.connectors().values(), c -> "{ name: " + q(c.name()) + ", addressSpaces: "
                + list(c.addressSpaces()) + (c.smarthost() == null ? "" : ", smarthost: " + q(c.smarthost()))
                + ", trustedWithProperties: " + c.trustedWithProperties() + " }");
        section(out, "rights", d.definedEntries(), e -> "{ " + (e.allow() ? "allow: " : "deny: ") + e.right().wireName()
                + ", to: " + q(e.trustee().toString()) + ", on: " + q(e.on().toString()) + " }");
        return out.toString();
    }

    private interface Line<T> {
        String of(T t);
    }

    private static <T> void section(StringBuilder out, String name, Collection<T> items, Line<T> line) {
        if (items.isEmpty()) {
            return;
        }
        out.append(name).append(":\n");
        for (T t : items) {
            out.append("  - ").append(line.of(t)).append('\n');
        }
    }

    private static String members(List<Member> members) {
        return list(members.stream().map(Member::toString).toList());
    }

    private static String list(List<String> items) {
        return "[" + String.join(", ", items.stream().map(OrgFile::q).toList()) + "]";
    }

    /** A YAML double-quoted scalar: always quoted, so no value is read back as another type or as syntax. */
    private static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** A position in the YAML tree that knows its path, for messages. */
    private record At(JsonNode json, String path, String source) {

        At get(String key) {
            JsonNode child = json.isObject() ? json.get(key) : null;
            return new At(child == null ? MissingNode.getInstance() : child, path.isEmpty() ? key : path + "." + key, source);
        }

        boolean missing() {
            return json.isMissingNode() || json.isNull();
        }

        At required() throws DirectoryException {
            if (missing()) {
                throw error("is required");
            }
            return this;
        }

        DirectoryException error(String message) {
            return new DirectoryException(source + ": " + (path.isEmpty() ? "" : path + ": ") + message);
        }

        void allow(String... keys) throws DirectoryException {
            if (missing()) {
                return;
            }
            if (!json.isObject()) {
                throw error("must be a mapping");
            }
            Set<String> known = Set.of(keys);
            for (Iterator<String> it = json.fieldNames(); it.hasNext();) {
                String k = it.next();
                if (!known.contains(k)) {
                    throw get(k).error("unknown setting (known here: " + String.join(", ", keys) + ")");
                }
            }
        }

        String text() throws DirectoryException {
            if (!json.isValueNode()) {
                throw error("must be a single value");
            }
            return json.asText();
        }

        String textOr(String def) throws DirectoryException {
            return missing() ? def : text();
        }

        boolean bool(boolean def) throws DirectoryException {
            if (missing()) {
                return def;
            }
            if (!json.isBoolean()) {
                throw error("must be true or false");
            }
            return json.booleanValue();
        }

        List<At> list() throws DirectoryException {
            if (missing()) {
                return List.of();
            }
            if (!json.isArray()) {
                throw error("must be a list");
            }
            List<At> l = new ArrayList<>();
            for (int i = 0; i < json.size(); i++) {
                l.add(new At(json.get(i), path + "[" + i + "]", source));
            }
            return l;
        }

        List<String> texts() throws DirectoryException {
            List<String> l = new ArrayList<>();
            for (At a : list()) {
                l.add(a.text());
            }
            return l;
        }

        Member member() throws DirectoryException {
            try {
                return Member.parse(text());
            } catch (IllegalArgumentException e) {
                throw error(e.getMessage());
            }
        }

        List<Member> members() throws DirectoryException {
            List<Member> l = new ArrayList<>();
            for (At a : list()) {
                l.add(a.member());
            }
            return l;
        }
    }
}
