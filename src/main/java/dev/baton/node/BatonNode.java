package dev.baton.node;

import dev.baton.admin.ControlSocket;
import dev.baton.auth.Credentials;
import dev.baton.auth.LoginMechanism;
import dev.baton.auth.PlainMechanism;
import dev.baton.auth.ScramMechanism;
import dev.baton.auth.ServerMechanism;
import dev.baton.config.BatonConfig;
import dev.baton.config.RouteSettings;
import dev.baton.org.Directory;
import dev.baton.config.VirtualServerSettings;
import dev.baton.config.VirtualServerSettings.TlsMode;
import dev.baton.delivery.LocalDelivery;
import dev.baton.delivery.Router;
import dev.baton.delivery.SmtpTransport;
import dev.baton.events.DeliveryLog;
import dev.baton.events.Event;
import dev.baton.events.EventLog;
import dev.baton.events.Where;
import dev.baton.routing.MxResolver;
import dev.baton.routing.Routes;
import dev.baton.queue.RetryPolicy;
import dev.baton.queue.Scheduler;
import dev.baton.queue.Spool;
import dev.baton.smtp.server.ProtocolLog;
import dev.baton.smtp.server.ServerContext;
import dev.baton.smtp.server.SmtpListener;
import dev.baton.tls.TlsContexts;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

/**
 * One Baton server: its spool, its scheduler and delivery, and a listener per virtual server.
 * Several nodes may live in one JVM (tests, demo); they share nothing.
 */
