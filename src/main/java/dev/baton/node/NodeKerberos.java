package dev.baton.node;

import dev.baton.auth.AuthenticationException;
import dev.baton.auth.ClientExchange;
import dev.baton.auth.ClientMechanism;
import dev.baton.auth.ServerMechanism;
import dev.baton.auth.kerberos.EmbeddedRealm;
import dev.baton.auth.kerberos.GssapiClientMechanism;
import dev.baton.auth.kerberos.GssapiServerMechanism;
import dev.baton.auth.kerberos.InitiatorLogin;
import dev.baton.auth.kerberos.KerberosException;
import dev.baton.auth.kerberos.Krb5Conf;
import dev.baton.auth.kerberos.ServiceKeytab;
import dev.baton.config.BatonConfig;
import dev.baton.config.KerberosSettings;
import dev.baton.config.VirtualServerSettings;
import dev.baton.org.Directory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A node's Kerberos (ADR 0021): nothing when baton.yml's {@code kerberos.mode} is off; the
 * process's krb5.conf and this server's keytab for an external realm; for an embedded one, the
 * realm's KDC in {@code DATA/kerberos}, a principal {@code smtp/<fqdn>@REALM} for this server and
 * every server of the directory (again whenever the directory changes), and this server's keytab.
 */
final class NodeKerberos implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NodeKerberos.class);

    /** Kerberos off. */
    static final NodeKerberos OFF = new NodeKerberos(null, null, null, null, null);

    private final String realm;
    private final ServiceKeytab keytab;
    private final EmbeddedRealm embedded;
    private final LiveDirectory directory;
    private final Initiator initiator;
    private final Path keytabs;

    private NodeKerberos(String realm, ServiceKeytab keytab, EmbeddedRealm embedded, LiveDirectory directory, Initiator initiator) {
        this.keytabs = embedded == null ? null : embedded.home().resolve("keytabs");
        this.realm = realm;
        this.keytab = keytab;
        this.embedded = embedded;
        this.directory = directory;
        this.initiator = initiator;
    }

    /**
     * This server's principal: the directory's for the server of baton.yml's {@code server.name},
     * else {@code smtp/<server.fqdn>@REALM}.
     */
    private static String selfPrincipal(BatonConfig config, Directory d, String realm) {
        Directory.Server self = d.servers().get(config.server().name().toLowerCase(Locale.ROOT));
        return self != null && self.principal() != null ? self.principal() : ServiceKeytab.servicePrincipal(config.server().fqdn(), realm);
    }

    /**
     * The sending side's GSSAPI (ADR 0020): this server's initiator login from its keytab, kept
     * fresh by {@link InitiatorLogin}. A login that fails at start (keytab not yet in place, KDC
     * down) does not stop the server: each organization hop tries again, and until one succeeds
     * the hop fails on this side (7006 and 1706 with the cause) and its mail is deferred.
     */
    static final class Initiator implements ClientMechanism, AutoCloseable {
        private final String principal;
        private final Path keytab;
        private InitiatorLogin login;
        private boolean closed;

        Initiator(String principal, Path keytab) {
            this.principal = principal;
            this.keytab = keytab;
        }

        String principal() {
            return principal;
        }

        /** Logs in now; on failure says why and leaves it to the first hop to try again. */
        void tryLogin() {
            try {
                login();
                LOG.info("kerberos: logged in as {} from {} (renewed before it expires)", principal, keytab);
            } catch (KerberosException e) {
                LOG.warn("kerberos: cannot log in as {} from {}: {} ({}); hops to the organization's servers are deferred until"
                        + " it can (docs/kerberos.md)", principal, keytab, e.getMessage(), e.kerberosCause());
            }
        }

        private synchronized InitiatorLogin login() throws KerberosException {
            if (closed) {
                throw new IllegalStateException("kerberos: the node is stopping");
            }
            if (login == null) {
                login = InitiatorLogin.start(principal, keytab);
            }
            return login;
        }

        @Override
        public String name() {
            return "GSSAPI";
        }

        @Override
        public ClientExchange start(String peerFqdn) throws AuthenticationException {
            return new GssapiClientMechanism(login()).start(peerFqdn);
        }

        @Override
        public synchronized void close() {
            closed = true;
            if (login != null) {
                login.close();
            }
        }
    }

    /** Puts the configuration's Kerberos in place before any virtual server opens. */
    static NodeKerberos start(BatonConfig config, Path dataDir, LiveDirectory directory) throws IOException {
        KerberosSettings k = config.kerberos();
        if (!k.on()) {
            return OFF;
        }
        String realm = realmOf(config, directory.directory());
        Path keytab = dataDir.resolve(k.keytab());
        if (k.mode() == KerberosSettings.Mode.EXTERNAL) {
            if (k.krb5Conf() != null) {
                useProcessWide(dataDir.resolve(k.krb5Conf()));
            }
            if (!Files.isReadable(keytab)) {
                LOG.warn("kerberos: the keytab {} for {} is missing or unreadable: integrated authentication fails until it is"
                        + " in place (docs/kerberos.md)", keytab, ServiceKeytab.servicePrincipal(config.server().fqdn(), realm));
            }
            Initiator initiator = new Initiator(selfPrincipal(config, directory.directory(), realm), keytab);
            initiator.tryLogin();
            return new NodeKerberos(realm, new ServiceKeytab(keytab, realm), null, directory, initiator);
        }
        Path home = dataDir.resolve("kerberos");
        EmbeddedRealm r;
        try {
            r = EmbeddedRealm.open(home, realm, EmbeddedRealm.Policy.DEFAULT, k.kdcPort());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        try {
            Path conf = r.krb5Conf(domains(config, directory.directory())).write(home.resolve("krb5.conf"));
            useProcessWide(conf);
            Files.createDirectories(keytab.toAbsolutePath().getParent());
            r.addServer(config.server().fqdn(), keytab);
            Initiator initiator = new Initiator(selfPrincipal(config, directory.directory(), realm), keytab);
            NodeKerberos nk = new NodeKerberos(realm, new ServiceKeytab(keytab, realm), r, directory, initiator);
            nk.principalsOfTheDirectory();
            initiator.tryLogin();
            LOG.info("kerberos: embedded realm {} with its KDC on {}; {} in {}", realm, r.kdcAddress(),
                    r.serverPrincipal(config.server().fqdn()), keytab);
            return nk;
        } catch (IOException | RuntimeException e) {
            r.close();
            throw e;
        }
    }

    /** baton.yml's realm, else the organization's (org.yml {@code realm}). */
    static String realmOf(BatonConfig config, Directory d) throws IOException {
        String realm = config.kerberos().realm() != null ? config.kerberos().realm() : d.organization().realm();
        if (realm == null) {
            throw new IOException("kerberos: mode " + config.kerberos().mode().name().toLowerCase(Locale.ROOT) + " needs a realm:"
                    + " set kerberos.realm in baton.yml or realm in the organization's directory (example: EXAMPLE.TEST)");
        }
        return realm;
    }

    private static void useProcessWide(Path conf) throws IOException {
        try {
            Krb5Conf.useProcessWide(conf);
        } catch (IllegalStateException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** The DNS domains of the realm: the accepted domains and the parent domain of every server's FQDN. */
    private static List<String> domains(BatonConfig config, Directory d) {
        Set<String> out = new LinkedHashSet<>(d.organization().acceptedDomains());
        List<String> fqdns = new ArrayList<>();
        fqdns.add(config.server().fqdn());
        config.virtualServers().stream().map(VirtualServerSettings::fqdn).forEach(fqdns::add);
        d.servers().values().stream().map(Directory.Server::fqdn).forEach(fqdns::add);
        for (String f : fqdns) {
            int dot = f.indexOf('.');
            if (dot > 0 && f.indexOf('.', dot + 1) > 0) {
                out.add(f.substring(dot + 1).toLowerCase(Locale.ROOT));
            }
        }
        return List.copyOf(out);
    }

    /**
     * Embedded: every server of the directory has its principal in the realm (random keys, kept
     * when it exists), and its keytab in {@code DATA/kerberos/keytabs/<server>.keytab} (written
     * once, owner-only by {@link EmbeddedRealm#exportKeytab}) for the administrator to hand to that server ({@code docs/kerberos.md}).
     */
    void principalsOfTheDirectory() {
        if (embedded == null) {
            return;
        }
        for (Directory.Server s : directory.directory().servers().values()) {
            String principal = s.principal() != null ? s.principal() : embedded.serverPrincipal(s.fqdn());
            if (!principal.toUpperCase(Locale.ROOT).endsWith("@" + realm)) {
                continue; // another realm's server: its KDC makes it
            }
            try {
                embedded.addPrincipal(principal);
                Path tab = keytabs.resolve(s.name() + ".keytab");
                if (!Files.exists(tab)) {
                    Files.createDirectories(keytabs);
                    embedded.exportKeytab(principal, tab); // owner-only, as every keytab the realm writes
                    LOG.info("kerberos: the keytab of {} for the server {} is {}", principal, s.name(), tab);
                }
            } catch (IOException e) {
                LOG.warn("kerberos: cannot add {} for the server {} to the embedded realm: {}", principal, s.name(), e.getMessage());
            }
        }
    }


    /** The integrated mechanisms this node offers: GSSAPI with its keytab, or none when Kerberos is off. */
    List<ServerMechanism> mechanisms() {
        return keytab == null ? List.of() : List.of(new GssapiServerMechanism(keytab));
    }

    /** The sending side's mechanism (GSSAPI as this server), or null when Kerberos is off. */
    ClientMechanism initiator() {
        return initiator;
    }

    /** The realm in force, or null when Kerberos is off. */
    String realm() {
        return realm;
    }

    /** This server's keytab (also the sending side's credentials), or null when Kerberos is off. */
    ServiceKeytab keytab() {
        return keytab;
    }

    /** The embedded realm, or null when the realm is external or Kerberos is off. */
    EmbeddedRealm embedded() {
        return embedded;
    }

    @Override
    public void close() {
        if (initiator != null) {
            initiator.close();
        }
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                LOG.warn("kerberos: stopping the embedded KDC: {}", e.getMessage());
            }
        }
    }
}
