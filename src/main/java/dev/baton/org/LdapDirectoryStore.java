package dev.baton.org;

import com.unboundid.asn1.ASN1OctetString;
import com.unboundid.ldap.sdk.Attribute;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.ExtendedResult;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPConnectionOptions;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.LDAPURL;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.RDN;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchRequest;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.controls.SimplePagedResultsControl;
import com.unboundid.ldap.sdk.extensions.StartTLSExtendedRequest;
import com.unboundid.util.ssl.AggregateTrustManager;
import com.unboundid.util.ssl.HostNameSSLSocketVerifier;
import com.unboundid.util.ssl.JVMDefaultTrustManager;
import com.unboundid.util.ssl.PEMFileTrustManager;
import com.unboundid.util.ssl.SSLUtil;
import dev.baton.config.LdapSettings;
import dev.baton.config.LdapSettings.Kind;
import dev.baton.config.LdapSettings.ObjectMapping;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;

/**
 * The directory in LDAP (docs/directory.md, "LDAP"; ADR 0012). Baton's own objects (the
 * organization entry, servers, connectors, access control entries, the built-in groups) live
 * under {@code baseDn} in Baton's schema ({@code ldap/baton.ldif}); users, groups and
 * distribution groups can be read from an existing layout through the mapping. References
 * (members, owners, allowed senders, trustees) are DNs.
 * <p>
 * A connection per operation: a running server only polls the fingerprint and loads after a
 * change, so there is nothing to pool, and a restarted LDAP server costs nothing. Searches are
 * paged. {@link #store} writes the difference between two snapshots as adds, modifies and
 * deletes; LDAP has no transaction over several entries, so the check that nobody changed the
 * directory in between (the fingerprint, else a full read compared with {@code current}) leaves
 * a window of the write itself.
 */
public final class LdapDirectoryStore implements DirectoryStore {

    /** The organization entry, below {@code baseDn}. */
    static final String ORGANIZATION_RDN = "cn=organization";
    /** The built-in groups and {@code anonymous}, as DNs for members and trustees: {@code cn=everyone,ou=built-in,BASE}. */
    static final String BUILT_IN_RDN = "ou=built-in";

    private static final String[] ORGANIZATION_ATTRIBUTES = {"o", "batonAcceptedDomain", "batonRealm"};
    private static final String ANONYMOUS = "anonymous";

    private final LdapSettings settings;
    private final Path dataDir;
    private final LDAPURL url;
    private final DN baseDn;
    private final DN organizationDn;
    private final DN builtInDn;
    /** The last snapshot loaded, with what {@link #store} needs to write a difference to it. */
    private volatile Snapshot last;

