package dev.baton.auth.kerberos;

import dev.baton.net.LoopbackPorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kerby.kerberos.kerb.KrbException;
import org.apache.kerby.kerberos.kerb.admin.kadmin.local.LocalKadmin;
import org.apache.kerby.kerberos.kerb.admin.kadmin.local.LocalKadminImpl;
import org.apache.kerby.kerberos.kerb.identity.backend.BackendConfig;
import org.apache.kerby.kerberos.kerb.identity.backend.IdentityBackend;
import org.apache.kerby.kerberos.kerb.keytab.Keytab;
import org.apache.kerby.kerberos.kerb.keytab.KeytabEntry;
import org.apache.kerby.kerberos.kerb.request.KrbIdentity;
import org.apache.kerby.kerberos.kerb.server.KdcConfig;
import org.apache.kerby.kerberos.kerb.server.KdcConfigKey;
import org.apache.kerby.kerberos.kerb.server.KdcServer;
import org.apache.kerby.kerberos.kerb.type.KerberosTime;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionKey;
import org.apache.kerby.kerberos.kerb.type.base.PrincipalName;

/**
 * A Kerberos realm Baton holds itself: Apache Kerby's KDC on a loopback port, for the default
 * organization and the demo. Its data folder keeps the realm across restarts: {@code realm.keytab}
 * (every principal's keys, the KDC's own included; readable by the owner only) and
 * {@code realm.properties} (the realm's name and port). Adding a server makes its principal
 * {@code smtp/<fqdn>@REALM} with random keys and exports its keytab.
 *
 * <p>It never touches {@code java.security.krb5.conf}: {@link #krb5Conf} says what the process's
 * krb5.conf should hold, and the caller decides (ADR 0018).
 */
public final class EmbeddedRealm implements AutoCloseable {

    static final String DATABASE = "realm.keytab";
    static final String SETTINGS = "realm.properties";

    private final String realm;
    private final Path dataDir;
    private final KdcServer kdc;
    private final LocalKadmin kadmin;
    private final IdentityBackend backend;
    private final int port;
    private final ReentrantLock lock = new ReentrantLock();

    /**
     * What the KDC allows: a realm for tests may want short tickets or no clock tolerance.
     *
     * @param maximumTicketLifetime the longest ticket it issues
     * @param allowableClockSkew    how far a client's clock may be off; negative: none at all
     * @param preauthRequired       whether a client must prove its key before getting a ticket
     */
    public record Policy(Duration maximumTicketLifetime, Duration allowableClockSkew, boolean preauthRequired) {
        /** Ten hours, five minutes, pre-authentication: MIT's defaults. */
        public static final Policy DEFAULT = new Policy(Duration.ofHours(10), Duration.ofMinutes(5), true);
    }

    private EmbeddedRealm(String realm, Path dataDir, KdcServer kdc, LocalKadmin kadmin, int port) {
        this.realm = realm;
        this.dataDir = dataDir;
        this.kdc = kdc;
        this.kadmin = kadmin;
        this.backend = kadmin.getIdentityBackend();
        this.port = port;
    }

    /** Opens the realm kept in the data folder (made on first start) and starts its KDC. */
    public static EmbeddedRealm open(Path dataDir, String realm) throws IOException {
        return open(dataDir, realm, Policy.DEFAULT);
    }

    public static EmbeddedRealm open(Path dataDir, String realm, Policy policy) throws IOException {
        return open(dataDir, realm, policy, 0);
    }

