package dev.baton.auth.kerberos;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.security.auth.Subject;
import javax.security.auth.kerberos.KerberosPrincipal;
import javax.security.auth.kerberos.KerberosTicket;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import javax.security.auth.login.LoginContext;
import javax.security.auth.login.LoginException;

/**
 * This server's initiator credentials: a ticket-granting ticket for {@code smtp/<fqdn>@REALM},
 * got from its keytab through the JDK's Krb5LoginModule (configured here, no jaas.conf). A TGT
 * expires; a background thread logs in again from the keytab when four fifths of its lifetime have
 * passed (a server that runs for weeks keeps authenticating), retrying while the old one is still
 * good, and {@link #subject()} logs in at once should the TGT have run out all the same.
 */
public final class InitiatorLogin implements AutoCloseable {

    private static final Duration MIN_RETRY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY = Duration.ofMinutes(1);

    private final String principal;
    private final Path keytab;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final AtomicInteger logins = new AtomicInteger();
    private volatile Credentials current;
    private volatile KerberosException lastRenewalFailure;
    private volatile boolean closed;
    private Thread renewer;

    /** One login: the Subject with its TGT, and when it was issued and runs out. */
    private record Credentials(Subject subject, Instant start, Instant end) {
        Instant renewAt() {
            Duration life = Duration.between(start, end);
            return start.plus(life.multipliedBy(4).dividedBy(5));
        }
    }

    private InitiatorLogin(String principal, Path keytab) {
        this.principal = Objects.requireNonNull(principal, "principal");
        this.keytab = Objects.requireNonNull(keytab, "keytab");
    }

    /**
     * Logs in now (so a missing keytab or an unreachable KDC is known at start) and keeps the
     * credentials fresh until {@link #close()}.
     */
    public static InitiatorLogin start(String principal, Path keytab) throws KerberosException {
        InitiatorLogin l = new InitiatorLogin(principal, keytab);
        l.current = l.login();
        l.renewer = Thread.ofVirtual().name("kerberos-renewal " + principal).start(l::renewLoop);
        return l;
    }

    public String principal() {
        return principal;
    }

    /** The Subject to initiate as; logs in first when the TGT has run out. */
    public Subject subject() throws KerberosException {
        Credentials c = current;
        if (Instant.now().isBefore(c.end())) {
            return c.subject();
        }
        lock.lock();
        try {
            if (!Instant.now().isBefore(current.end())) {
                current = login();
                changed.signalAll();
            }
            return current.subject();
        } finally {
            lock.unlock();
        }
    }

    /** When the current TGT runs out. */
    public Instant expires() {
        return current.end();
    }

    /** How many times it logged in from the keytab. */
    public int logins() {
        return logins.get();
    }

    /** The last failed renewal, or null when the last attempt succeeded. */
    public KerberosException lastRenewalFailure() {
        return lastRenewalFailure;
    }

    private void renewLoop() {
        Instant due = current.renewAt();
        while (!closed) {
            lock.lock();
            try {
                while (!closed) {
                    long wait = Duration.between(Instant.now(), due).toNanos();
                    if (wait <= 0) {
                        break;
                    }
                    changed.awaitNanos(wait);
                }
                if (closed) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            try {
                Credentials fresh = login();
                lock.lock();
                try {
                    current = fresh;
                } finally {
                    lock.unlock();
                }
                lastRenewalFailure = null;
                due = fresh.renewAt();
            } catch (KerberosException e) {
                lastRenewalFailure = e;
                Duration left = Duration.between(Instant.now(), current.end());
                Duration retry = left.dividedBy(4);
                retry = retry.compareTo(MIN_RETRY) < 0 ? MIN_RETRY : retry.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry;
                due = Instant.now().plus(retry);
            }
        }
    }

    private Credentials login() throws KerberosException {
        KerberosPrincipal kp = new KerberosPrincipal(principal);
        ServiceKeytab.checked(keytab, kp, KerberosErrors.ACQUIRE);
        Subject subject = new Subject();
        Map<String, String> options = Map.of(
                "principal", principal,
                "useKeyTab", "true",
                "keyTab", keytab.toAbsolutePath().toString(),
                "storeKey", "false",
                "doNotPrompt", "true",
                "isInitiator", "true",
                "useTicketCache", "false",
                "refreshKrb5Config", "false");
        Configuration config = new Configuration() {
            @Override
            public AppConfigurationEntry[] getAppConfigurationEntry(String name) {
                return new AppConfigurationEntry[] {new AppConfigurationEntry(
                        "com.sun.security.auth.module.Krb5LoginModule",
                        AppConfigurationEntry.LoginModuleControlFlag.REQUIRED, options)};
            }
        };
        try {
            new LoginContext("baton-kerberos", subject, callbacks -> {
                throw new javax.security.auth.callback.UnsupportedCallbackException(callbacks[0], "no prompts: keytab only");
            }, config).login();
        } catch (LoginException e) {
            throw KerberosErrors.classify(e, KerberosErrors.ACQUIRE, "logging in as " + principal + " from " + keytab);
        }
        for (KerberosTicket t : subject.getPrivateCredentials(KerberosTicket.class)) {
            if (t.getServer().getName().startsWith("krbtgt/")) {
                logins.incrementAndGet();
                Instant start = t.getStartTime() != null ? t.getStartTime().toInstant() : t.getAuthTime().toInstant();
                return new Credentials(subject, start, t.getEndTime().toInstant());
            }
        }
        KerberosCause c = KerberosCause.INTERNAL;
        throw new KerberosException(c, c.failure(KerberosErrors.ACQUIRE, "logging in as " + principal
                + " gave no ticket-granting ticket", "no krbtgt ticket in the login's Subject"), null);
    }

    @Override
    public void close() {
        closed = true;
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (renewer != null) {
            try {
                renewer.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
