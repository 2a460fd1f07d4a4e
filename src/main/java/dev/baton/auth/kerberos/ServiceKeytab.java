package dev.baton.auth.kerberos;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import javax.security.auth.DestroyFailedException;
import javax.security.auth.Subject;
import javax.security.auth.kerberos.KerberosKey;
import javax.security.auth.kerberos.KerberosPrincipal;
import javax.security.auth.kerberos.KeyTab;

/**
 * The keytab a server accepts Kerberos with: the keys of {@code smtp/<fqdn>@REALM} for each FQDN
 * its virtual servers announce. Accepting needs no KDC and no login: the keys never expire, only a
 * re-keying in the KDC makes them stale. The file is read on every attempt, so a keytab replaced
 * on disk is taken up at once.
 */
public final class ServiceKeytab {

    private final Path keytab;
    private final String realm;

    /**
     * @param keytab the keytab file
     * @param realm  the realm of the service principals
     */
    public ServiceKeytab(Path keytab, String realm) {
        this.keytab = Objects.requireNonNull(keytab, "keytab");
        this.realm = Objects.requireNonNull(realm, "realm");
    }

    /** {@code smtp/<fqdn>@REALM}, the FQDN in lower case as Kerberos host names are. */
    public static String servicePrincipal(String fqdn, String realm) {
        return "smtp/" + fqdn.toLowerCase(Locale.ROOT) + "@" + realm;
    }

    public Path keytab() {
        return keytab;
    }

    public String realm() {
        return realm;
    }

    public String principalFor(String fqdn) {
        return servicePrincipal(fqdn, realm);
    }

    /**
     * The acceptor's Subject for one FQDN: its principal and the keytab, checked first so that a
     * missing file and a missing key are told apart (JGSS would say "no credentials" to both).
     */
    public Subject acceptor(String fqdn) throws KerberosException {
        String principal = principalFor(fqdn);
        KerberosPrincipal kp = new KerberosPrincipal(principal);
        KeyTab tab = checked(keytab, kp, KerberosErrors.ACQUIRE);
        return new Subject(true, Set.of(kp), Set.of(), Set.of(tab));
    }

    /** The key versions the keytab holds for the FQDN's principal (empty when none or unreadable). */
    public Set<Integer> keyVersions(String fqdn) {
        KerberosPrincipal kp = new KerberosPrincipal(principalFor(fqdn));
        Set<Integer> versions = new TreeSet<>();
        for (KerberosKey k : KeyTab.getInstance(kp, keytab.toFile()).getKeys(kp)) {
            versions.add(k.getVersionNumber());
            destroy(k);
        }
        return versions;
    }

    /** The keytab, after making sure it is there, readable and holds a key for the principal. */
    static KeyTab checked(Path keytab, KerberosPrincipal kp, String operation) throws KerberosException {
        if (!Files.isRegularFile(keytab)) {
            throw fail(KerberosCause.KEYTAB_MISSING, operation, "the keytab " + keytab + " for " + kp.getName()
                    + " does not exist", "no such file: " + keytab);
        }
        if (!Files.isReadable(keytab)) {
            throw fail(KerberosCause.KEYTAB_MISSING, operation, "the keytab " + keytab + " for " + kp.getName()
                    + " cannot be read by this process (check its owner and mode)", "permission denied: " + keytab);
        }
        KeyTab tab = KeyTab.getInstance(kp, keytab.toFile());
        KerberosKey[] keys = tab.getKeys(kp);
        if (keys.length == 0) {
            throw fail(KerberosCause.NO_KEY, operation, "the keytab " + keytab + " holds no usable key for "
                    + kp.getName() + " (export the principal's keys into it)", "no key for " + kp.getName() + " in " + keytab);
        }
        for (KerberosKey k : keys) {
            destroy(k);
        }
        return tab;
    }

    private static KerberosException fail(KerberosCause cause, String operation, String detail, String underlying) {
        return new KerberosException(cause, cause.failure(operation, detail, underlying), null);
    }

    private static void destroy(KerberosKey k) {
        try {
            k.destroy();
        } catch (DestroyFailedException ignored) {
            // the key object is dropped anyway; destroying only zeroes it sooner
        }
    }
}
