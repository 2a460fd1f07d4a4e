package dev.baton.auth.kerberos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A krb5.conf that needs no DNS: each realm names its KDCs by address, host names map to realms
 * by domain, and names are never canonicalized through DNS. JGSS reads one krb5.conf per process
 * (the {@code java.security.krb5.conf} property, read once and cached), so {@link #useProcessWide}
 * sets it once and refuses a second, different one (ADR 0018).
 *
 * @param defaultRealm the realm of a name without one
 * @param realms       every realm this process talks to
 */
public record Krb5Conf(String defaultRealm, List<Realm> realms) {

    /** The JDK's property naming the krb5.conf file. */
    public static final String PROPERTY = "java.security.krb5.conf";

    private static final ReentrantLock PROCESS_WIDE = new ReentrantLock();

    public Krb5Conf {
        Objects.requireNonNull(defaultRealm, "defaultRealm");
        realms = List.copyOf(realms);
    }

    /**
     * @param name    the realm, upper case by convention: EXAMPLE.TEST
     * @param kdcs    host:port of each KDC, tried in order
     * @param domains DNS domains whose hosts belong to the realm: example.test covers mx1.example.test
     */
    public record Realm(String name, List<String> kdcs, List<String> domains) {
        public Realm {
            Objects.requireNonNull(name, "name");
            kdcs = List.copyOf(kdcs);
            domains = List.copyOf(domains);
        }
    }

    /** The file's text, in the MIT format that JGSS, MIT and Heimdal all read. */
    public String render() {
        StringBuilder b = new StringBuilder();
        b.append("# written by Baton: every KDC by address, no DNS lookups\n");
        b.append("[libdefaults]\n");
        b.append("    default_realm = ").append(defaultRealm).append('\n');
        b.append("    dns_lookup_kdc = false\n");
        b.append("    dns_lookup_realm = false\n");
        b.append("    dns_canonicalize_hostname = false\n");
        b.append("    rdns = false\n");
        b.append("    udp_preference_limit = 1\n"); // TCP only: the embedded KDC listens on TCP
        b.append("    kdc_timeout = 5000\n");
        b.append("    max_retries = 1\n");
        b.append("    forwardable = false\n");
        b.append("\n[realms]\n");
        for (Realm r : realms) {
            b.append("    ").append(r.name()).append(" = {\n");
            for (String kdc : r.kdcs()) {
                b.append("        kdc = ").append(kdc).append('\n');
            }
            b.append("    }\n");
        }
        b.append("\n[domain_realm]\n");
        for (Realm r : realms) {
            for (String d : r.domains()) {
                String domain = d.toLowerCase(Locale.ROOT);
                b.append("    .").append(domain).append(" = ").append(r.name()).append('\n');
                b.append("    ").append(domain).append(" = ").append(r.name()).append('\n');
            }
        }
        return b.toString();
    }

    /** Writes the file (a temporary file renamed over it, so a reader never sees half of it). */
    public Path write(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".krb5", ".tmp");
        try {
            Files.writeString(tmp, render(), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return file;
    }

    /**
     * Makes this file the process's krb5.conf, before anything in the process uses JGSS. Setting
     * the same file again is fine; another file is refused: JGSS would go on using the first.
     *
     * @throws IllegalStateException when the process already uses another krb5.conf
     */
    public static void useProcessWide(Path file) {
        String wanted = file.toAbsolutePath().normalize().toString();
        PROCESS_WIDE.lock();
        try {
            String current = System.getProperty(PROPERTY);
            if (current == null) {
                System.setProperty(PROPERTY, wanted);
            } else if (!Path.of(current).toAbsolutePath().normalize().toString().equals(wanted)) {
                throw new IllegalStateException("kerberos: this process already uses the krb5.conf " + current
                        + " (-D" + PROPERTY + "), not " + wanted + "; JGSS reads one krb5.conf per process");
            }
        } finally {
            PROCESS_WIDE.unlock();
        }
    }
}
