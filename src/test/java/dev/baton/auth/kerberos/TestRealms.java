package dev.baton.auth.kerberos;

import dev.baton.config.ConfigLoader;
import dev.baton.config.VirtualServerSettings;
import dev.baton.smtp.server.SessionPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Kerberos realms of the test JVM, started once: JGSS reads one krb5.conf per process, so
 * every test shares this one (ADR 0018). Each realm has its own DNS domain (mx1.baton.test is in
 * BATON.TEST); tests take fresh host names from {@link #host} so they never share a principal.
 *
 * <ul>
 * <li>BATON.TEST: an ordinary realm</li>
 * <li>SKEW.TEST: a KDC that tolerates no clock difference at all (and needs no pre-authentication,
 *     so a login works and the first ticket request meets the skew check)</li>
 * <li>SHORT.TEST: tickets live 5 seconds, for renewal</li>
 * <li>DEAD.TEST: its KDC was stopped after its principals were made: unreachable</li>
 * </ul>
 * Public for the tests of other packages that need Kerberos (X-EXPS on a node).
 */
public final class TestRealms {

    /** A receiver's view of the directory: every smtp/ principal is one of the organization's servers (X-EXPS maps it). */
    public static final SessionPolicy ORGANIZATION_SERVERS = new SessionPolicy() {
        @Override
        public String organizationServer(String principal) {
            return principal.startsWith("smtp/") ? principal : null;
        }
    };

    /** A virtual server announcing fqdn on a free loopback port, accepting example.test. */
    public static VirtualServerSettings virtualServer(String fqdn) throws dev.baton.config.ConfigException {
        return ConfigLoader.parse("""
                server: {fqdn: %s}
                acceptedDomains: [example.test]
                routes:
                  - {domain: example.test, transport: local}
                virtualServers:
                  - {name: default, address: 127.0.0.1, port: 0}
                """.formatted(fqdn), "test").virtualServers().get(0);
    }


    public static final String BATON = "BATON.TEST";
    static final String SKEW = "SKEW.TEST";
    static final String SHORT = "SHORT.TEST";
    static final String DEAD = "DEAD.TEST";

    static final Duration SHORT_LIFETIME = Duration.ofSeconds(5);

    private static final AtomicInteger HOSTS = new AtomicInteger();
    private static TestRealms instance;

    public final Path dir;
    public final EmbeddedRealm baton;
    final EmbeddedRealm skew;
    final EmbeddedRealm shortLived;
    /** A keytab for a principal of DEAD.TEST, whose KDC is down. */
    final Path deadKeytab;
    final String deadPrincipal;

    private TestRealms() throws IOException {
        dir = Files.createTempDirectory("baton-kerberos-");
        baton = EmbeddedRealm.open(dir.resolve("baton"), BATON);
        skew = EmbeddedRealm.open(dir.resolve("skew"), SKEW,
                new EmbeddedRealm.Policy(Duration.ofHours(1), Duration.ofSeconds(-1), false));
        shortLived = EmbeddedRealm.open(dir.resolve("short"), SHORT,
                new EmbeddedRealm.Policy(SHORT_LIFETIME, Duration.ofMinutes(5), true));
        EmbeddedRealm dead = EmbeddedRealm.open(dir.resolve("dead"), DEAD);
        deadPrincipal = dead.serverPrincipal("mx1.dead.test");
        deadKeytab = dead.addServer("mx1.dead.test", dir.resolve("dead.keytab"));
        Krb5Conf.Realm deadRealm = dead.krb5Realm(List.of("dead.test"));
        dead.close();
        Krb5Conf conf = new Krb5Conf(BATON, List.of(
                baton.krb5Realm(List.of("baton.test")),
                skew.krb5Realm(List.of("skew.test")),
                shortLived.krb5Realm(List.of("short.test")),
                deadRealm));
        Path file = conf.write(dir.resolve("krb5.conf"));
        Krb5Conf.useProcessWide(file);
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "test-realms-stop"));
    }

    public static synchronized TestRealms get() {
        if (instance == null) {
            try {
                instance = new TestRealms();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    /** A host name no other test uses, in the domain of a realm: mx7.baton.test. */
    public static String host(String domain) {
        return "mx" + HOSTS.incrementAndGet() + "." + domain;
    }

    private void stop() {
        for (EmbeddedRealm r : List.of(baton, skew, shortLived)) {
            try {
                r.close();
            } catch (IOException ignored) {
                // the JVM is going away
            }
        }
    }
}