    /**
     * @param dataDir what {@code passwordFile} and {@code trustedCertificates} are relative to
     * @throws IllegalArgumentException when the URL or a DN cannot be parsed (ConfigLoader checks them first)
     */
    public LdapDirectoryStore(LdapSettings settings, Path dataDir) {
        this.settings = settings;
        this.dataDir = dataDir;
        try {
            this.url = new LDAPURL(settings.url());
            this.baseDn = new DN(settings.baseDn());
            this.organizationDn = new DN(ORGANIZATION_RDN + "," + settings.baseDn());
            this.builtInDn = new DN(BUILT_IN_RDN + "," + settings.baseDn());
        } catch (LDAPException e) {
            throw new IllegalArgumentException(settings.url() + " " + settings.baseDn() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return url.getScheme() + "://" + url.getHost() + ":" + url.getPort() + "/" + baseDn;
    }

    @Override
    public Duration pollInterval() {
        return settings.poll();
    }

    public LdapSettings settings() {
        return settings;
    }

    // ---------------------------------------------------------------- connection

    private LDAPConnection connect() throws IOException {
        LDAPConnectionOptions options = new LDAPConnectionOptions();
        int ms = (int) Math.min(Integer.MAX_VALUE, settings.timeout().toMillis());
        options.setConnectTimeoutMillis(ms);
        options.setResponseTimeoutMillis(ms);
        SSLUtil ssl = settings.tls() ? sslUtil() : null;
        if (ssl != null) {
            options.setSSLSocketVerifier(new HostNameSSLSocketVerifier(true));
        }
        boolean ldaps = url.getScheme().equalsIgnoreCase("ldaps");
        LDAPConnection c;
        try {
            SocketFactory sockets = ldaps ? ssl.createSSLSocketFactory() : SocketFactory.getDefault();
            c = new LDAPConnection(sockets, options, url.getHost(), url.getPort());
        } catch (LDAPException e) {
            throw failure("cannot connect", e);
        } catch (GeneralSecurityException e) {
            throw new IOException(describe() + ": cannot set up TLS: " + e.getMessage(), e);
        }
        try {
            if (settings.startTls()) {
                SSLContext context = ssl.createSSLContext();
                ExtendedResult r = c.processExtendedOperation(new StartTLSExtendedRequest(context));
                if (r.getResultCode() != ResultCode.SUCCESS) {
                    throw new LDAPException(r);
                }
            }
            if (settings.bindDn() != null) {
                c.bind(new SimpleBindRequest(settings.bindDn(), password()));
            }
            return c;
        } catch (LDAPException e) {
            c.close();
            throw failure(settings.startTls() && e.getResultCode() != ResultCode.INVALID_CREDENTIALS
                    ? "StartTLS or bind as " + settings.bindDn() + " failed" : "bind as " + settings.bindDn() + " refused", e);
        } catch (GeneralSecurityException e) {
            c.close();
            throw new IOException(describe() + ": cannot set up TLS: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private SSLUtil sslUtil() throws IOException {
        JVMDefaultTrustManager jvm = JVMDefaultTrustManager.getInstance();
        if (settings.trustedCertificates() == null) {
            return new SSLUtil(jvm);
        }
        Path pem = dataDir.resolve(settings.trustedCertificates());
        try {
            return new SSLUtil(new AggregateTrustManager(false, jvm, new PEMFileTrustManager(pem.toFile())));
        } catch (java.security.KeyStoreException e) {
            throw new IOException(describe() + ": cannot read the trusted certificates " + pem + ": " + e.getMessage(), e);
        }
    }

    /** The bind password: the file's first line. A file others may read is refused, as ssh refuses such a key. */
    private byte[] password() throws IOException {
        Path file = dataDir.resolve(settings.passwordFile());
        // on a file system without POSIX permissions its ACLs are the administrator's to set
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.OTHERS_READ)) {
                throw new IOException(describe() + ": the bind password file " + file + " can be read by anyone; chmod 600 it");
            }
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException(describe() + ": cannot read the bind password file " + file + ": " + e, e);
        }
        int end = text.indexOf('\n');
        String line = end < 0 ? text : text.substring(0, end);
        return line.strip().getBytes(StandardCharsets.UTF_8);
    }

    private IOException failure(String what, LDAPException e) {
        String reason = e.getDiagnosticMessage() != null ? e.getDiagnosticMessage() : e.getExceptionMessage();
        return new IOException(describe() + ": " + what + ": " + e.getResultCode() + (reason == null ? "" : " (" + reason + ")"), e);
    }

    // ---------------------------------------------------------------- reading

    /** Every entry of one kind, page by page. */
    private List<SearchResultEntry> search(LDAPConnection c, Kind kind, String... attributes) throws IOException {
        ObjectMapping m = settings.mapping().get(kind);
        return search(c, m.base(), SearchScope.SUB, m.effectiveFilter(), attributes, kind.key());
    }

    private List<SearchResultEntry> search(LDAPConnection c, String base, SearchScope scope, String filter, String[] attributes,
            String what) throws IOException {
        List<SearchResultEntry> all = new ArrayList<>();
        ASN1OctetString cookie = null;
        try {
            do {
                SearchRequest r = new SearchRequest(base, scope, filter, attributes);
                r.setControls(new SimplePagedResultsControl(settings.pageSize(), cookie, false));
                SearchResult result = c.search(r);
                all.addAll(result.getSearchEntries());
                SimplePagedResultsControl page = SimplePagedResultsControl.get(result);
                cookie = page != null && page.moreResultsToReturn() ? page.getCookie() : null;
            } while (cookie != null);
        } catch (LDAPException e) {
            if (e.getResultCode() == ResultCode.NO_SUCH_OBJECT) {
                throw new IOException(describe() + ": the base " + base + " of the " + what + " does not exist (seed the directory,"
                        + " or check directory.ldap.mapping." + what + ".base)", e);
            }
            throw failure("searching " + what + " under " + base + " with " + filter, e);
        }
        return all;
    }

    /** Every attribute Baton reads or writes for a kind, and objectClass. */
    private String[] attributesOf(Kind kind) {
        Set<String> a = new java.util.LinkedHashSet<>();
        a.add("objectClass");
        for (String v : settings.mapping().get(kind).attributes().values()) {
            if (v != null) {
                a.add(v);
            }
        }
        return a.toArray(String[]::new);
    }

    @Override
    public Directory load() throws IOException, DirectoryException {
        try (LDAPConnection c = connect()) {
            Snapshot s = read(c);
            last = s;
            return s.directory();
        }
    }

    /** What {@link #store} writes against: a snapshot with the DN of every object in it. */
    private record Snapshot(Directory directory, String fingerprint, Map<String, String> dns, Map<AccessEntry, List<Placed>> rights) {
    }

    /** An access control entry's DN and position. */
    private record Placed(String dn, long order) {
    }

    private Snapshot read(LDAPConnection c) throws IOException, DirectoryException {
        String fingerprint = fingerprint(c); // before reading: a change during the read shows at the next poll
        SearchResultEntry org;
        try {
            org = c.getEntry(organizationDn.toString(), ORGANIZATION_ATTRIBUTES);
        } catch (LDAPException e) {
            throw failure("reading " + organizationDn, e);
        }
        if (org == null) {
            throw new IOException(describe() + ": there is no organization entry " + organizationDn
                    + " (seed the directory first; docs/directory.md, LDAP)");
        }
        Map<Kind, List<SearchResultEntry>> entries = new LinkedHashMap<>();
        for (Kind k : Kind.values()) {
            entries.put(k, search(c, k, attributesOf(k)));
        }
        return new Reader(org, entries, fingerprint).read();
    }

    /** Turns the entries of one read into a checked Directory, naming DNs in what it refuses. */
    private final class Reader {
        private final SearchResultEntry org;
        private final Map<Kind, List<SearchResultEntry>> entries;
        private final String fingerprint;
        /** Normalized DN to the member it names. */
        private final Map<String, Member> byDn = new HashMap<>();
        /** Member key ({@code user:alice}, {@code dgroup:staff}, {@code connector:x}) to its DN as read. */
        private final Map<String, String> dns = new HashMap<>();

        Reader(SearchResultEntry org, Map<Kind, List<SearchResultEntry>> entries, String fingerprint) {
            this.org = org;
            this.entries = entries;
            this.fingerprint = fingerprint;
        }

        Snapshot read() throws DirectoryException {
            for (String b : Directory.BUILT_IN_GROUPS) {
                byDn.put(normalize(builtIn(b)), Member.group(b));
            }
            byDn.put(normalize(builtIn(ANONYMOUS)), Member.ANONYMOUS);
            index(Kind.SERVERS, "server", Member::server);
            index(Kind.USERS, "user", Member::user);
            index(Kind.GROUPS, "group", Member::group);
            index(Kind.DISTRIBUTION_GROUPS, "dgroup", Member::group);
            index(Kind.CONNECTORS, "connector", null);

            String name = org.getAttributeValue("o");
            if (name == null) {
                throw new DirectoryException(describe() + ": the organization entry " + org.getDN() + " has no o (the organization's name)");
            }
            Directory.Organization organization = new Directory.Organization(name, values(org, "batonAcceptedDomain"),
                    org.getAttributeValue("batonRealm"));
            List<Directory.Server> servers = new ArrayList<>();
            for (SearchResultEntry e : entries.get(Kind.SERVERS)) {
                servers.add(server(e, organization.realm()));
            }
            List<Directory.User> users = new ArrayList<>();
            for (SearchResultEntry e : entries.get(Kind.USERS)) {
                users.add(user(e));
            }
            List<Directory.Group> groups = new ArrayList<>();
            for (SearchResultEntry e : entries.get(Kind.GROUPS)) {
                groups.add(new Directory.Group(name(Kind.GROUPS, e), members(e, Kind.GROUPS, "members", "lists member")));
            }
            List<Directory.DistributionGroup> dgs = new ArrayList<>();
            for (SearchResultEntry e : entries.get(Kind.DISTRIBUTION_GROUPS)) {
                dgs.add(distributionGroup(e));
            }
            List<Directory.Connector> connectors = new ArrayList<>();
            for (SearchResultEntry e : entries.get(Kind.CONNECTORS)) {
                connectors.add(connector(e));
            }
            record Numbered(long order, String dn, AccessEntry entry) {
            }
            List<Numbered> numbered = new ArrayList<>();
            for (SearchResultEntry e : entries.get(Kind.RIGHTS)) {
                String o = value(e, Kind.RIGHTS, "order");
                long order;
                try {
                    order = o == null ? Long.MAX_VALUE : Long.parseLong(o.strip());
                } catch (NumberFormatException ex) {
                    throw bad(e, Kind.RIGHTS, "order", "\"" + o + "\" is not a whole number");
                }
                numbered.add(new Numbered(order, e.getDN(), accessEntry(e)));
            }
            numbered.sort(java.util.Comparator.comparingLong(Numbered::order).thenComparing(Numbered::dn));
            List<AccessEntry> rights = new ArrayList<>();
            Map<AccessEntry, List<Placed>> placed = new HashMap<>();
            for (Numbered n : numbered) {
                rights.add(n.entry());
                placed.computeIfAbsent(n.entry(), x -> new ArrayList<>()).add(new Placed(n.dn(), n.order()));
            }
            try {
                Directory d = Directory.of(organization, servers, users, groups, dgs, connectors, rights);
                return new Snapshot(d, fingerprint, Map.copyOf(dns), placed);
            } catch (DirectoryException e) {
                throw new DirectoryException(describe() + ": " + e.getMessage() + withDns(e.getMessage()));
            }
        }

        private interface Make {
            Member of(String name);
        }

        private void index(Kind kind, String key, Make member) throws DirectoryException {
            for (SearchResultEntry e : entries.get(kind)) {
                String name = name(kind, e).toLowerCase(Locale.ROOT);
                String before = dns.putIfAbsent(key + ":" + name, e.getDN());
                if (before != null) {
                    throw new DirectoryException(describe() + ": two " + kind.key() + " are named \"" + name + "\": " + before
                            + " and " + e.getDN());
                }
                if (member != null) {
                    Member m = member.of(name);
                    Member other = byDn.putIfAbsent(normalize(e.getDN()), m);
                    if (other != null && !other.equals(m)) {
                        throw new DirectoryException(describe() + ": " + e.getDN() + " is both " + other + " and " + m
                                + " (the mapping's bases and filters overlap)");
                    }
                }
            }
        }

        /** For a message of Directory.of: the DNs of the objects it names. */
        private String withDns(String message) {
            List<String> found = new ArrayList<>();
            Matcher m = NAMED.matcher(message);
            while (m.find()) {
                String kind = m.group(1) != null ? m.group(1) : m.group(3);
                String name = (m.group(2) != null ? m.group(2) : m.group(4)).toLowerCase(Locale.ROOT);
                String key = switch (kind) {
                    case "distribution group" -> "dgroup";
                    default -> kind;
                };
                String dn = dns.get(key + ":" + name);
                if (dn == null && key.equals("group")) {
                    dn = dns.get("dgroup:" + name);
                }
                String line = kind + " " + name + " is " + dn;
                if (dn != null && !found.contains(line)) {
                    found.add(line);
                }
            }
            return found.isEmpty() ? "" : " (in LDAP: " + String.join("; ", found) + ")";
        }

        private String name(Kind kind, Entry e) throws DirectoryException {
            String attribute = settings.mapping().get(kind).attribute("name");
            String v = e.getAttributeValue(attribute);
            if (v == null || v.isBlank()) {
                throw new DirectoryException(describe() + ": " + e.getDN() + " has no " + attribute + " (the name of one of the "
                        + kind.key() + ")");
            }
            return v;
        }

        private String value(Entry e, Kind kind, String logical) {
            String attribute = settings.mapping().get(kind).attribute(logical);
            return attribute == null ? null : e.getAttributeValue(attribute);
        }

        private List<String> values(Entry e, Kind kind, String logical) {
            String attribute = settings.mapping().get(kind).attribute(logical);
            return attribute == null ? List.of() : values(e, attribute);
        }

        private static List<String> values(Entry e, String attribute) {
            String[] v = e.getAttributeValues(attribute);
            return v == null ? List.of() : List.of(v);
        }

        private DirectoryException bad(Entry e, Kind kind, String logical, String what) {
            return new DirectoryException(describe() + ": " + e.getDN() + ": " + settings.mapping().get(kind).attribute(logical) + " "
                    + what);
        }

        private Member member(Entry e, String dn, String relation) throws DirectoryException {
            Member m = byDn.get(normalize(dn));
            if (m == null) {
                throw new DirectoryException(describe() + ": " + e.getDN() + " " + relation + " " + dn
                        + ", which is not in the directory (no server, user or group Baton reads has that DN;"
                        + " check the entry, or the mapping's bases and filters)");
            }
            return m;
        }

        private List<Member> members(Entry e, Kind kind, String logical, String relation) throws DirectoryException {
            List<Member> l = new ArrayList<>();
            for (String dn : values(e, kind, logical)) {
                l.add(member(e, dn, relation));
            }
            return l;
        }

        private boolean bool(Entry e, Kind kind, String logical) throws DirectoryException {
            String v = value(e, kind, logical);
            if (v == null) {
                return false;
            }
            return switch (v.strip().toUpperCase(Locale.ROOT)) {
                case "TRUE" -> true;
                case "FALSE" -> false;
                default -> throw bad(e, kind, logical, "\"" + v + "\" is not TRUE or FALSE");
            };
        }

        private Directory.Server server(Entry e, String realm) throws DirectoryException {
            String fqdn = value(e, Kind.SERVERS, "fqdn");
            if (fqdn == null) {
                throw bad(e, Kind.SERVERS, "fqdn", "is required (the server's fully qualified domain name)");
            }
            String principal = value(e, Kind.SERVERS, "principal");
            if (principal == null && realm != null) {
                principal = Directory.Server.principalFor(fqdn, realm);
            }
            List<String> vss = values(e, Kind.SERVERS, "virtualServers");
            String smtp = value(e, Kind.SERVERS, "smtp");
            if (Directory.Server.checkSmtp(smtp) != null) {
                throw bad(e, Kind.SERVERS, "smtp", Directory.Server.checkSmtp(smtp));
            }
            return new Directory.Server(name(Kind.SERVERS, e), fqdn, principal, vss.isEmpty() ? List.of("default") : vss, smtp);
        }

        private Directory.User user(Entry e) throws DirectoryException {
            ObjectMapping m = settings.mapping().get(Kind.USERS);
            List<String> addresses = new ArrayList<>();
            String address = m.attribute("address");
            String aliases = m.attribute("aliases");
            if (address != null && address.equalsIgnoreCase(aliases)) {
                addresses.addAll(sharedAddresses(values(e, address)));
            } else {
                String primary = value(e, Kind.USERS, "address");
                if (primary != null) {
                    addresses.add(primary);
                }
                addresses.addAll(values(e, Kind.USERS, "aliases"));
            }
            String hash = value(e, Kind.USERS, "password");
            if (hash != null && !Passwords.isHash(hash)) {
                throw bad(e, Kind.USERS, "password", "is not a password hash (store an Argon2id hash in PHC form, $argon2id$v=19$...;"
                        + " plain text is never stored)");
            }
            String scram = value(e, Kind.USERS, "scram");
            if (scram != null && ScramCredential.parse(scram) == null) {
                throw bad(e, Kind.USERS, "scram", "is not a SCRAM-SHA-256 credential (SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>,"
                        + " as 'baton org password' writes it)");
            }
            return new Directory.User(name(Kind.USERS, e), value(e, Kind.USERS, "home"), addresses, hash, scram);
        }

        private Directory.DistributionGroup distributionGroup(Entry e) throws DirectoryException {
            Kind k = Kind.DISTRIBUTION_GROUPS;
            String address = value(e, k, "address");
            if (address == null) {
                throw bad(e, k, "address", "is required (the distribution group's address)");
            }
            String owner = value(e, k, "owner");
            String reports = value(e, k, "reports");
            Directory.DeliveryReports rep;
            try {
                rep = reports == null ? Directory.DeliveryReports.SENDER
                        : Directory.DeliveryReports.valueOf(reports.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ex) {
                throw bad(e, k, "reports", "\"" + reports + "\" is not sender, owner or none");
            }
            return new Directory.DistributionGroup(name(k, e), address, members(e, k, "members", "lists member"),
                    owner == null ? null : member(e, owner, "has owner"), members(e, k, "allowedSenders", "allows sender"),
                    bool(e, k, "hiddenMembership"), rep);
        }

        private Directory.Connector connector(Entry e) throws DirectoryException {
            Kind k = Kind.CONNECTORS;
            return new Directory.Connector(name(k, e), values(e, k, "addressSpaces"), value(e, k, "smarthost"),
                    bool(e, k, "trustedWithProperties"));
        }

        private AccessEntry accessEntry(Entry e) throws DirectoryException {
            Kind k = Kind.RIGHTS;
            String allow = value(e, k, "allow");
            if (allow == null) {
                throw bad(e, k, "allow", "is required (TRUE for allow, FALSE for deny)");
            }
            String right = value(e, k, "right");
            Right r = right == null ? null : Right.parse(right.strip());
            if (r == null) {
                throw bad(e, k, "right", "\"" + right + "\" is not a right (one of " + Right.names() + ")");
            }
            String trustee = value(e, k, "trustee");
            if (trustee == null) {
                throw bad(e, k, "trustee", "is required (the DN of a server, user or group)");
            }
            String on = value(e, k, "on");
            Scope scope;
            try {
                scope = on == null ? Scope.ORGANIZATION : Scope.parse(on.strip());
            } catch (IllegalArgumentException ex) {
                throw bad(e, k, "on", ex.getMessage());
            }
            return new AccessEntry(bool(e, k, "allow"), member(e, trustee, "names trustee"), r, scope);
        }
    }

    /** {@code user "bob"}, {@code group:x}: what a message of Directory.of names. */
    private static final Pattern NAMED = Pattern.compile(
            "(server|user|group|distribution group|connector) \"([^\"]+)\"|(server|user|group):([A-Za-z0-9._@-]+)");

    /**
     * One attribute for every address: Active Directory's proxyAddresses ({@code SMTP:} the
     * primary, {@code smtp:} the others, other types such as {@code X500:} left out), or plain
     * values, the first the primary.
     */
    static List<String> sharedAddresses(List<String> values) {
        boolean typed = values.stream().anyMatch(v -> v.regionMatches(true, 0, "smtp:", 0, 5));
        if (!typed) {
            return values;
        }
        List<String> out = new ArrayList<>();
        for (String v : values) {
            if (v.startsWith("SMTP:")) {
                out.add(0, v.substring(5));
            } else if (v.startsWith("smtp:")) {
                out.add(v.substring(5));
            }
        }
        return out;
    }

    private static String normalize(String dn) {
        try {
            return new DN(dn).toNormalizedString();
        } catch (LDAPException e) {
            return dn.toLowerCase(Locale.ROOT);
        }
    }

    private String builtIn(String name) {
        return new DN(new RDN("cn", name), builtInDn).toString();
    }

    // ---------------------------------------------------------------- fingerprint

    /**
     * A digest of every entry's DN and change stamp ({@code changeAttribute}), and their count:
     * an added, changed, deleted or renamed entry changes it; the entries' other attributes are
     * not read. When an entry has no change stamp (the server does not keep it, or the bind DN
     * may not read it), a digest of everything Baton reads instead.
     */
    @Override
    public String fingerprint() throws IOException {
        try (LDAPConnection c = connect()) {
            return fingerprint(c);
        }
    }

    private String fingerprint(LDAPConnection c) throws IOException {
        String stamp = settings.changeAttribute();
        List<String> lines = new ArrayList<>();
        boolean complete = stamped(c, organizationDn.toString(), SearchScope.BASE, "(objectClass=*)", stamp, "organization", lines);
        for (Kind k : Kind.values()) {
            ObjectMapping m = settings.mapping().get(k);
            complete &= stamped(c, m.base(), SearchScope.SUB, m.effectiveFilter(), stamp, k.key(), lines);
        }
        if (complete) {
            return stamp + ":" + lines.size() + ":" + digest(lines);
        }
        lines.clear();
        addAll(lines, search(c, organizationDn.toString(), SearchScope.BASE, "(objectClass=*)", ORGANIZATION_ATTRIBUTES, "organization"));
        for (Kind k : Kind.values()) {
            addAll(lines, search(c, k, attributesOf(k)));
        }
        return "content:" + lines.size() + ":" + digest(lines);
    }

    private boolean stamped(LDAPConnection c, String base, SearchScope scope, String filter, String stamp, String what,
            List<String> lines) throws IOException {
        List<SearchResultEntry> found;
        try {
            found = search(c, base, scope, filter, new String[] {stamp}, what);
        } catch (IOException e) {
            if (e.getCause() instanceof LDAPException le && le.getResultCode() == ResultCode.NO_SUCH_OBJECT) {
                lines.add("missing " + normalize(base));
                return true;
            }
            throw e;
        }
        boolean complete = true;
        for (SearchResultEntry e : found) {
            String v = e.getAttributeValue(stamp);
            complete &= v != null;
            lines.add(normalize(e.getDN()) + "\u0000" + v);
        }
        return complete;
    }

    private static void addAll(List<String> lines, List<SearchResultEntry> entries) {
        for (SearchResultEntry e : entries) {
            StringBuilder b = new StringBuilder(normalize(e.getDN()));
            List<Attribute> attributes = new ArrayList<>(e.getAttributes());
            attributes.sort(java.util.Comparator.comparing(a -> a.getBaseName().toLowerCase(Locale.ROOT)));
            for (Attribute a : attributes) {
                b.append('\u0000').append(a.getBaseName().toLowerCase(Locale.ROOT));
                for (String v : a.getValues()) {
                    b.append('\u0001').append(v);
                }
            }
            lines.add(b.toString());
        }
    }

    private static String digest(List<String> lines) {
        Collections.sort(lines);
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String l : lines) {
                md.update(l.getBytes(StandardCharsets.UTF_8));
                md.update((byte) '\n');
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    // ---------------------------------------------------------------- writing

    @Override
    public void store(Directory current, Directory next) throws IOException, DirectoryException {
        try (LDAPConnection c = connect()) {
            Snapshot s;
            if (current == null) {
                seedSubtree(c);
                s = new Snapshot(null, null, Map.of(), Map.of());
            } else {
                s = last;
                if (s == null || s.directory() != current || !fingerprint(c).equals(s.fingerprint())) {
                    s = read(c);
                    if (!s.directory().equals(current)) {
                        throw new DirectoryException(describe() + " changed while this change was being made; nothing was written"
                                + " (run the command again)");
                    }
                }
            }
            last = null;
            new Writer(c, s, next).write();
        }
    }

    /** An empty store: the base and the kinds' containers where missing, the built-ins; refused over a directory already there. */
    private void seedSubtree(LDAPConnection c) throws IOException, DirectoryException {
        try {
            if (c.getEntry(organizationDn.toString(), "1.1") != null) {
                throw new DirectoryException(describe() + " holds a directory already (" + organizationDn + "); nothing was written");
            }
            ensureContainer(c, baseDn);
            for (Kind k : Kind.values()) {
                ensureContainer(c, new DN(settings.mapping().get(k).base()));
            }
            ensureContainer(c, builtInDn);
            List<String> names = new ArrayList<>(Directory.BUILT_IN_GROUPS);
            Collections.sort(names);
            names.add(ANONYMOUS);
            for (String b : names) {
                if (c.getEntry(builtIn(b), "1.1") == null) {
                    c.add(new Entry(builtIn(b), new Attribute("objectClass", "top", "batonBuiltIn"), new Attribute("cn", b),
                            new Attribute("description", b.equals(ANONYMOUS) ? "a client that did not authenticate"
                                    : "built-in group: its members follow from the directory and the session")));
                }
            }
        } catch (LDAPException e) {
            throw failure("seeding " + baseDn, e);
        }
    }

    private void ensureContainer(LDAPConnection c, DN dn) throws LDAPException, IOException {
        if (c.getEntry(dn.toString(), "1.1") != null) {
            return;
        }
        DN parent = dn.getParent();
        if (parent != null && !parent.isNullDN() && dn.isDescendantOf(baseDn, false)) {
            ensureContainer(c, parent);
        }
        RDN rdn = dn.getRDN();
        String type = rdn.getAttributeNames()[0].toLowerCase(Locale.ROOT);
        String value = rdn.getAttributeValues()[0];
        String objectClass = switch (type) {
            case "ou" -> "organizationalUnit";
            case "o" -> "organization";
            case "dc" -> "domain";
            default -> throw new IOException(describe() + ": " + dn + " does not exist, and Baton makes only ou=, o= and dc= entries;"
                    + " create it first");
        };
        c.add(new Entry(dn, new Attribute("objectClass", "top", objectClass), new Attribute(type, value)));
    }

    /** The difference of two snapshots, written as adds, then modifies, then deletes. */
    private final class Writer {
        private final LDAPConnection c;
        private final Snapshot before;
        private final Directory next;
        private final Map<String, String> dns;
        private final List<Entry> adds = new ArrayList<>();
        private final List<ModifyOp> modifies = new ArrayList<>();
        private final List<String> deletes = new ArrayList<>();

        private record ModifyOp(String dn, List<Modification> mods) {
        }

        Writer(LDAPConnection c, Snapshot before, Directory next) {
            this.c = c;
            this.before = before;
            this.next = next;
            this.dns = new HashMap<>(before.dns());
            // every object of next gets a DN first, so members can name new objects
            for (Directory.Server s : next.servers().values()) {
                dns.computeIfAbsent("server:" + s.name(), k -> newDn(Kind.SERVERS, s.name()));
            }
            for (Directory.User u : next.users().values()) {
                dns.computeIfAbsent("user:" + u.name(), k -> newDn(Kind.USERS, u.name()));
            }
            for (Directory.Group g : next.groups().values()) {
                dns.computeIfAbsent("group:" + g.name(), k -> newDn(Kind.GROUPS, g.name()));
            }
            for (Directory.DistributionGroup g : next.distributionGroups().values()) {
                dns.computeIfAbsent("dgroup:" + g.name(), k -> newDn(Kind.DISTRIBUTION_GROUPS, g.name()));
            }
            for (Directory.Connector x : next.connectors().values()) {
                dns.computeIfAbsent("connector:" + x.name(), k -> newDn(Kind.CONNECTORS, x.name()));
            }
        }

        private String newDn(Kind kind, String name) {
            ObjectMapping m = settings.mapping().get(kind);
            try {
                return new DN(new RDN(m.attribute("name"), name), new DN(m.base())).toString();
            } catch (LDAPException e) {
                throw new IllegalArgumentException(m.base() + ": " + e.getMessage(), e);
            }
        }

        private String dnOf(Member m) {
            if (m.kind() == Member.Kind.ANONYMOUS) {
                return builtIn(ANONYMOUS);
            }
            if (m.kind() == Member.Kind.GROUP && Directory.BUILT_IN_GROUPS.contains(m.name())) {
                return builtIn(m.name());
            }
            String dn = dns.get(m.toString());
            if (dn == null && m.kind() == Member.Kind.GROUP) {
                dn = dns.get("dgroup:" + m.name());
            }
            if (dn == null) {
                throw new IllegalStateException(m + " has no DN although the directory was checked whole");
            }
            return dn;
        }

        private List<String> dnsOf(List<Member> members) {
            return members.stream().map(this::dnOf).toList();
        }

        void write() throws IOException {
            Directory prev = before.directory();
            organization(prev == null ? null : prev.organization(), next.organization());
            objects(Kind.SERVERS, "server", prev == null ? Map.of() : prev.servers(), next.servers(), this::serverAttributes);
            objects(Kind.USERS, "user", prev == null ? Map.of() : prev.users(), next.users(), this::userAttributes);
            objects(Kind.GROUPS, "group", prev == null ? Map.of() : prev.groups(), next.groups(), this::groupAttributes);
            objects(Kind.DISTRIBUTION_GROUPS, "dgroup", prev == null ? Map.of() : prev.distributionGroups(), next.distributionGroups(),
                    this::distributionGroupAttributes);
            objects(Kind.CONNECTORS, "connector", prev == null ? Map.of() : prev.connectors(), next.connectors(),
                    this::connectorAttributes);
            rights(prev == null ? List.of() : prev.definedEntries(), next.definedEntries());
            String doing = "";
            int done = 0;
            int all = adds.size() + modifies.size() + deletes.size();
            try {
                for (Entry e : adds) {
                    doing = "adding " + e.getDN();
                    c.add(e);
                    done++;
                }
                for (ModifyOp m : modifies) {
                    doing = "changing " + m.dn();
                    c.modify(m.dn(), m.mods());
                    done++;
                }
                Collections.reverse(deletes);
                for (String dn : deletes) {
                    doing = "deleting " + dn;
                    c.delete(dn);
                    done++;
                }
            } catch (LDAPException e) {
                throw failure(doing + " failed; " + (done == 0 ? "nothing was written"
                        : "the change is partly written (" + done + " of " + all + " operations; load again and check)"), e);
            }
        }

        private void organization(Directory.Organization was, Directory.Organization now) {
            Map<String, List<String>> a = new LinkedHashMap<>();
            a.put("o", List.of(now.name()));
            a.put("batonAcceptedDomain", now.acceptedDomains());
            a.put("batonRealm", now.realm() == null ? List.of() : List.of(now.realm()));
            if (was == null) {
                Entry e = new Entry(organizationDn);
                e.addAttribute("objectClass", "top", "batonOrganization");
                e.addAttribute("cn", "organization");
                addAll(e, a);
                adds.add(e);
                return;
            }
            Map<String, List<String>> w = new LinkedHashMap<>();
            w.put("o", List.of(was.name()));
            w.put("batonAcceptedDomain", was.acceptedDomains());
            w.put("batonRealm", was.realm() == null ? List.of() : List.of(was.realm()));
            modify(organizationDn.toString(), w, a);
        }

        private interface Attributes<T> {
            Map<String, List<String>> of(T t);
        }

        private <T> void objects(Kind kind, String key, Map<String, T> was, Map<String, T> now, Attributes<T> attributes) {
            ObjectMapping m = settings.mapping().get(kind);
            for (Map.Entry<String, T> e : now.entrySet()) {
                String dn = dns.get(key + ":" + e.getKey());
                T old = was.get(e.getKey());
                if (old == null) {
                    Entry entry = new Entry(dn);
                    List<String> classes = new ArrayList<>(List.of("top"));
                    classes.addAll(m.objectClasses());
                    entry.addAttribute("objectClass", classes);
                    entry.addAttribute(m.attribute("name"), e.getKey());
                    for (String copy : m.copyName()) {
                        if (!copy.equalsIgnoreCase(m.attribute("name"))) {
                            entry.addAttribute(copy, e.getKey());
                        }
                    }
                    addAll(entry, attributes.of(e.getValue()));
                    adds.add(entry);
                } else if (!old.equals(e.getValue())) {
                    modify(dn, attributes.of(old), attributes.of(e.getValue()));
                }
            }
            for (String name : was.keySet()) {
                if (!now.containsKey(name)) {
                    deletes.add(dns.get(key + ":" + name));
                }
            }
        }

        private void addAll(Entry e, Map<String, List<String>> attributes) {
            attributes.forEach((name, values) -> {
                if (!values.isEmpty()) {
                    e.addAttribute(name, values);
                }
            });
        }

        /** Changed attributes only: values taken out and appended where that is the change, else replaced whole. */
        private void modify(String dn, Map<String, List<String>> was, Map<String, List<String>> now) {
            List<Modification> mods = new ArrayList<>();
            Set<String> names = new java.util.LinkedHashSet<>(was.keySet());
            names.addAll(now.keySet());
            for (String name : names) {
                List<String> a = was.getOrDefault(name, List.of());
                List<String> b = now.getOrDefault(name, List.of());
                if (a.equals(b)) {
                    continue;
                }
                List<String> kept = new ArrayList<>(a);
                kept.retainAll(new HashSet<>(b));
                boolean appendOnly = !kept.isEmpty() && b.size() >= kept.size() && b.subList(0, kept.size()).equals(kept);
                if (appendOnly) {
                    List<String> removed = a.stream().filter(v -> !kept.contains(v)).toList();
                    List<String> appended = b.subList(kept.size(), b.size());
                    if (!removed.isEmpty()) {
                        mods.add(new Modification(ModificationType.DELETE, name, removed.toArray(String[]::new)));
                    }
                    if (!appended.isEmpty()) {
                        mods.add(new Modification(ModificationType.ADD, name, appended.toArray(String[]::new)));
                    }
                } else {
                    mods.add(new Modification(ModificationType.REPLACE, name, b.toArray(String[]::new)));
                }
            }
            if (!mods.isEmpty()) {
                modifies.add(new ModifyOp(dn, mods));
            }
        }

        private void put(Map<String, List<String>> a, Kind kind, String logical, List<String> values) {
            String attribute = settings.mapping().get(kind).attribute(logical);
            if (attribute != null) {
                a.merge(attribute, values, (x, y) -> {
                    List<String> both = new ArrayList<>(x);
                    both.addAll(y);
                    return both;
                });
            }
        }

        private static List<String> one(String v) {
            return v == null ? List.of() : List.of(v);
        }

        private static List<String> bool(boolean v) {
            return List.of(v ? "TRUE" : "FALSE");
        }

        private Map<String, List<String>> serverAttributes(Directory.Server s) {
            Map<String, List<String>> a = new LinkedHashMap<>();
            put(a, Kind.SERVERS, "fqdn", List.of(s.fqdn()));
            String realm = next.organization().realm();
            boolean derived = realm != null && s.principal() != null && s.principal().equals(Directory.Server.principalFor(s.fqdn(), realm));
            put(a, Kind.SERVERS, "principal", derived ? List.of() : one(s.principal()));
            put(a, Kind.SERVERS, "virtualServers", s.virtualServers());
            put(a, Kind.SERVERS, "smtp", one(s.smtp()));
            return a;
        }

        private Map<String, List<String>> userAttributes(Directory.User u) {
            Map<String, List<String>> a = new LinkedHashMap<>();
            ObjectMapping m = settings.mapping().get(Kind.USERS);
            List<String> addresses = u.addresses();
            if (m.attribute("address") != null && m.attribute("address").equalsIgnoreCase(m.attribute("aliases"))
                    && m.attribute("address").equalsIgnoreCase("proxyAddresses")) {
                List<String> typed = new ArrayList<>();
                for (int i = 0; i < addresses.size(); i++) {
                    typed.add((i == 0 ? "SMTP:" : "smtp:") + addresses.get(i));
                }
                put(a, Kind.USERS, "address", typed);
            } else {
                put(a, Kind.USERS, "address", addresses.isEmpty() ? List.of() : List.of(addresses.get(0)));
                put(a, Kind.USERS, "aliases", addresses.size() < 2 ? List.of() : addresses.subList(1, addresses.size()));
            }
            put(a, Kind.USERS, "home", one(u.homeServer()));
            put(a, Kind.USERS, "password", one(u.passwordHash()));
            put(a, Kind.USERS, "scram", one(u.scram()));
            return a;
        }

        private Map<String, List<String>> groupAttributes(Directory.Group g) {
            Map<String, List<String>> a = new LinkedHashMap<>();
            put(a, Kind.GROUPS, "members", dnsOf(g.members()));
            return a;
        }

        private Map<String, List<String>> distributionGroupAttributes(Directory.DistributionGroup g) {
            Kind k = Kind.DISTRIBUTION_GROUPS;
            Map<String, List<String>> a = new LinkedHashMap<>();
            put(a, k, "address", List.of(g.address()));
            put(a, k, "members", dnsOf(g.members()));
            put(a, k, "owner", g.owner() == null ? List.of() : List.of(dnOf(g.owner())));
            put(a, k, "allowedSenders", dnsOf(g.allowedSenders()));
            put(a, k, "hiddenMembership", g.hiddenMembership() ? bool(true) : List.of());
            put(a, k, "reports", List.of(g.reports().name().toLowerCase(Locale.ROOT)));
            return a;
        }

        private Map<String, List<String>> connectorAttributes(Directory.Connector x) {
            Kind k = Kind.CONNECTORS;
            Map<String, List<String>> a = new LinkedHashMap<>();
            put(a, k, "addressSpaces", x.addressSpaces());
            put(a, k, "smarthost", one(x.smarthost()));
            put(a, k, "trustedWithProperties", bool(x.trustedWithProperties()));
            return a;
        }

        /**
         * Entries are matched by value; each keeps its DN, and its position where that still
         * sorts after the one before it (else it gets the next number), so appending or removing
         * an entry touches only that entry.
         */
        private void rights(List<AccessEntry> was, List<AccessEntry> now) {
            Kind k = Kind.RIGHTS;
            ObjectMapping m = settings.mapping().get(k);
            Map<AccessEntry, List<Placed>> unused = new HashMap<>();
            before.rights().forEach((e, l) -> unused.put(e, new ArrayList<>(l)));
            Set<String> names = new HashSet<>();
            before.rights().values().forEach(l -> l.forEach(p -> names.add(normalize(p.dn()))));
            long prev = 0;
            for (AccessEntry e : now) {
                List<Placed> candidates = unused.getOrDefault(e, List.of());
                if (!candidates.isEmpty()) {
                    Placed p = candidates.remove(0);
                    if (p.order() > prev && p.order() != Long.MAX_VALUE) {
                        prev = p.order();
                    } else {
                        prev++;
                        String order = m.attribute("order");
                        if (order != null) {
                            modifies.add(new ModifyOp(p.dn(), List.of(new Modification(ModificationType.REPLACE, order,
                                    Long.toString(prev)))));
                        }
                    }
                    continue;
                }
                prev++;
                String cn = e.toString();
                String dn = rightDn(m, cn);
                for (int i = 2; names.contains(normalize(dn)); i++) {
                    dn = rightDn(m, cn + " #" + i);
                }
                names.add(normalize(dn));
                Entry entry = new Entry(dn);
                List<String> classes = new ArrayList<>(List.of("top"));
                classes.addAll(m.objectClasses());
                entry.addAttribute("objectClass", classes);
                entry.addAttribute(new DNRdn(dn).attribute(), new DNRdn(dn).value());
                Map<String, List<String>> a = new LinkedHashMap<>();
                put(a, k, "allow", bool(e.allow()));
                put(a, k, "right", List.of(e.right().wireName()));
                put(a, k, "trustee", List.of(dnOf(e.trustee())));
                put(a, k, "on", List.of(e.on().toString()));
                put(a, k, "order", List.of(Long.toString(prev)));
                addAll(entry, a);
                adds.add(entry);
            }
            unused.values().forEach(l -> l.forEach(p -> deletes.add(p.dn())));
        }

        private String rightDn(ObjectMapping m, String cn) {
            try {
                return new DN(new RDN(m.attribute("name"), cn), new DN(m.base())).toString();
            } catch (LDAPException e) {
                throw new IllegalArgumentException(m.base() + ": " + e.getMessage(), e);
            }
        }
    }

    /** The naming attribute and value of a DN made here. */
    private record DNRdn(String attribute, String value) {
        DNRdn(String dn) {
            this(rdnOf(dn).getAttributeNames()[0], rdnOf(dn).getAttributeValues()[0]);
        }

        private static RDN rdnOf(String dn) {
            try {
                return new DN(dn).getRDN();
            } catch (LDAPException e) {
                throw new IllegalArgumentException(dn + ": " + e.getMessage(), e);
            }
        }
    }
}
