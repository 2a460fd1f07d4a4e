package dev.baton.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.baton.config.BatonConfig.MailboxSettings;
import dev.baton.config.BatonConfig.QueueSettings;
import dev.baton.config.BatonConfig.ServerSettings;
import dev.baton.config.VirtualServerSettings.Limits;
import dev.baton.config.VirtualServerSettings.TlsMode;
import dev.baton.config.VirtualServerSettings.TlsSettings;
import dev.baton.mail.LineEndingPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code baton.yml} into a {@link BatonConfig}: every setting has a default, unknown keys
 * are errors (a typo must not silently fall back to a default), and every error names the
 * setting, what is wrong and an example of what is right.
 */
public final class ConfigLoader {

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(|k|K|KB|KiB|M|MB|MiB|G|GB|GiB)");
    /** A domain name of one label or more: accepted domains and routes may be {@code localhost} or another single label. */
    private static final Pattern DOMAIN = Pattern.compile("(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern FQDN = Pattern.compile("(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    private ConfigLoader() {
    }

    public static BatonConfig load(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config: file " + file + " does not exist (run 'baton serve' without --config to create a default one)");
        } catch (IOException e) {
            throw new ConfigException("config: cannot read " + file + ": " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    public static BatonConfig parse(String yaml, String source) throws ConfigException {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException("config: " + source + " is not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            root = new ObjectMapper().createObjectNode();
        }
        return new ConfigLoader().build(new Node(root, ""));
    }

    private BatonConfig build(Node root) throws ConfigException {
        root.allow("server", "acceptedDomains", "virtualServers", "routes", "queue", "events", "mailboxes", "delivery", "directory",
                "deliveryLog", "kerberos");
        Node srv = root.get("server");
        srv.allow("name", "fqdn");
        String fqdn = srv.get("fqdn").text("localhost.localdomain");
        requireFqdn(srv.get("fqdn"), fqdn);
        ServerSettings server = new ServerSettings(srv.get("name").text(fqdn.split("\\.")[0]), fqdn);

        List<String> domains = new ArrayList<>();
        for (Node d : root.get("acceptedDomains").list()) {
            String v = d.text(null);
            if (v == null || !DOMAIN.matcher(v).matches()) {
                throw d.error("\"" + v + "\" is not a domain name (example: example.test)");
            }
            domains.add(v.toLowerCase(Locale.ROOT));
        }

        List<VirtualServerSettings> vss = new ArrayList<>();
        List<Node> vsNodes = root.get("virtualServers").list();
        if (vsNodes.isEmpty()) {
            vss.add(virtualServer(new Node(MissingNode.getInstance(), "virtualServers[0]"), 0, fqdn));
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < vsNodes.size(); i++) {
            VirtualServerSettings vs = virtualServer(vsNodes.get(i), i, fqdn);
            if (!names.add(vs.name())) {
                throw vsNodes.get(i).get("name").error("\"" + vs.name() + "\" is used by two virtual servers; give each its own name");
            }
            vss.add(vs);
        }

        List<RouteSettings> routes = new ArrayList<>();
        for (Node r : root.get("routes").list()) {
            r.allow("domain", "transport", "host", "port", "tls");
            String domain = r.get("domain").required("{domain: example.test, transport: local}").text(null).toLowerCase(Locale.ROOT);
            if (!domain.equals("*") && !DOMAIN.matcher(domain.startsWith("*.") ? domain.substring(2) : domain).matches()) {
                throw r.get("domain").error("\"" + domain + "\" is not a domain, *.domain or * (example: example.test)");
            }
            RouteSettings.Transport transport = r.get("transport").required("{domain: " + domain + ", transport: local}")
                    .enumValue(RouteSettings.Transport.class, null);
            String host = r.get("host").text(null);
            boolean needsHost = transport == RouteSettings.Transport.SMTP || transport == RouteSettings.Transport.LMTP;
            if (needsHost && host == null) {
                throw r.get("host").error("is required for transport " + transport.name().toLowerCase(Locale.ROOT)
                        + " (example: {domain: " + domain + ", transport: smtp, host: relay.example.test, port: 25})");
            }
            if (!needsHost && host != null) {
                throw r.get("host").error("only applies to transports smtp and lmtp");
            }
            if (host != null && !FQDN.matcher(host).matches() && !host.matches("\\[[0-9A-Fa-f:.]+\\]|localhost")) {
                throw r.get("host").error("\"" + host + "\" is not a host name or an address literal (examples: relay.example.test, [192.0.2.1])");
            }
            boolean remote = needsHost || transport == RouteSettings.Transport.MX;
            if (!remote && !r.get("port").missing()) {
                throw r.get("port").error("only applies to transports smtp, mx and lmtp");
            }
            int port = remote ? r.get("port").intValue(transport == RouteSettings.Transport.LMTP ? 24 : 25, 1, 65535) : 0;
            if (transport == RouteSettings.Transport.ORGANIZATION && !r.get("tls").missing()) {
                throw r.get("tls").error("does not apply to transport organization: a hop to a server of the organization is always"
                        + " TLS, then X-EXPS (where each server is reached is its smtp in the directory)");
            }
            routes.add(new RouteSettings(domain, transport, host, port,
                    r.get("tls").enumValue(RouteSettings.TlsPolicy.class, RouteSettings.TlsPolicy.OPPORTUNISTIC)));
        }
        if (routes.isEmpty()) {
            for (String d : domains) {
                routes.add(RouteSettings.of(d, RouteSettings.Transport.LOCAL));
            }
        }

        Node q = root.get("queue");
        q.allow("directory", "deliveryWorkers", "retryDelay", "maxRetryDelay", "lifetime", "delayWarning");
        QueueSettings queue = new QueueSettings(q.get("directory").text("spool"),
                q.get("deliveryWorkers").intValue(16, 1, 1024), q.get("retryDelay").duration(Duration.ofMinutes(5)),
                q.get("maxRetryDelay").duration(Duration.ofHours(1)), q.get("lifetime").duration(Duration.ofDays(5)),
                q.get("delayWarning").duration(Duration.ofHours(4)));
        if (queue.maxRetryDelay().compareTo(queue.retryDelay()) < 0) {
            throw q.get("maxRetryDelay").error("must not be shorter than queue.retryDelay (example: 1h)");
        }

        Node ev = root.get("events");
        ev.allow("maxFileSize", "maxFiles");
        EventSettings events = new EventSettings(ev.get("maxFileSize").size(EventSettings.DEFAULT.maxFileSize()),
                ev.get("maxFiles").intValue(EventSettings.DEFAULT.maxFiles(), 1, 1000));
        if (events.maxFileSize() < 4096) {
            throw ev.get("maxFileSize").error("must be at least 4KiB (example: 10MiB)");
        }

        Node dl = root.get("delivery");
        dl.allow("heloName", "resolver", "trustedCertificates", "maxPerDestination", "timeouts", "reuse");
        Node reuse = dl.get("reuse");
        reuse.allow("idleTime", "maxIdle");
        Node dt = dl.get("timeouts");
        dt.allow("connect", "greeting", "command", "dataInitiation", "dataBlock", "dataTermination");
        String resolver = dl.get("resolver").text(null);
        if (resolver != null && !resolver.matches("[^\\s:]+(:\\d{1,5})?|\\[[0-9A-Fa-f:.]+\\](:\\d{1,5})?")) {
            throw dl.get("resolver").error("\"" + resolver + "\" is not host[:port] (example: 127.0.0.1:53)");
        }
        String helo = dl.get("heloName").text(fqdn);
        requireFqdn(dl.get("heloName"), helo);
        DeliverySettings delivery = new DeliverySettings(helo, resolver, dl.get("trustedCertificates").text(null),
                dl.get("maxPerDestination").intValue(10, 1, 1000),
                dt.get("connect").duration(Duration.ofSeconds(30)),
                dt.get("greeting").duration(Duration.ofMinutes(5)),
                dt.get("command").duration(Duration.ofMinutes(5)),
                dt.get("dataInitiation").duration(Duration.ofMinutes(2)),
                dt.get("dataBlock").duration(Duration.ofMinutes(3)),
                dt.get("dataTermination").duration(Duration.ofMinutes(10)),
                reuse.get("idleTime").duration(DeliverySettings.REUSE_IDLE_TIME),
                reuse.get("maxIdle").intValue(DeliverySettings.REUSE_MAX_IDLE, 0, 100_000));

        Node mb = root.get("mailboxes");
        mb.allow("directory", "autoCreate", "users", "quota", "aliases");
        List<String> users = new ArrayList<>();
        for (Node u : mb.get("users").list()) {
            users.add(u.text(null));
        }
        Node al = mb.get("aliases");
        java.util.Map<String, String> aliases = new java.util.LinkedHashMap<>();
        if (!al.missing()) {
            if (!al.json().isObject()) {
                throw al.error("must be a mapping of address to user (example: {postmaster: alice, sales@example.test: bob})");
            }
            for (Iterator<String> it = al.json().fieldNames(); it.hasNext(); ) {
                String key = it.next();
                String value = al.get(key).text(null);
                if (value == null || value.isBlank() || key.isBlank() || value.contains(" ")) {
                    throw al.get(key).error("must name a user (example: alice or alice@example.test)");
                }
                aliases.put(key.toLowerCase(Locale.ROOT), value.toLowerCase(Locale.ROOT));
            }
        }
        MailboxSettings mailboxes = new MailboxSettings(mb.get("directory").text("mailboxes"),
                mb.get("autoCreate").bool(users.isEmpty()), users, mb.get("quota").size(0), aliases);
        return new BatonConfig(server, domains, vss, routes, queue, events, mailboxes, delivery, directory(root.get("directory")),
                deliveryLog(root.get("deliveryLog")), kerberos(root.get("kerberos")));
    }

    private static KerberosSettings kerberos(Node k) throws ConfigException {
        k.allow("mode", "realm", "krb5Conf", "keytab", "kdc");
        KerberosSettings def = KerberosSettings.DEFAULT;
        KerberosSettings.Mode mode = k.get("mode").enumValue(KerberosSettings.Mode.class, def.mode());
        String realm = k.get("realm").text(null);
        if (realm != null && (!realm.equals(realm.toUpperCase(Locale.ROOT)) || !DOMAIN.matcher(realm).matches())) {
            throw k.get("realm").error("\"" + realm + "\" is not a realm name in upper case (example: EXAMPLE.TEST)");
        }
        String krb5Conf = k.get("krb5Conf").text(null);
        if (krb5Conf != null && mode != KerberosSettings.Mode.EXTERNAL) {
            throw k.get("krb5Conf").error("only applies to mode external; the embedded realm writes its own"
                    + " (DATA/kerberos/krb5.conf)");
        }
        Node kdc = k.get("kdc");
        kdc.allow("port");
        if (!kdc.missing() && mode != KerberosSettings.Mode.EMBEDDED) {
            throw kdc.error("only applies to mode embedded; an external realm's KDCs are in its krb5.conf");
        }
        String keytab = k.get("keytab").text(def.keytab());
        if (keytab.isBlank()) {
            throw k.get("keytab").error("must name a file (example: kerberos/smtp.keytab)");
        }
        return new KerberosSettings(mode, realm, krb5Conf, keytab, kdc.get("port").intValue(0, 0, 65535));
    }

    private static DeliveryLogSettings deliveryLog(Node d) throws ConfigException {
        d.allow("enabled", "json", "maxFileSize", "maxFiles");
        DeliveryLogSettings def = DeliveryLogSettings.DEFAULT;
        DeliveryLogSettings s = new DeliveryLogSettings(d.get("enabled").bool(def.enabled()), d.get("json").bool(def.json()),
                d.get("maxFileSize").size(def.maxFileSize()), d.get("maxFiles").intValue(def.maxFiles(), 1, 1000));
        if (s.maxFileSize() < 4096) {
            throw d.get("maxFileSize").error("must be at least 4KiB (example: 10MiB)");
        }
        return s;
    }

    private static DirectorySettings directory(Node d) throws ConfigException {
        d.allow("file", "poll", "ldap");
        if (d.missing()) {
            return DirectorySettings.DEFAULT;
        }
        String file = d.get("file").text(null);
        if (!d.get("ldap").missing()) {
            if (file != null) {
                throw d.get("ldap").error("and directory.file are exclusive: the directory is either an org.yml file or LDAP");
            }
            if (!d.get("poll").missing()) {
                throw d.get("poll").error("is not used with ldap: set directory.ldap.poll (example: 30s)");
            }
            return DirectorySettings.ldap(ldap(d.get("ldap")));
        }
        Duration poll = positive(d.get("poll"), DirectorySettings.DEFAULT.poll());
        return new DirectorySettings(file == null ? DirectorySettings.DEFAULT.file() : file, file != null, poll);
    }

    private static Duration positive(Node n, Duration def) throws ConfigException {
        Duration v = n.duration(def);
        if (v.isZero() || v.isNegative()) {
            throw n.error("must be a positive duration (example: 5s)");
        }
        return v;
    }

    private static final Pattern LDAP_URL = Pattern.compile("(?i)ldaps?://[^/?#\\s]+/?");
    private static final Pattern ATTRIBUTE = Pattern.compile("[A-Za-z][A-Za-z0-9-]*|\\d+(\\.\\d+)+");
    private static final Pattern DN = Pattern.compile("[A-Za-z][A-Za-z0-9-]*=[^,]+(,\\s*[A-Za-z][A-Za-z0-9-]*=[^,]+)*");

    private static LdapSettings ldap(Node l) throws ConfigException {
        l.allow("url", "startTls", "trustedCertificates", "bindDn", "passwordFile", "baseDn", "timeout", "poll",
                "changeAttribute", "pageSize", "mapping");
        Node u = l.get("url").required("ldap://ldap.example.test:389");
        String url = u.text(null);
        if (!LDAP_URL.matcher(url).matches()) {
            throw u.error("\"" + url + "\" is not an LDAP server's URL (examples: ldap://ldap.example.test:389, ldaps://ldap.example.test)");
        }
        boolean startTls = l.get("startTls").bool(false);
        if (startTls && url.regionMatches(true, 0, "ldaps:", 0, 6)) {
            throw l.get("startTls").error("is for ldap:// URLs; an ldaps:// connection is TLS from the start");
        }
        String bindDn = dn(l.get("bindDn"), null);
        String passwordFile = l.get("passwordFile").text(null);
        if (bindDn != null && passwordFile == null) {
            throw l.get("passwordFile").error("is required with bindDn: the file holding the bind password, never the password itself"
                    + " (example: ldap.password, mode 600)");
        }
        if (bindDn == null && passwordFile != null) {
            throw l.get("bindDn").error("is required with passwordFile (example: cn=baton,ou=services,dc=example,dc=test)");
        }
        String baseDn = dn(l.get("baseDn").required("ou=baton,dc=example,dc=test"), null);
        Duration timeout = positive(l.get("timeout"), LdapSettings.DEFAULT_TIMEOUT);
        Duration poll = positive(l.get("poll"), LdapSettings.DEFAULT_POLL);
        String change = attribute(l.get("changeAttribute"), LdapSettings.DEFAULT_CHANGE_ATTRIBUTE);
        int pageSize = l.get("pageSize").intValue(LdapSettings.DEFAULT_PAGE_SIZE, 1, 100_000);
        Node m = l.get("mapping");
        List<String> kinds = new ArrayList<>();
        for (LdapSettings.Kind k : LdapSettings.Kind.values()) {
            kinds.add(k.key());
        }
        m.allow(kinds.toArray(String[]::new));
        Map<LdapSettings.Kind, LdapSettings.ObjectMapping> mapping = new LinkedHashMap<>();
        for (LdapSettings.Kind k : LdapSettings.Kind.values()) {
            mapping.put(k, objectMapping(m.get(k.key()), k, baseDn));
        }
        return new LdapSettings(url, startTls, l.get("trustedCertificates").text(null), bindDn, passwordFile, baseDn, timeout, poll,
                change, pageSize, mapping);
    }

    private static LdapSettings.ObjectMapping objectMapping(Node n, LdapSettings.Kind kind, String baseDn) throws ConfigException {
        n.allow("base", "objectClasses", "filter", "attributes", "copyName");
        String base = dn(n.get("base"), kind.relativeBase() + "," + baseDn);
        List<String> classes = new ArrayList<>();
        for (Node c : n.get("objectClasses").list()) {
            classes.add(attribute(c, null));
        }
        if (n.get("objectClasses").missing()) {
            classes.addAll(kind.defaultObjectClasses());
        } else if (classes.isEmpty()) {
            throw n.get("objectClasses").error("must name at least one object class (example: [inetOrgPerson, batonUser])");
        }
        String filter = n.get("filter").text(null);
        if (filter != null && !(filter.startsWith("(") && filter.endsWith(")"))) {
            throw n.get("filter").error("\"" + filter + "\" is not an LDAP filter (example: \"(&(objectClass=user)(objectCategory=person))\")");
        }
        Node a = n.get("attributes");
        a.allow(kind.defaultAttributes().keySet().toArray(String[]::new));
        Map<String, String> attributes = new LinkedHashMap<>();
        boolean naming = true;
        for (Map.Entry<String, String> e : kind.defaultAttributes().entrySet()) {
            Node at = a.get(e.getKey());
            String v = at.text(e.getValue());
            if ("none".equalsIgnoreCase(v)) {
                if (naming) {
                    throw at.error("cannot be none: the name is what Baton knows the object by (example: uid)");
                }
                v = null;
            } else {
                attribute(at, v);
            }
            attributes.put(e.getKey(), v);
            naming = false;
        }
        List<String> copy = new ArrayList<>();
        for (Node c : n.get("copyName").list()) {
            copy.add(attribute(c, null));
        }
        return new LdapSettings.ObjectMapping(base, classes, filter, attributes, copy);
    }

    private static String dn(Node n, String def) throws ConfigException {
        String v = n.text(def);
        if (v != null && !DN.matcher(v).matches()) {
            throw n.error("\"" + v + "\" is not a DN (example: ou=baton,dc=example,dc=test)");
        }
        return v;
    }

    private static String attribute(Node n, String def) throws ConfigException {
        String v = n.text(def);
        if (v != null && !ATTRIBUTE.matcher(v).matches()) {
            throw n.error("\"" + v + "\" is not an LDAP attribute or object class name (example: uid)");
        }
        return v;
    }

    private VirtualServerSettings virtualServer(Node n, int index, String serverFqdn) throws ConfigException {
        n.allow("name", "id", "address", "port", "fqdn", "tls", "relayNetworks", "limits", "bareLineEndings", "protocolLog",
                "authentication");
        String name = n.get("name").text(index == 0 ? "default" : "smtp" + (index + 1));
        int id = n.get("id").intValue(index + 1, 1, 65535);
        String address = n.get("address").text("127.0.0.1");
        int port = n.get("port").intValue(2525, 0, 65535);
        String fqdn = n.get("fqdn").text(serverFqdn);
        requireFqdn(n.get("fqdn"), fqdn);
        Node t = n.get("tls");
        t.allow("mode", "certificate", "key");
        TlsSettings tls = new TlsSettings(t.get("mode").enumValue(TlsMode.class, TlsMode.OFFERED), t.get("certificate").text(null), t.get("key").text(null));
        if ((tls.certificate() == null) != (tls.key() == null)) {
            throw t.error("give both certificate and key (PEM files), or neither for a self-signed pair");
        }
        List<String> nets = new ArrayList<>();
        for (Node c : n.get("relayNetworks").list()) {
            String v = c.text(null);
            try {
                Cidr.parse(v);
            } catch (IllegalArgumentException e) {
                throw c.error("\"" + v + "\" is not a network: " + e.getMessage() + " (example: 192.0.2.0/24 or ::1/128)");
            }
            nets.add(v);
        }
        Node l = n.get("limits");
        l.allow("maxConnections", "maxConnectionsPerClient", "maxRecipients", "maxMessageSize", "commandLineLength",
                "textLineLength", "maxErrors", "maxHops", "minDataRate", "maxUnknownRecipients", "unknownRecipientDelay", "timeouts");
        Node to = l.get("timeouts");
        to.allow("command", "dataBlock", "tlsHandshake", "write");
        Limits limits = new Limits(
                l.get("maxConnections").intValue(10_000, 1, 1_000_000),
                l.get("maxConnectionsPerClient").intValue(100, 1, 1_000_000),
                l.get("maxRecipients").intValue(1000, 1, 1_000_000),
                l.get("maxMessageSize").size(50L * 1024 * 1024),
                l.get("commandLineLength").intValue(512, 512, 65536),
                l.get("textLineLength").intValue(1000, 1000, 1_000_000),
                l.get("maxErrors").intValue(10, 1, 1000),
                l.get("maxHops").intValue(50, 2, 1000),
                l.get("minDataRate").intValue(500, 1, 1_000_000_000),
                l.get("maxUnknownRecipients").intValue(20, 1, 1_000_000),
                l.get("unknownRecipientDelay").duration(Duration.ZERO),
                to.get("command").duration(Duration.ofMinutes(5)),
                to.get("dataBlock").duration(Duration.ofMinutes(3)),
                to.get("tlsHandshake").duration(Duration.ofMinutes(1)),
                to.get("write").duration(Duration.ofMinutes(5)));
        if (limits.maxMessageSize() < 1024) {
            throw l.get("maxMessageSize").error("must be at least 1024 octets (example: 50MiB)");
        }
        return new VirtualServerSettings(name, id, address, port, fqdn, tls, nets, limits,
                n.get("bareLineEndings").enumValue(LineEndingPolicy.class, LineEndingPolicy.REJECT),
                n.get("protocolLog").bool(false), authentication(n.get("authentication"), tls));
    }

    private static VirtualServerSettings.Authentication authentication(Node a, TlsSettings tls) throws ConfigException {
        a.allow("anonymous", "basic", "integrated", "basicWithoutTls", "failures");
        VirtualServerSettings.Authentication d = VirtualServerSettings.Authentication.DEFAULT;
        Node f = a.get("failures");
        f.allow("delay", "maxDelay", "perSession", "perClient", "window");
        VirtualServerSettings.FailureLimits fd = VirtualServerSettings.FailureLimits.DEFAULT;
        VirtualServerSettings.FailureLimits failures = new VirtualServerSettings.FailureLimits(
                f.get("delay").duration(fd.delay()), f.get("maxDelay").duration(fd.maxDelay()),
                f.get("perSession").intValue(fd.perSession(), 1, 100), f.get("perClient").intValue(fd.perClient(), 1, 1_000_000),
                positive(f.get("window"), fd.window()));
        if (failures.maxDelay().compareTo(failures.delay()) < 0) {
            throw f.get("maxDelay").error("must not be shorter than failures.delay (example: 10s)");
        }
        if (failures.maxDelay().compareTo(Duration.ofMinutes(1)) > 0) {
            throw f.get("maxDelay").error("must be at most 1m: a longer wait holds a connection for nothing (example: 10s)");
        }
        VirtualServerSettings.Authentication auth = new VirtualServerSettings.Authentication(a.get("anonymous").bool(d.anonymous()),
                a.get("basic").bool(d.basic()), a.get("integrated").bool(d.integrated()),
                a.get("basicWithoutTls").bool(d.basicWithoutTls()), failures);
        if (!auth.anonymous() && !auth.basic() && !auth.integrated()) {
            throw a.error("allows nobody: with anonymous false, switch basic or integrated on (example: {anonymous: false, basic: true})");
        }
        if (!auth.anonymous() && !auth.integrated() && tls.mode() == TlsMode.OFF && !auth.basicWithoutTls()) {
            throw a.error("allows nobody: basic authentication needs TLS, and tls.mode is off"
                    + " (set tls.mode: offered, or basicWithoutTls: true on a trusted network)");
        }
        return auth;
    }

    private static void requireFqdn(Node at, String fqdn) throws ConfigException {
        if (!FQDN.matcher(fqdn).matches()) {
            throw at.error("\"" + fqdn + "\" is not a fully qualified domain name (example: mail.example.test)");
        }
    }

    /** A position in the YAML tree that knows its own path for error messages. */
    private record Node(JsonNode json, String path) {

        Node get(String key) {
            JsonNode child = json.isObject() ? json.get(key) : null;
            return new Node(child == null ? MissingNode.getInstance() : child, path.isEmpty() ? key : path + "." + key);
        }

        boolean missing() {
            return json.isMissingNode() || json.isNull();
        }

        Node required(String example) throws ConfigException {
            if (missing()) {
                throw error("is required (example: " + example + ")");
            }
            return this;
        }

        ConfigException error(String what) {
            return new ConfigException("config: " + path + " " + what);
        }

        void allow(String... keys) throws ConfigException {
            if (missing()) {
                return;
            }
            if (!json.isObject()) {
                throw error("must be a mapping of settings");
            }
            Set<String> ok = Set.of(keys);
            for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!ok.contains(k)) {
                    throw new ConfigException("config: " + (path.isEmpty() ? "" : path + ".") + k
                            + " is not a setting here (known: " + String.join(", ", keys) + ")");
                }
            }
        }

        List<Node> list() throws ConfigException {
            if (missing()) {
                return List.of();
            }
            if (!json.isArray()) {
                throw error("must be a list (example: [a, b])");
            }
            List<Node> out = new ArrayList<>();
            for (int i = 0; i < json.size(); i++) {
                out.add(new Node(json.get(i), path + "[" + i + "]"));
            }
            return out;
        }

        String text(String def) throws ConfigException {
            if (missing()) {
                return def;
            }
            if (!json.isValueNode()) {
                throw error("must be a single value");
            }
            return json.asText();
        }

        boolean bool(boolean def) throws ConfigException {
            if (missing()) {
                return def;
            }
            if (!json.isBoolean()) {
                throw error("must be true or false");
            }
            return json.asBoolean();
        }

        int intValue(int def, int min, int max) throws ConfigException {
            if (missing()) {
                return def;
            }
            if (!json.canConvertToInt() || !json.isIntegralNumber()) {
                throw error("must be a whole number from " + min + " to " + max);
            }
            int v = json.asInt();
            if (v < min || v > max) {
                throw error("is " + v + ", must be from " + min + " to " + max);
            }
            return v;
        }

        long size(long def) throws ConfigException {
            if (missing()) {
                return def;
            }
            if (json.isIntegralNumber()) {
                return json.asLong();
            }
            Matcher m = SIZE.matcher(json.asText().trim());
            if (!m.matches()) {
                throw error("\"" + json.asText() + "\" is not a size (examples: 1048576, 512KiB, 50MiB, 1GiB)");
            }
            long mult = switch (m.group(2).toUpperCase(Locale.ROOT)) {
                case "K", "KB", "KIB" -> 1024L;
                case "M", "MB", "MIB" -> 1024L * 1024;
                case "G", "GB", "GIB" -> 1024L * 1024 * 1024;
                default -> 1L;
            };
            return Long.parseLong(m.group(1)) * mult;
        }

        Duration duration(Duration def) throws ConfigException {
            if (missing()) {
                return def;
            }
            Matcher m = DURATION.matcher(json.asText().trim());
            if (!m.matches()) {
                throw error("\"" + json.asText() + "\" is not a duration (examples: 500ms, 30s, 5m, 1h, 5d)");
            }
            long v = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(v);
                case "s" -> Duration.ofSeconds(v);
                case "m" -> Duration.ofMinutes(v);
                case "h" -> Duration.ofHours(v);
                default -> Duration.ofDays(v);
            };
        }

        <E extends Enum<E>> E enumValue(Class<E> type, E def) throws ConfigException {
            if (missing()) {
                if (def == null) {
                    throw error("is required");
                }
                return def;
            }
            // YAML 1.1 reads a bare off/on (tls.mode: off) as a boolean; take it as the word written
            String v = json.isBoolean() ? (json.asBoolean() ? "on" : "off") : json.asText().trim();
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(v)) {
                    return e;
                }
            }
            List<String> allowed = new ArrayList<>();
            for (E e : type.getEnumConstants()) {
                allowed.add(e.name().toLowerCase(Locale.ROOT));
            }
            throw error("\"" + v + "\" is not one of " + String.join(", ", allowed));
        }
    }
}