    /**
     * As {@link #open(Path, String, Policy)}, the KDC on the given loopback TCP port (an error when
     * it is taken), or with 0 on the port of the last start when free, else a free one.
     */
    public static EmbeddedRealm open(Path dataDir, String realm, Policy policy, int kdcPort) throws IOException {
        Objects.requireNonNull(realm, "realm");
        if (!realm.equals(realm.toUpperCase(Locale.ROOT)) || realm.isBlank()) {
            throw new IllegalArgumentException("kerberos: realm \"" + realm + "\" must be upper case (example: EXAMPLE.TEST)");
        }
        Files.createDirectories(dataDir);
        Properties settings = new Properties();
        Path settingsFile = dataDir.resolve(SETTINGS);
        if (Files.exists(settingsFile)) {
            try (InputStream in = Files.newInputStream(settingsFile)) {
                settings.load(in);
            }
            String kept = settings.getProperty("realm");
            if (kept != null && !kept.equals(realm)) {
                throw new IllegalArgumentException("kerberos: the data folder " + dataDir + " holds the realm " + kept
                        + ", not " + realm);
            }
        }
        int port = kdcPort == 0 ? portFor(settings.getProperty("port")) : exactly(kdcPort);
        settings.setProperty("realm", realm);
        settings.setProperty("port", Integer.toString(port));
        Path tmp = Files.createTempFile(dataDir, ".realm", ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            settings.store(out, "the embedded Kerberos realm (Baton)");
        }
        Files.move(tmp, settingsFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        try {
            KdcConfig config = new KdcConfig();
            config.setLong(KdcConfigKey.MAXIMUM_TICKET_LIFETIME, policy.maximumTicketLifetime().toSeconds());
            config.setLong(KdcConfigKey.MINIMUM_TICKET_LIFETIME, 0L);
            config.setLong(KdcConfigKey.MAXIMUM_RENEWABLE_LIFETIME, policy.maximumTicketLifetime().toSeconds());
            config.setLong(KdcConfigKey.ALLOWABLE_CLOCKSKEW, policy.allowableClockSkew().isNegative()
                    ? -1L : policy.allowableClockSkew().toSeconds());
            config.setBoolean(KdcConfigKey.PREAUTH_REQUIRED, policy.preauthRequired());
            config.setString(KdcConfigKey.KDC_REALM, realm);
            config.setString(KdcConfigKey.KDC_HOST, "127.0.0.1");
            config.setInt(KdcConfigKey.KDC_TCP_PORT, port);
            config.setBoolean(KdcConfigKey.KDC_ALLOW_TCP, true);
            config.setBoolean(KdcConfigKey.KDC_ALLOW_UDP, false);
            config.setString(KdcConfigKey.ENCRYPTION_TYPES, "aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96");
            // all through the KdcConfig: Kerby keeps a KdcServer's startup options (setKdcRealm, ...) in
            // enum constants, shared by every KDC of the JVM
            KdcServer kdc = new KdcServer(config, new BackendConfig());
            kdc.init();
            LocalKadmin kadmin = new LocalKadminImpl(kdc.getKdcSetting(), kdc.getIdentityService());
            EmbeddedRealm opened = new EmbeddedRealm(realm, dataDir, kdc, kadmin, port);
            opened.restoreOrCreate();
            kdc.start();
            return opened;
        } catch (KrbException e) {
            throw new IOException("kerberos: cannot start the embedded KDC for " + realm + " in " + dataDir + ": "
                    + e.getMessage(), e);
        }
    }

    private static int exactly(int port) throws IOException {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException taken) {
            throw new IOException("kerberos: the embedded KDC cannot listen on 127.0.0.1:" + port + ": " + taken.getMessage()
                    + " (choose another kerberos.kdc.port, or 0 for any free port)", taken);
        }
    }