public final class BatonNode implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BatonNode.class);

    private volatile BatonConfig config;
    private final Path dataDir;
    private final Spool spool;
    private final Scheduler scheduler;
    private final Routes routes;
    private final Router router;
    private final SmtpTransport smtp;
    private final MxResolver mx;
    private final LocalDelivery localDelivery;
    /** One per virtual server, in the order of the configuration in force. */
    private volatile List<SmtpListener> listeners = List.of();
    /** Listeners a reload removed: no longer accepting, their sessions finishing. */
    private final List<SmtpListener> retiring = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.Map<String, ProtocolLog> logs = new java.util.concurrent.ConcurrentHashMap<>();
    private final Object reloading = new Object();
    private volatile Path configFile;
    private volatile java.util.function.UnaryOperator<BatonConfig> adjust = java.util.function.UnaryOperator.identity();
    private final LiveDirectory directory;
    private final EventLog events;
    private final EventReports reports;
    private final DeliveryLogReports mailLog;
    private ControlSocket control;
    /** Kerberos as baton.yml says: off, or the realm, keytab and GSSAPI of this node (ADR 0021). */
    private volatile NodeKerberos kerberos = NodeKerberos.OFF;

    private BatonNode(BatonConfig config, Path dataDir, Spool spool, EventLog events, LiveDirectory directory) throws IOException {
        this.config = config;
        this.dataDir = dataDir;
        this.spool = spool;
        this.events = events;
        this.directory = directory;
        this.reports = new EventReports(events, config);
        this.routes = new Routes(routesFor(config, directory.directory()));
        directory.onChange(() -> routes.replace(routesFor(this.config, directory.directory())));
        this.localDelivery = new LocalDelivery(dataDir.resolve(config.mailboxes().directory()), spool,
                config.mailboxes().quota(), config.mailboxes().aliases(), spool.clock());
        localDelivery.primaryAddresses(address -> {
            Directory.User u = directory.directory().userByAddress(address);
            return u == null || u.addresses().isEmpty() ? null : u.addresses().get(0);
        });
        this.smtp = new SmtpTransport(config.delivery(), spool::openContent);
        smtp.reportTo(reports);
        this.mx = new MxResolver(config.delivery().resolver(), config.delivery().commandTimeout().compareTo(Duration.ofSeconds(30)) > 0
                ? Duration.ofSeconds(30) : config.delivery().commandTimeout());
        this.router = new Router(routes, localDelivery, smtp, mx, config.delivery().maxPerDestination(), spool.clock());
        router.homes(this::homeOf);
        RetryPolicy retry = new RetryPolicy(config.queue().retryDelay(), config.queue().maxRetryDelay(),
                config.queue().lifetime(), config.queue().delayWarning());
        // last: nothing after it can fail and leave its writer running
        this.mailLog = new DeliveryLogReports(DeliveryLog.open(dataDir, config.server().name(), config.deliveryLog(), spool.clock()),
                spool.clock(), localDelivery, reports, reports);
        spool.onRemove(mailLog::removed);
        this.scheduler = new Scheduler(spool, router, config.queue().deliveryWorkers(), retry,
                new DsnNotifier(spool, config.server().fqdn(), retry, events, mailLog), mailLog);
    }

    /** Opens the spool (recovering it), starts delivery, then opens every virtual server. */
    public static BatonNode start(BatonConfig config, Path dataDir) throws IOException {
        return start(config, dataDir, Clock.systemUTC());
    }

    /** As {@link #start(BatonConfig, Path)}, with the spool's files opened by the given opener (tests: a full disk). */
    public static BatonNode start(BatonConfig config, Path dataDir, Spool.FileOpener opener) throws IOException {
        Path root = spoolRoot(config, dataDir);
        ControlSocket.refuseIfInUse(root);
        return start(config, dataDir, Spool.open(root, opener, Clock.systemUTC()));
    }

    /**
     * As {@link #start(BatonConfig, Path)} with the given clock: the one clock every part of
     * the server reads the time from (arrival, Received, retries, DSNs, dead destinations).
     */
    public static BatonNode start(BatonConfig config, Path dataDir, Clock clock) throws IOException {
        Path root = spoolRoot(config, dataDir);
        ControlSocket.refuseIfInUse(root);
        return start(config, dataDir, Spool.open(root, clock));
    }

    private static Path spoolRoot(BatonConfig config, Path dataDir) {
        return dataDir.resolve(config.queue().directory());
    }

    /**
     * The routes in force: an accepted domain of the organization is delivered here unless a
     * route of baton.yml names it (exactly or as *.domain; the catch-all "*" is for the rest of
     * the world), then baton.yml's routes in their order.
     */
    static List<RouteSettings> routesFor(BatonConfig config, Directory d) {
        List<RouteSettings> all = new ArrayList<>();
        for (String domain : d.organization().acceptedDomains()) {
            boolean named = config.routes().stream().anyMatch(r -> !r.domain().equals("*") && r.matches(domain));
            if (!named) {
                all.add(RouteSettings.of(domain, RouteSettings.Transport.LOCAL));
            }
        }
        all.addAll(config.routes());
        return all;
    }

    private static BatonNode start(BatonConfig config, Path dataDir, Spool spool) throws IOException {
        EventLog events;
        try {
            events = EventLog.open(dataDir, config.server().name(),
                    config.virtualServers().stream().map(VirtualServerSettings::name).toList(), config.events(), spool.clock());
        } catch (IOException | RuntimeException e) {
            closeQuietly(spool);
            throw e;
        }
        LiveDirectory directory;
        try {
            directory = LiveDirectory.open(config, dataDir, new DirectoryEvents(events));
        } catch (IOException | RuntimeException e) {
            // a directory that stops the start is an error that stops mail: the event log says so too
            events.emit(Event.DIRECTORY_REFUSED, Where.SERVER, config.directory().ldap() != null ? config.directory().ldap().url()
                    : String.valueOf(dataDir.resolve(String.valueOf(config.directory().file()))), e.getMessage());
            events.close();
            closeQuietly(spool);
            throw e;
        }
        BatonNode node;
        try {
            node = new BatonNode(config, dataDir, spool, events, directory);
        } catch (IOException | RuntimeException e) {
            directory.close();
            events.close();
            closeQuietly(spool);
            throw e;
        }
        try {
            // first: the control socket is what keeps a second server off this spool
            node.control = ControlSocket.open(spool.root(), node.scheduler, events);
            if (node.control != null) {
                node.control.status(node::status);
                node.control.reload(() -> node.reload().toJson());
            }
            node.kerberos = NodeKerberos.start(config, dataDir, directory);
            directory.onChange(node.kerberos::principalsOfTheDirectory);
            if (node.kerberos.initiator() != null) {
                node.outboundAuthentication(node.kerberos.initiator());
            }
            node.scheduler.start();
            directory.start();
            List<SmtpListener> ls = new ArrayList<>();
            node.listeners = ls;
            for (VirtualServerSettings vs : config.virtualServers()) {
                ls.add(SmtpListener.start(node.context(vs, config)));
            }
            node.listeners = List.copyOf(ls);
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
        List<String> vss = new ArrayList<>();
        List<java.net.InetSocketAddress> at = node.endpoints();
        for (int i = 0; i < at.size(); i++) {
            vss.add(config.virtualServers().get(i).name() + " on " + at.get(i).getAddress().getHostAddress() + ":" + at.get(i).getPort());
        }
        events.emit(Event.SERVER_STARTED, Where.SERVER, config.server().name(), config.server().fqdn(), String.join(", ", vss));
        return node;
    }

    private static void closeQuietly(Spool spool) {
        try {
            spool.close();
        } catch (IOException ignored) {
            // only directory handles; the start failed for another reason, which is what counts
        }
    }

    /** The context of one virtual server under a configuration: TLS read now, the acceptance policy of that configuration. */
    private ServerContext context(VirtualServerSettings vs, BatonConfig config) throws IOException {
        SSLSocketFactory tls = null;
        if (vs.tls().mode() != TlsMode.OFF) {
            Path cert;
            Path key;
            if (vs.tls().certificate() != null) {
                cert = dataDir.resolve(vs.tls().certificate());
                key = dataDir.resolve(vs.tls().key());
            } else {
                Path[] pair = TlsContexts.selfSigned(dataDir.resolve("tls"), vs.fqdn());
                cert = pair[0];
                key = pair[1];
            }
            SSLContext ctx;
            try {
                ctx = TlsContexts.server(cert, key);
            } catch (java.nio.file.FileSystemException e) {
                // a bare path is all such an exception says: say what it is and where it was asked for
                throw new IOException("virtual server \"" + vs.name() + "\": cannot read the TLS certificate or key: "
                        + Problems.describe(e) + " (check virtualServers[].tls.certificate and .key; relative paths are"
                        + " resolved in the data directory " + dataDir + ")", e);
            }
            tls = TlsContexts.serverFactory(ctx);
        }
        ProtocolLog log = ProtocolLog.OFF;
        if (vs.protocolLog()) {
            ProtocolLog open = logs.get(vs.name());
            if (open == null) {
                open = ProtocolLog.open(dataDir.resolve("logs").resolve("smtp-" + vs.name() + ".log"));
                logs.put(vs.name(), open);
            }
            log = open;
        }
        return new ServerContext(vs, tls, spool, new AcceptancePolicy(config, vs, routes, directory::rights), log, mailLog,
                spool.clock()).withMechanisms(mechanisms());
    }

    /**
     * Where {@link #reload()} reads baton.yml again, and what it does to it before use (serve's
     * --smtp-port). Without it a reload is refused.
     */
    public void reloadFrom(Path file, java.util.function.UnaryOperator<BatonConfig> adjust) {
        this.configFile = file;
        this.adjust = adjust;
    }

    /**
     * Reads baton.yml again (see {@link #reloadFrom}) and puts it in force as {@link #reload(BatonConfig)} does.
     * SIGHUP and {@code baton reload} come here.
     */
    public Reload reload() {
        Path file = configFile;
        if (file == null) {
            return refused("(none)", "this server was not told where its baton.yml is");
        }
        BatonConfig next;
        try {
            next = adjust.apply(dev.baton.config.ConfigLoader.load(file));
        } catch (dev.baton.config.ConfigException e) {
            return refused(file.toString(), Problems.describe(e));
        }
        return reload(next, file.toString());
    }

    /** As {@link #reload()} with the configuration given (ADR 0015). */
    public Reload reload(BatonConfig next) {
        return reload(next, configFile == null ? "(given)" : configFile.toString());
    }

    /**
     * Puts a new configuration in force, all of it or nothing (ADR 0015). It is checked as
     * {@code baton config check} checks; a change to a section that needs a restart is refused.
     * Then every virtual server gets a new context (TLS read again, its settings, the acceptance
     * policy of the new baton.yml) for new connections; sessions under way keep theirs. A virtual
     * server added, or whose address or port changed, gets a listener of its own (bound before
     * anything else changes); one removed stops accepting and its sessions finish.
     */
    private Reload reload(BatonConfig next, String source) {
        synchronized (reloading) {
            BatonConfig now = config;
            List<String> restart = ConfigDiff.needingRestart(now, next);
            if (!restart.isEmpty()) {
                return refused(source, "changing " + String.join(", ", restart) + " needs a restart (restart the server to apply"
                        + " the new baton.yml)");
            }
            for (ConfigurationCheck.Finding f : ConfigurationCheck.run(next, dataDir)) {
                if (!f.ok()) {
                    return refused(source, f.what() + ": " + f.detail() + " (as 'baton config check' says)");
                }
            }
            try {
                directory.accepts(next);
            } catch (dev.baton.org.DirectoryException e) {
                return refused(source, "the directory in force does not fit it: " + e.getMessage());
            }
            List<SmtpListener> current = listeners;
            java.util.Map<String, SmtpListener> byName = new java.util.HashMap<>();
            for (int i = 0; i < current.size(); i++) {
                byName.put(now.virtualServers().get(i).name(), current.get(i));
            }
            List<SmtpListener> started = new ArrayList<>();
            java.util.Map<SmtpListener, ServerContext> swaps = new java.util.HashMap<>();
            List<SmtpListener> after = new ArrayList<>();
            try {
                for (VirtualServerSettings vs : next.virtualServers()) {
                    ServerContext ctx = context(vs, next);
                    SmtpListener old = byName.get(vs.name());
                    if (old != null && sameEndpoint(old.context().settings(), vs)) {
                        swaps.put(old, ctx);
                        after.add(old);
                    } else {
                        SmtpListener l = SmtpListener.start(ctx);
                        started.add(l);
                        after.add(l);
                    }
                }
            } catch (IOException | RuntimeException e) {
                started.forEach(l -> l.close(Duration.ZERO));
                return refused(source, Problems.describe(e));
            }
            // from here on nothing can fail: put it all in force
            List<String> changes = ConfigDiff.describe(now, next);
            config = next;
            directory.reconfigure(next);
            events.virtualServers(next.virtualServers().stream().map(VirtualServerSettings::name).toList());
            reports.configuration(next);
            swaps.forEach(SmtpListener::replace);
            listeners = List.copyOf(after);
            for (SmtpListener l : current) {
                if (!after.contains(l)) {
                    l.stopAccepting();
                    retiring.add(l);
                    Thread.ofVirtual().name("smtp-retire").start(() -> {
                        l.close(RETIRE_GRACE);
                        retiring.remove(l);
                    });
                }
            }
            List<String> said = changes.isEmpty() ? List.of("no setting changed; TLS certificates and keys read again") : changes;
            LOG.info("reloaded {}: {}", source, String.join("; ", said));
            events.emit(Event.CONFIG_RELOADED, Where.SERVER, source, String.join("; ", said));
            return Reload.applied(said);
        }
    }

    /** How long the sessions of a removed virtual server have to finish. */
    private static final Duration RETIRE_GRACE = Duration.ofMinutes(10);

    private static boolean sameEndpoint(VirtualServerSettings a, VirtualServerSettings b) {
        return a.address().equals(b.address()) && a.port() == b.port();
    }

    private Reload refused(String source, String reason) {
        LOG.warn("reload of {} refused, nothing changed (the server runs on as before): {}", source, reason);
        events.emit(Event.CONFIG_RELOAD_REFUSED, Where.SERVER, source, reason);
        return Reload.refusal(reason);
    }

    /**
     * The SASL mechanisms AUTH offers, strongest first; each virtual server switches their
     * families on or off. Integrated ones (GSSAPI, when Kerberos is on) come last; X-EXPS offers those.
     */
    private List<ServerMechanism> mechanisms() {
        Credentials credentials = new DirectoryCredentials(directory::directory);
        List<ServerMechanism> all = new ArrayList<>(List.of(new ScramMechanism(credentials, false), new PlainMechanism(credentials),
                new LoginMechanism(credentials)));
        all.addAll(kerberos.mechanisms());
        return all;
    }

    /**
     * Where the live directory keeps a user's mailbox, for the organization transport (ADR 0020):
     * here when the user's home server is this one (or the user has none), else the home server
     * at its {@code smtp} address; empty for an address the directory does not know.
     */
    private java.util.Optional<dev.baton.delivery.Homes.Home> homeOf(String address) {
        Directory d = directory.directory();
        Directory.User u = d.userByAddress(address);
        if (u == null) {
            return java.util.Optional.empty();
        }
        String self = config.server().name().toLowerCase(java.util.Locale.ROOT);
        if (u.homeServer() == null || u.homeServer().equals(self)) {
            return java.util.Optional.of(new dev.baton.delivery.Homes.Home(self, config.server().fqdn(), true, null, 0));
        }
        Directory.Server s = d.servers().get(u.homeServer());
        return s == null ? java.util.Optional.empty()
                : java.util.Optional.of(new dev.baton.delivery.Homes.Home(s.name(), s.fqdn(), false, s.smtpHost(), s.smtpPort()));
    }

    /** This node's Kerberos realm, or null when baton.yml's kerberos.mode is off. */
    public String kerberosRealm() {
        return kerberos.realm();
    }

    /** This node's keytab (the keys of smtp/<fqdn>@REALM, to accept and to send with), or null when Kerberos is off. */
    public Path kerberosKeytab() {
        return kerberos.keytab() == null ? null : kerberos.keytab().keytab();
    }

    /**
     * The mechanism this server proves itself with to the organization's servers (GSSAPI as its
     * initiator login; the node's Kerberos wiring supplies it), or null for none. A next hop whose
     * greeting or EHLO names a server of the live directory then gets X-EXPS (ADR 0020).
     */
    public void outboundAuthentication(dev.baton.auth.ClientMechanism mechanism) {
        smtp.organization(new SmtpTransport.Organization(fqdn -> directory.directory().servers().values().stream()
                .anyMatch(s -> s.fqdn() != null && s.fqdn().equalsIgnoreCase(fqdn)), mechanism));
    }

    public BatonConfig config() {
        return config;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The directory in force, and where it comes from. */
    public LiveDirectory directory() {
        return directory;
    }

    private final java.time.Instant started = java.time.Instant.now();

    /** What {@code baton status} shows: the server, since when, its listeners, its queue, its directory. */
    com.fasterxml.jackson.databind.JsonNode status() {
        var json = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
        var o = json.objectNode();
        o.put("server", config.server().name());
        o.put("fqdn", config.server().fqdn());
        o.put("pid", ProcessHandle.current().pid());
        o.put("started", started.toString());
        o.put("uptimeSeconds", Duration.between(started, java.time.Instant.now()).toSeconds());
        var ls = o.putArray("listeners");
        for (SmtpListener l : listeners) {
            ls.addObject().put("virtualServer", l.context().settings().name())
                    .put("address", l.address().getHostAddress()).put("port", l.port());
        }
        var q = o.putObject("queue");
        try {
            q.put("messages", spool.list().size());
        } catch (IOException e) {
            q.put("error", Problems.describe(e));
        }
        q.put("waitingForRetry", scheduler.waiting());
        var d = o.putObject("directory");
        d.put("source", directory.store() == null ? "an organization of one, from baton.yml" : directory.store().describe());
        d.put("summary", directory.directory().summary());
        d.put("lastRefusal", directory.lastRefusal());
        return o;
    }

    /** The route in force for a domain. */
    public java.util.Optional<RouteSettings> routeFor(String domain) {
        return routes.routeFor(domain);
    }

    public Spool spool() {
        return spool;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public LocalDelivery localDelivery() {
        return localDelivery;
    }

    /**
     * The server's event log. Other parts of the node write to it with
     * {@link EventLog#emit(Event, Where, Object...)}, e.g. a directory reload:
     * {@code events().emit(Event.DIRECTORY_LOADED, Where.SERVER, source, summary)}.
     */
    public EventLog events() {
        return events;
    }

    /** The server's delivery log ({@link DeliveryLog#OFF} when baton.yml turns it off). */
    public DeliveryLog deliveryLog() {
        return mailLog.log();
    }

    /** Where each virtual server listens, in the order of the configuration. */
    public List<java.net.InetSocketAddress> endpoints() {
        return listeners.stream().map(l -> new java.net.InetSocketAddress(l.address(), l.port())).toList();
    }

    /** The port of the first virtual server (handy when it was configured as 0). */
    public int smtpPort() {
        return listeners.get(0).port();
    }

    @Override
    public void close() {
        for (SmtpListener l : listeners) {
            l.close(Duration.ofSeconds(10));
        }
        for (SmtpListener l : retiring) {
            l.close(Duration.ofSeconds(10));
        }
        if (control != null) {
            control.close();
        }
        directory.close();
        kerberos.close();
        scheduler.close();
        smtp.close();
        try {
            spool.close();
        } catch (IOException ignored) {
            // only directory handles; nothing is lost
        }
        for (ProtocolLog log : logs.values()) {
            try {
                log.close();
            } catch (IOException ignored) {
                // closing a diagnostic log
            }
        }
        // last: everything above may still have reported something
        events.emit(Event.SERVER_STOPPED, Where.SERVER, config.server().name());
        events.close();
        mailLog.log().close();
    }
}
