package dev.baton.testing;

import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigLoader;
import dev.baton.node.BatonNode;
import dev.baton.queue.QueuedMessage;
import dev.baton.tls.TlsContexts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Baton node on a free port in a fresh data directory, for one test: register with
 * {@code @RegisterExtension}, configure with the builder methods, {@link #start()}, then
 * {@link #connect()}. After the test every client is closed first, then the node, then the
 * directory is removed.
 * <p>
 * The accepted domain is example.test, routed to local Maildirs. {@link #holdDelivery()} makes
 * the Maildir root a file, so local delivery defers and accepted messages stay in the spool
 * where a test can look at their envelope and content.
 */
public final class TestServer implements AfterEachCallback {

    private final List<String> virtualServer = new ArrayList<>();
    private final List<String> root = new ArrayList<>();
    private final List<String> routes = new ArrayList<>(List.of("{domain: example.test, transport: local}"));
    private boolean hold;
    private String organization;
    private Path dataDir;
    private BatonNode node;
    private final List<SmtpTestClient> clients = new ArrayList<>();

    /** Adds YAML lines to the virtual server (relative indentation kept), e.g. "bareLineEndings: normalize". */
    public TestServer vs(String yaml) {
        virtualServer.addAll(yaml.lines().toList());
        return this;
    }

    /** Adds YAML lines under the virtual server's limits, e.g. "maxRecipients: 2". */
    public TestServer limits(String yaml) {
        virtualServer.add("limits:");
        yaml.lines().forEach(l -> virtualServer.add("  " + l));
        return this;
    }

    /** Adds top-level YAML lines, e.g. "mailboxes: {users: [alice]}". */
    public TestServer root(String yaml) {
        root.addAll(yaml.lines().toList());
        return this;
    }

    public TestServer route(String domain, String transport) {
        routes.add("{domain: " + domain + ", transport: " + transport + "}");
        return this;
    }

    /**
     * Gives the node a directory: this text as its org.yml (the server is "mx", mx.example.test,
     * virtual server "default"); baton.yml then lists no accepted domains.
     */
    public TestServer organization(String orgYml) {
        organization = orgYml;
        return this;
    }

    public TestServer holdDelivery() {
        hold = true;
        return this;
    }

    public String yaml() {
        StringBuilder y = new StringBuilder();
        y.append("server:\n  fqdn: mx.example.test\n");
        if (organization == null) {
            y.append("acceptedDomains: [example.test]\n");
        }
        y.append("routes:\n");
        routes.forEach(r -> y.append("  - ").append(r).append('\n'));
        y.append("virtualServers:\n  - name: default\n    address: 127.0.0.1\n    port: 0\n");
        virtualServer.forEach(l -> y.append("    ").append(l).append('\n'));
        root.forEach(l -> y.append(l).append('\n'));
        return y.toString();
    }

    public TestServer start() throws Exception {
        if (node != null) {
            throw new IllegalStateException("started already");
        }
        BatonConfig config = ConfigLoader.parse(yaml(), "test");
        dataDir = Files.createTempDirectory("baton-conformance-");
        // a self-signed pair made once per JVM: creating one per node is the slowest part of a start
        Path tls = Files.createDirectories(dataDir.resolve("tls"));
        for (Path p : sharedCertificate()) {
            Files.copy(p, tls.resolve(p.getFileName()));
        }
        if (organization != null) {
            Files.writeString(dataDir.resolve("org.yml"), organization);
        }
        if (hold) {
            Files.writeString(dataDir.resolve(config.mailboxes().directory()), "not a directory: local delivery defers\n");
        }
        node = BatonNode.start(config, dataDir);
        return this;
    }

    private static Path[] certificate;

    private static synchronized Path[] sharedCertificate() throws IOException {
        if (certificate == null) {
            Path dir = Files.createTempDirectory("baton-conformance-tls-");
            dir.toFile().deleteOnExit();
            certificate = TlsContexts.selfSigned(dir, "mx.example.test");
            for (Path p : certificate) {
                p.toFile().deleteOnExit();
            }
        }
        return certificate;
    }

    public BatonNode node() {
        return node;
    }

    public int port() {
        return node.smtpPort();
    }

    public Path dataDir() {
        return dataDir;
    }

    /** A new connection; the greeting is not read yet. */
    public SmtpTestClient connect() throws IOException {
        SmtpTestClient c = SmtpTestClient.connect(port());
        clients.add(c);
        return c;
    }

    /** A new connection that has read the greeting and done EHLO. */
    public SmtpTestClient connectEhlo() throws IOException {
        SmtpTestClient c = connect();
        c.greetAndEhlo();
        return c;
    }

    public List<QueuedMessage> queued() throws IOException {
        return node.spool().list();
    }

    /** The content of a queued message as stored (CRLF, not dot-stuffed). */
    public String content(QueuedMessage m) throws IOException {
        try (var in = node.spool().openContent(m)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** Waits for the first file in new/ of a local Maildir, e.g. ("example.test", "alice"). */
    public Optional<Path> awaitMaildirFile(String domain, String localPart, Duration within) {
        Path dir = dataDir.resolve(node.config().mailboxes().directory()).resolve(domain).resolve(localPart).resolve("new");
        try {
            return Optional.of(Eventually.fileIn(dir, within));
        } catch (AssertionError nothing) {
            return Optional.empty();
        }
    }

    /**
     * Closes clients first (so no session waits out the grace period), then the node and its
     * directory in the background: a node's scheduler takes up to a second to stop, which
     * would otherwise dominate the run time of the suite. Pending closes finish before the
     * JVM exits.
     */
    @Override
    public void afterEach(ExtensionContext context) {
        clients.forEach(SmtpTestClient::close);
        clients.clear();
        BatonNode n = node;
        Path dir = dataDir;
        node = null;
        dataDir = null;
        if (n != null || dir != null) {
            CLOSING.add(Thread.ofVirtual().start(() -> closeAndDelete(n, dir)));
        }
    }

    private static final List<Thread> CLOSING = new java.util.concurrent.CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Thread t : CLOSING) {
                try {
                    t.join(15_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }));
    }

    private static void closeAndDelete(BatonNode n, Path dir) {
        if (n != null) {
            n.close();
        }
        if (dir != null) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException ignored) {
                // a temporary directory left behind is harmless
            }
        }
    }
}
