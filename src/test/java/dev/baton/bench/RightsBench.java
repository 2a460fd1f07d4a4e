package dev.baton.bench;

import dev.baton.org.Directory;
import dev.baton.org.Member;
import dev.baton.org.Right;
import dev.baton.org.Rights;
import dev.baton.org.Scope;
import java.util.Random;

/**
 * By hand (bench/rights.sh), never in CI: a directory of USERS users and GROUPS security
 * groups nested DEPTH deep, its load time, and effective-right evaluations per second, first
 * for principals seen for the first time (their group closure is computed), then warm, with
 * and without the explanation. Seeded, so every run builds the same directory.
 */
public final class RightsBench {

    private RightsBench() {
    }

    public static void main(String[] args) throws Exception {
        int users = Integer.getInteger("users", 100_000);
        int groups = Integer.getInteger("groups", 10_000);
        int depth = Integer.getInteger("depth", 20);
        int queries = Integer.getInteger("queries", 2_000_000);

        Random random = new Random(42);
        long t0 = System.nanoTime();
        BenchDirectory parts = BenchDirectory.build(random, users, groups, depth, true);
        long t1 = System.nanoTime();
        Directory d = parts.directory();
        long t2 = System.nanoTime();
        Rights rights = new Rights(d);
        long t3 = System.nanoTime();
        System.out.printf("directory: %d users, %d groups nested %d deep, %d entries%n", users, groups, depth, d.entries().size());
        System.out.printf("build objects %.0f ms, check and index (Directory.of) %.0f ms, Rights %.0f ms%n", (t1 - t0) / 1e6,
                (t2 - t1) / 1e6, (t3 - t2) / 1e6);
        // the same directory as org.yml: written, fingerprinted and loaded as a server does at start and on a change
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("baton-rights-bench-");
        dev.baton.org.FileDirectoryStore file = new dev.baton.org.FileDirectoryStore(dir.resolve("org.yml"));
        long f0 = System.nanoTime();
        file.store(null, d);
        long f1 = System.nanoTime();
        String fp = file.fingerprint();
        long f2 = System.nanoTime();
        Directory loaded = file.load();
        long f3 = System.nanoTime();
        System.out.printf("org.yml %.1f MiB: write %.0f ms, fingerprint %.0f ms, load (parse, check, index) %.0f ms; same directory: %s%n",
                java.nio.file.Files.size(dir.resolve("org.yml")) / 1048576.0, (f1 - f0) / 1e6, (f2 - f1) / 1e6, (f3 - f2) / 1e6,
                loaded.equals(d) + " " + fp.length());
        java.nio.file.Files.delete(dir.resolve("org.yml"));
        java.nio.file.Files.deleteIfExists(dir.resolve("org.yml.lock"));
        java.nio.file.Files.delete(dir);

        Scope[] scopes = {Scope.virtualServer("hub", "default"), Scope.virtualServer("hub", "submission"), Scope.server("hub")};
        Right[] all = Right.values();
        long allowed = 0;
        // cold: every user for the first time (closure computed)
        long c0 = System.nanoTime();
        for (int u = 0; u < users; u++) {
            allowed += rights.allowed(Member.user("u" + u), all[u % all.length], scopes[u % scopes.length]) ? 1 : 0;
        }
        long c1 = System.nanoTime();
        System.out.printf("cold (first query per user): %.0f evaluations/s%n", users / ((c1 - c0) / 1e9));
        for (int round = 1; round <= 3; round++) {
            Member[] who = new Member[1024];
            for (int i = 0; i < who.length; i++) {
                who[i] = Member.user("u" + random.nextInt(users));
            }
            long w0 = System.nanoTime();
            for (int q = 0; q < queries; q++) {
                allowed += rights.allowed(who[q & 1023], all[q % all.length], scopes[q % scopes.length]) ? 1 : 0;
            }
            long w1 = System.nanoTime();
            int explained = queries / 10;
            long e0 = System.nanoTime();
            for (int q = 0; q < explained; q++) {
                allowed += rights.explain(who[q & 1023], all[q % all.length], scopes[q % scopes.length]).allowed() ? 1 : 0;
            }
            long e1 = System.nanoTime();
            System.out.printf("warm round %d: %.0f evaluations/s; with explanation %.0f/s%n", round, queries / ((w1 - w0) / 1e9),
                    explained / ((e1 - e0) / 1e9));
        }
        System.out.println("(allowed count, to keep the work: " + allowed + ")");
    }
}