    private static int portFor(String kept) throws IOException {
        if (kept != null) {
            int p = Integer.parseInt(kept);
            try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort(); // the same port as last time: keytabs and krb5.conf stay right
            } catch (IOException taken) {
                // someone else has it now: a new port (the caller writes krb5.conf again)
            }
        }
        return LoopbackPorts.unused(); // below the ephemeral range: no outgoing connection takes it before the KDC binds
    }

    /** The folder that holds the realm (its database, settings and krb5.conf). */
    public Path home() {
        return dataDir;
    }

    public String realm() {
        return realm;
    }

    /** Where the KDC listens (TCP). */
    public InetSocketAddress kdcAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** The service principal of a server: {@code smtp/<fqdn>@REALM}, the FQDN in lower case. */
    public String serverPrincipal(String fqdn) {
        return ServiceKeytab.servicePrincipal(fqdn, realm);
    }

    /** This realm as a krb5.conf section: its KDC by address, the given domains mapped to it. */
    public Krb5Conf.Realm krb5Realm(List<String> domains) {
        return new Krb5Conf.Realm(realm, List.of("127.0.0.1:" + port), domains);
    }

    /** A krb5.conf with this realm alone, as default realm. */
    public Krb5Conf krb5Conf(List<String> domains) {
        return new Krb5Conf(realm, List.of(krb5Realm(domains)));
    }

    /**
     * Gives a server of the organization its service principal (random keys; kept when it exists)
     * and writes its keytab.
     *
     * @return the keytab, {@code keytab} itself
     */
    public Path addServer(String fqdn, Path keytab) throws IOException {
        String principal = serverPrincipal(fqdn);
        addPrincipal(principal);
        exportKeytab(principal, keytab);
        return keytab;
    }

    /** Adds a principal with random keys, unless it exists. */
    public void addPrincipal(String principal) throws IOException {
        lock.lock();
        try {
            if (backend.getIdentity(qualified(principal)) == null) {
                kadmin.addPrincipal(qualified(principal));
                save();
            }
        } catch (KrbException e) {
            throw new IOException("kerberos: cannot add " + principal + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Adds a principal whose keys come from a password (a user, for tests and the demo). */
    public void addPrincipal(String principal, String password) throws IOException {
        lock.lock();
        try {
            kadmin.addPrincipal(qualified(principal), password);
            save();
        } catch (KrbException e) {
            throw new IOException("kerberos: cannot add " + principal + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    public boolean hasPrincipal(String principal) throws IOException {
        try {
            return backend.getIdentity(qualified(principal)) != null;
        } catch (KrbException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** The principal's current key version. */
    public int keyVersion(String principal) throws IOException {
        return identity(principal).getKeyVersion();
    }

    /**
     * New random keys for the principal, one key version up: what changing a server's password
     * does. Keytabs exported before no longer open its tickets.
     */
    public void rekey(String principal) throws IOException {
        lock.lock();
        try {
            kadmin.updateKeys(qualified(principal));
            save();
        } catch (KrbException e) {
            throw new IOException("kerberos: cannot re-key " + principal + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    public void removePrincipal(String principal) throws IOException {
        lock.lock();
        try {
            kadmin.deletePrincipal(qualified(principal));
            save();
        } catch (KrbException e) {
            throw new IOException("kerberos: cannot remove " + principal + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Writes a keytab with the principal's current keys only (a new file, owner-readable). */
    public void exportKeytab(String principal, Path keytab) throws IOException {
        writeKeytab(List.of(identity(principal)), keytab);
    }

    private KrbIdentity identity(String principal) throws IOException {
        try {
            KrbIdentity id = backend.getIdentity(qualified(principal));
            if (id == null) {
                throw new IOException("kerberos: the realm " + realm + " has no principal " + qualified(principal));
            }
            return id;
        } catch (KrbException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private String qualified(String principal) {
        return principal.contains("@") ? principal : principal + "@" + realm;
    }

    private void restoreOrCreate() throws KrbException, IOException {
        Path database = dataDir.resolve(DATABASE);
        if (!Files.exists(database)) {
            kadmin.createBuiltinPrincipals();
            save();
            return;
        }
        Keytab keytab = Keytab.loadKeytab(database.toFile());
        for (PrincipalName name : keytab.getPrincipals()) {
            List<KeytabEntry> entries = keytab.getKeytabEntries(name);
            KrbIdentity id = new KrbIdentity(name.getName());
            int kvno = 1;
            List<EncryptionKey> keys = new ArrayList<>();
            for (KeytabEntry e : entries) {
                keys.add(e.getKey());
                kvno = Math.max(kvno, e.getKvno());
            }
            id.addKeys(keys);
            id.setKeyVersion(kvno);
            if (backend.getIdentity(name.getName()) == null) {
                backend.addIdentity(id);
            } else {
                backend.updateIdentity(id);
            }
        }
    }

    private void save() throws KrbException, IOException {
        List<KrbIdentity> all = new ArrayList<>();
        for (String name : backend.getIdentities()) {
            all.add(backend.getIdentity(name));
        }
        writeKeytab(all, dataDir.resolve(DATABASE));
    }

    private static void writeKeytab(List<KrbIdentity> identities, Path file) throws IOException {
        Keytab keytab = new Keytab();
        KerberosTime now = KerberosTime.now();
        for (KrbIdentity id : identities) {
            for (EncryptionKey key : id.getKeys().values()) {
                int kvno = key.getKvno() > 0 ? key.getKvno() : id.getKeyVersion();
                keytab.addEntry(new KeytabEntry(id.getPrincipal(), now, kvno, key));
            }
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                ? Files.createTempFile(dir, ".keytab", ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : Files.createTempFile(dir, ".keytab", ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                keytab.store(out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Stops the KDC; the realm stays in the data folder. */
    @Override
    public void close() throws IOException {
        try {
            kdc.stop();
        } catch (KrbException e) {
            throw new IOException("kerberos: stopping the KDC of " + realm + ": " + e.getMessage(), e);
        }
    }
}
