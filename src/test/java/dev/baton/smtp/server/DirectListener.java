package dev.baton.smtp.server;

import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigLoader;
import dev.baton.config.VirtualServerSettings;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Spool;
import dev.baton.testing.SmtpTestClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * An {@link SmtpListener} on a free loopback port with a {@link ServerContext} the test puts
 * together (policy, clock, protocol log), without a node: no scheduler runs, so every accepted
 * message stays in the spool for the test to look at. Register with {@code @RegisterExtension};
 * after the test the clients, the listener, the spool and the directory are closed and removed.
 */
final class DirectListener implements AfterEachCallback {

    private final List<String> limits = new ArrayList<>();
    private SessionPolicy policy = SessionPolicy.ACCEPT_ALL;
    private Clock clock = Clock.systemUTC();
    private boolean protocolLog;
    private CommandTable commands = CommandTable.STANDARD;
    private Path dir;
    private Spool spool;
    private ProtocolLog log;
    private SmtpListener listener;
    private final List<SmtpTestClient> clients = new ArrayList<>();

    /** YAML lines under the virtual server's limits, e.g. "maxErrors: 3". */
    DirectListener limits(String yaml) {
        limits.addAll(yaml.lines().toList());
        return this;
    }

    DirectListener policy(SessionPolicy p) {
        policy = p;
        return this;
    }

    /** The clock of the spool and of the server context, as a node shares one. */
    DirectListener clock(Clock c) {
        clock = c;
        return this;
    }

    /** The verbs of the server, e.g. {@code CommandTable.STANDARD.with(new XtestHandler(...))}. */
    DirectListener commands(CommandTable t) {
        commands = t;
        return this;
    }

    DirectListener protocolLog() {
        protocolLog = true;
        return this;
    }

    DirectListener start() throws Exception {
        StringBuilder y = new StringBuilder("""
                server: {fqdn: mx.example.test}
                acceptedDomains: [example.test]
                routes:
                  - {domain: example.test, transport: local}
                virtualServers:
                  - name: default
                    address: 127.0.0.1
                    port: 0
                """);
        if (!limits.isEmpty()) {
            y.append("    limits:\n");
            limits.forEach(l -> y.append("      ").append(l).append('\n'));
        }
        BatonConfig config = ConfigLoader.parse(y.toString(), "test");
        VirtualServerSettings vs = config.virtualServers().get(0);
        dir = Files.createTempDirectory("baton-direct-");
        spool = Spool.open(dir.resolve("spool"),
                p -> FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), clock);
        log = protocolLog ? ProtocolLog.open(protocolLogFile()) : ProtocolLog.OFF;
        listener = SmtpListener.start(new ServerContext(vs, null, spool, policy, log, SessionEvents.NONE, clock, commands));
        return this;
    }

    Path protocolLogFile() {
        return dir.resolve("logs").resolve("smtp.log");
    }

    /** A new connection that has read the greeting and done EHLO. */
    SmtpTestClient connectEhlo() throws IOException {
        SmtpTestClient c = SmtpTestClient.connect(listener.port());
        clients.add(c);
        c.greetAndEhlo();
        return c;
    }

    List<QueuedMessage> queued() throws IOException {
        return spool.list();
    }

    /** Files of messages being received; none may stay behind a refused or aborted message. */
    long incomingFiles() throws IOException {
        try (Stream<Path> s = Files.list(spool.root().resolve("incoming"))) {
            return s.count();
        }
    }

    String content(QueuedMessage m) throws IOException {
        try (InputStream in = spool.openContent(m)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        clients.forEach(SmtpTestClient::close);
        if (listener != null) {
            listener.close(java.time.Duration.ofSeconds(5));
        }
        if (spool != null) {
            spool.close();
        }
        if (log != null) {
            log.close();
        }
        if (dir != null) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
