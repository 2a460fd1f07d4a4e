package dev.baton.bench;

import dev.baton.config.LdapSettings;
import dev.baton.org.Directory;
import dev.baton.org.LdapDirectoryStore;
import dev.baton.org.LdapTestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

/**
 * By hand (bench/ldap.sh), never in CI: the directory of RightsBench (USERS users, GROUPS groups
 * nested DEPTH deep) seeded into the UnboundID in-memory server through the store, then the
 * time of a full load and of a fingerprint (what a running server does every poll), each a few
 * times, with PAGE_SIZE entries per page. Seeded random, so every run builds the same directory.
 */
public final class LdapBench {

    private LdapBench() {
    }

    public static void main(String[] args) throws Exception {
        int users = Integer.getInteger("users", 100_000);
        int groups = Integer.getInteger("groups", 10_000);
        int depth = Integer.getInteger("depth", 20);
        int rounds = Integer.getInteger("rounds", 3);
        int pageSize = Integer.getInteger("pageSize", 20_000);
        Directory d = BenchDirectory.build(new Random(42), users, groups, depth, false).directory();

        Path dir = Files.createTempDirectory("baton-ldap-bench");
        try (LdapTestServer ldap = new LdapTestServer(dir)) {
            // the in-memory server answers each page by running the whole search again: big pages keep that from dominating
            LdapSettings s = ldap.settings();
            LdapDirectoryStore store = ldap.store(new LdapSettings(s.url(), false, null, s.bindDn(), s.passwordFile(), s.baseDn(),
                    Duration.ofMinutes(5), s.poll(), s.changeAttribute(), pageSize, s.mapping()));
            long t0 = System.nanoTime();
            store.store(null, d);
            long t1 = System.nanoTime();
            System.out.printf("directory: %d users, %d groups nested %d deep, %d entries; seeded through the store in %.1f s%n",
                    users, groups, depth, d.definedEntries().size(), (t1 - t0) / 1e9);
            for (int r = 0; r < rounds; r++) {
                long l0 = System.nanoTime();
                Directory loaded = store.load();
                long l1 = System.nanoTime();
                String fp = store.fingerprint();
                long l2 = System.nanoTime();
                if (!loaded.equals(d)) {
                    throw new AssertionError("the loaded directory is not the stored one");
                }
                System.out.printf("round %d: load (fingerprint, read, check) %.2f s; fingerprint alone %.2f s (%s)%n", r + 1,
                        (l1 - l0) / 1e9, (l2 - l1) / 1e9, fp.substring(0, fp.indexOf(':', fp.indexOf(':') + 1)));
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }
}
