package dev.baton.node;

import dev.baton.config.BatonConfig;
import dev.baton.config.VirtualServerSettings;
import dev.baton.org.Directory;
import dev.baton.org.DirectoryException;
import dev.baton.org.DirectoryStore;
import dev.baton.org.DirectoryStores;
import dev.baton.org.Rights;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory a running server decides by (docs/directory.md): the organization's, read from
 * its store and looked at again every poll interval, or the organization of one its
 * {@code baton.yml} implies. A new directory replaces the current one only when it is
 * consistent and still fits this server (it lists the server, with the FQDN and the virtual
 * servers baton.yml runs); otherwise the last good one stays and the reason is reported. Every
 * decision reads {@link #rights()} once and keeps to that snapshot.
 */
public final class LiveDirectory implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LiveDirectory.class);

    /** What the server is told about its directory (the event log listens here). */
    public interface Listener {
        Listener LOG_ONLY = new Listener() { };

        /** The directory was read at start. */
        default void loaded(String source, Directory d) {
            LOG.info("directory loaded from {}: {}", source, d.summary());
        }

        /** A changed directory is in force. */
        default void changed(String source, Directory before, Directory now) {
            LOG.info("directory changed ({}): {}; now {}", source, String.join("; ", before.changesTo(now)), now.summary());
        }

        /** A changed directory was refused; the last good one stays. */
        default void refused(String source, String reason) {
            LOG.warn("directory at {} refused, the last good one stays in force: {}", source, reason);
        }
    }

    private volatile BatonConfig config;
    private final DirectoryStore store;
    private final Listener listener;
    private final List<Runnable> onChange = new ArrayList<>();
    private volatile Rights rights;
    private volatile String fingerprint;
    private volatile String lastRefusal;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private volatile boolean closed;
    private Thread poller;

    private LiveDirectory(BatonConfig config, DirectoryStore store, Directory first, String fingerprint, Listener listener) {
        this.config = config;
        this.store = store;
        this.listener = listener;
        this.rights = new Rights(first);
        this.fingerprint = fingerprint;
    }

    /**
     * The server's directory: the store baton.yml names, else {@code DIR/org.yml} when it
     * exists, else the organization of one. A directory that cannot be read or does not fit the
     * server stops the start with the reason (there is no last good one yet).
     */
    public static LiveDirectory open(BatonConfig config, Path dataDir, Listener listener) throws IOException {
        java.util.Optional<DirectoryStore> configured = DirectoryStores.configured(config.directory(), dataDir);
        if (configured.isEmpty()) {
            return new LiveDirectory(config, null, OrganizationOfOne.of(config), null, listener);
        }
        DirectoryStore store = configured.get();
        if (!config.acceptedDomains().isEmpty()) {
            throw new IOException("baton.yml lists acceptedDomains, but the organization's directory (" + store.describe()
                    + ") is in use: the accepted domains are the organization's, set in the directory alone (remove"
                    + " acceptedDomains from baton.yml, or add them with 'baton org add domain DOMAIN')");
        }
        Directory d;
        String fp;
        try {
            fp = store.fingerprint();
            d = store.load();
            fits(config, d);
        } catch (NoSuchFileException e) {
            throw new IOException("the directory " + e.getFile() + " named in baton.yml does not exist (create it, see docs/directory.md)",
                    e);
        } catch (DirectoryException e) {
            closeQuietly(store);
            throw new IOException("the directory is refused: " + e.getMessage(), e);
        } catch (IOException e) {
            closeQuietly(store);
            throw new IOException("cannot read the directory (" + store.describe() + "): " + Problems.describe(e), e);
        }
        LiveDirectory live = new LiveDirectory(config, store, d, fp, listener);
        listener.loaded(store.describe(), d);
        return live;
    }

    private static void closeQuietly(DirectoryStore store) {
        try {
            store.close();
        } catch (IOException e) {
            LOG.debug("closing the directory store", e);
        }
    }

    /**
     * Refuses a directory this server cannot run under: one that does not list it, gives it
     * another FQDN, or lacks a virtual server baton.yml runs (entries on it could not be set).
     */
    static void fits(BatonConfig config, Directory d) throws DirectoryException {
        String name = OrganizationOfOne.serverName(config).toLowerCase(Locale.ROOT);
        Directory.Server me = d.servers().get(name);
        if (me == null) {
            throw new DirectoryException("this server, \"" + name + "\" (baton.yml server.name), is not a server of the organization"
                    + " (its servers: " + String.join(", ", d.servers().keySet()) + "); add it with 'baton org add server " + name
                    + " --fqdn " + config.server().fqdn() + "'");
        }
        if (!me.fqdn().equalsIgnoreCase(config.server().fqdn())) {
            throw new DirectoryException("server \"" + name + "\" has the FQDN " + me.fqdn() + " in the directory but "
                    + config.server().fqdn() + " in baton.yml (server.fqdn); make them the same");
        }
        for (VirtualServerSettings vs : config.virtualServers()) {
            if (!me.virtualServers().contains(vs.name().toLowerCase(Locale.ROOT))) {
                throw new DirectoryException("baton.yml runs the virtual server \"" + vs.name() + "\", which server \"" + name
                        + "\" does not list in the directory (it lists " + me.virtualServers() + ")");
            }
        }
    }

    /**
     * Whether this directory can go on under a reloaded baton.yml: the same rules as at start
     * (no acceptedDomains in baton.yml beside a directory; the directory in force fits the server
     * baton.yml now describes). Changes nothing.
     *
     * @throws DirectoryException with the reason, when it cannot
     */
    void accepts(BatonConfig next) throws DirectoryException {
        if (store == null) {
            return;
        }
        if (!next.acceptedDomains().isEmpty()) {
            throw new DirectoryException("baton.yml lists acceptedDomains, but the organization's directory (" + store.describe()
                    + ") is in use: the accepted domains are the organization's, set in the directory alone");
        }
        fits(next, directory());
    }

    /**
     * Puts a reloaded baton.yml in force (after {@link #accepts}): the organization of one is
     * the one it implies now; a directory from a store is checked against it from now on. Runs
     * the change listeners (routes follow the accepted domains).
     */
    void reconfigure(BatonConfig next) {
        lock.lock();
        try {
            config = next;
            if (store == null) {
                rights = new Rights(OrganizationOfOne.of(next));
            }
            for (Runnable r : onChange) {
                r.run();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Starts looking for changes (nothing to look at for an organization of one). */
    public void start() {
        if (store == null) {
            return;
        }
        poller = Thread.ofVirtual().name("directory-poll").start(this::pollLoop);
    }

    /** Runs after every change that was put in force (routes follow the accepted domains). */
    public void onChange(Runnable r) {
        onChange.add(r);
    }

    /** The rights over the directory in force. */
    public Rights rights() {
        return rights;
    }

    public Directory directory() {
        return rights.directory();
    }

    /** Where the directory comes from, or null for the organization of one. */
    public DirectoryStore store() {
        return store;
    }

    /** Why the last changed directory was refused, or null when the one in force is the newest. */
    public String lastRefusal() {
        return lastRefusal;
    }

    /**
     * Looks at the store once now: loads it when its fingerprint changed, and puts it in force
     * when it is good. The poll loop calls it; so may a tool that knows it just changed the store.
     *
     * @return whether a new directory is now in force
     */
    public boolean check() {
        if (store == null) {
            return false;
        }
        lock.lock();
        try {
            String fp;
            try {
                fp = store.fingerprint();
            } catch (IOException e) {
                refuse("cannot be read: " + Problems.describe(e));
                return false;
            }
            if (fp.equals(fingerprint)) {
                return false;
            }
            fingerprint = fp; // looked at: a bad one is reported once, not every poll
            Directory next;
            try {
                next = store.load();
                fits(config, next);
            } catch (IOException e) {
                refuse("cannot be read: " + Problems.describe(e));
                return false;
            } catch (DirectoryException e) {
                refuse(e.getMessage());
                return false;
            }
            Directory before = directory();
            lastRefusal = null;
            if (next.equals(before)) {
                return false;
            }
            rights = new Rights(next);
            listener.changed(store.describe(), before, next);
            for (Runnable r : onChange) {
                r.run();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void refuse(String reason) {
        lastRefusal = reason;
        listener.refused(store.describe(), reason);
    }

    private void pollLoop() {
        Duration every = store.pollInterval();
        while (!closed) {
            lock.lock();
            try {
                if (!closed) {
                    wake.await(every.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            if (!closed) {
                try {
                    check();
                } catch (RuntimeException e) {
                    LOG.error("looking for a changed directory failed; the current one stays in force", e);
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        lock.lock();
        try {
            wake.signalAll();
        } finally {
            lock.unlock();
        }
        if (poller != null) {
            try {
                poller.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (store != null) {
            try {
                store.close();
            } catch (IOException e) {
                LOG.debug("closing the directory store", e);
            }
        }
    }
}
