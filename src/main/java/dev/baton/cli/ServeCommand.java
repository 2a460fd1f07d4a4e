package dev.baton.cli;

import dev.baton.node.Problems;
import dev.baton.config.BatonConfig;
import dev.baton.config.VirtualServerSettings;
import dev.baton.node.BatonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code baton serve}: runs a server until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Runs a Baton server until stopped (Ctrl-C or SIGTERM).",
                "Without a configuration it creates a working single-server default in the data directory.",
                "",
                "Logs (docs/logs.md), in the data directory unless said:",
                "  logs/delivery.log  each message received, recipient outcome, removal;",
                "                     set in baton.yml deliveryLog (enabled, json, ...)",
                "  events/events.log  events; louder: baton events level CATEGORY medium",
                "  logs/smtp-VS.log   a virtual server's sessions, with protocolLog: true",
                "  standard error     the operator's log (INFO); louder:",
                "                     JAVA_OPTS=-Dbaton.log.level=DEBUG baton serve"})
final class ServeCommand implements Callable<Integer> {

    @Mixin
    DataDirOptions data;

    @Option(names = "--smtp-port", paramLabel = "N", description = {"Port of the first virtual server (overrides the configuration);",
            "0 = every virtual server on a free port of its own (a throwaway server that collides with nothing)"})
    Integer smtpPort;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (System.getProperty("baton.log.level") == null) {
            System.setProperty("baton.log.level", "INFO");
            ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                    .setLevel(ch.qos.logback.classic.Level.INFO);
        }
        BatonConfig config = data.load(true);
        if (smtpPort != null) {
            if (smtpPort < 0 || smtpPort > 65535) {
                throw new UserError("--smtp-port " + smtpPort + " is not a port (0 to 65535)");
            }
            config = withFirstPort(config, smtpPort);
        }
        BatonNode node;
        try {
            node = BatonNode.start(config, data.dataDir);
        } catch (IOException e) {
            throw new UserError(Problems.describe(e));
        }
        Integer port = smtpPort;
        // a reload reads the same file and keeps --smtp-port, as the start did
        node.reloadFrom(data.configFile(), c -> port == null ? c : withFirstPort(c, port));
        if (!Hangup.install(() -> hangup(node))) {
            org.slf4j.LoggerFactory.getLogger(ServeCommand.class).warn("SIGHUP cannot be caught in this JVM: it stops the server");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "baton-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        describe(out, node, config);
        out.flush();
        stopped.await();
        return 0;
    }

    /**
     * SIGHUP: the directory is looked at at once (it is taken up while running anyway), and
     * baton.yml is read again and put in force as {@code baton reload} does (ADR 0015); a bad
     * file changes nothing and the log and the event log say why. The server runs on either way.
     */
    private static void hangup(BatonNode node) {
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ServeCommand.class);
        boolean changed = node.directory().check();
        log.info("SIGHUP: the directory {}", changed ? "changed and is in force" : node.directory().lastRefusal() == null
                ? "is unchanged" : "was refused: " + node.directory().lastRefusal());
        dev.baton.node.Reload r = node.reload(); // the node logs the details
        if (r.ok()) {
            log.info("SIGHUP: baton.yml reloaded: {}", String.join("; ", r.changes()));
        } else {
            log.warn("SIGHUP: baton.yml refused, nothing changed: {}", r.refused());
        }
    }

    /**
     * The configuration with the first virtual server on the given port (--smtp-port); with 0
     * every virtual server on a free port, so the submission listeners of the first-run
     * configuration do not hold a test (or a second server) to their fixed ports (ADR 0023).
     */
    static BatonConfig withFirstPort(BatonConfig c, int port) {
        List<VirtualServerSettings> vss = new ArrayList<>(c.virtualServers());
        if (vss.isEmpty()) {
            return c;
        }
        for (int i = 0; i < vss.size(); i++) {
            if (i == 0 || port == 0) {
                vss.set(i, vss.get(i).withPort(port));
            }
        }
        return new BatonConfig(c.server(), c.acceptedDomains(), vss, c.routes(), c.queue(), c.events(), c.mailboxes(), c.delivery(),
                c.directory(), c.deliveryLog(), c.kerberos());
    }

    private void describe(PrintWriter out, BatonNode node, BatonConfig config) {
        Path dir = data.dataDir;
        out.println("Baton serving " + config.server().fqdn() + " (data in " + dir.toAbsolutePath() + ")");
        List<java.net.InetSocketAddress> ls = node.endpoints();
        for (int i = 0; i < ls.size(); i++) {
            VirtualServerSettings vs = config.virtualServers().get(i);
            out.println("  virtual server \"" + vs.name() + "\" listening on " + ls.get(i).getAddress().getHostAddress() + ":"
                    + ls.get(i).getPort() + " (" + (vs.tls().mode() == VirtualServerSettings.TlsMode.IMPLICIT ? "implicit TLS"
                    : "STARTTLS " + vs.tls().mode().name().toLowerCase(java.util.Locale.ROOT))
                    + (vs.authentication().anonymous() ? "" : ", AUTH required") + ")");
        }
        List<String> domains = node.directory().directory().organization().acceptedDomains();
        for (String d : domains) {
            String how = node.routeFor(d)
                    .map(r -> switch (r.transport()) {
                        case LOCAL -> "mail lands in " + dir.resolve(config.mailboxes().directory()).resolve(d) + "/<user>/new/";
                        case DISCARD -> "mail is discarded";
                        default -> "mail goes on by " + r.transport().name().toLowerCase(java.util.Locale.ROOT)
                                + (r.host() == null ? "" : " to " + r.host() + ":" + r.port());
                    })
                    .orElse("no route");
            out.println("  accepted domain " + d + ": " + how);
        }
        out.println("  queue: " + node.spool().root());
        out.println("  events: " + node.events().directory().resolve(dev.baton.events.EventLog.FILE)
                + " (read: baton events; more detail: baton events level CATEGORY medium)");
        out.println("  configuration: " + data.configFile());
        out.println("  directory: " + (node.directory().store() == null
                ? "none (an organization of one, from baton.yml)" : node.directory().store().describe()));
        if (!domains.isEmpty()) {
            out.println("Try: ./baton send --server 127.0.0.1:" + node.smtpPort() + " --from you@" + domains.get(0)
                    + " --to alice@" + domains.get(0) + " -v");
        }
    }
}
