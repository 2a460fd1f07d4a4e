package dev.baton.cli;

import dev.baton.admin.ControlSocket;
import dev.baton.config.ConfigLoader;
import dev.baton.events.Category;
import dev.baton.events.DiagnosticLevel;
import dev.baton.events.EventLevels;
import dev.baton.events.EventLog;
import dev.baton.net.LoopbackPorts;
import dev.baton.node.BatonNode;
import dev.baton.node.Problems;
import dev.baton.org.Passwords;
import dev.baton.org.ScramCredential;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;

/**
 * The organization {@code baton demo} runs (ADR 0024): one folder, one org.yml both servers read,
 * mail1 running the embedded realm's KDC as the first server of an organization does, mail2 using
 * that realm as an external one with the keytab mail1 made for it, both on free loopback ports.
 * Each server's folder is an ordinary data directory: {@code baton serve --data-dir} runs it.
 */
final class DemoOrganization implements AutoCloseable {

    static final String DOMAIN = "demo.test";
    static final String REALM = "DEMO.TEST";
    /** The file that marks a folder as one this command made, and so one it may replace. */
    static final String MARKER = "BATON-DEMO.txt";

    /** One of the two servers: its name, FQDN, data directory and SMTP port. */
    record Server(String name, String fqdn, Path dir, int port) {
        String principal() {
            return "smtp/" + fqdn + "@" + REALM;
        }
    }

    /** A user of the directory and the password the demo gave it (printed for the person trying it). */
    record User(String name, String address, Server home, String password) {
    }

    final Path dir;
    final Server mail1;
    final Server mail2;
    final User alice;
    final User bob;
    private BatonNode node1;
    private BatonNode node2;

    private DemoOrganization(Path dir, int port1, int port2) {
        this.dir = dir;
        this.mail1 = new Server("mail1", "mail1." + DOMAIN, dir.resolve("mail1"), port1);
        this.mail2 = new Server("mail2", "mail2." + DOMAIN, dir.resolve("mail2"), port2);
        this.alice = new User("alice", "alice@" + DOMAIN, mail1, password());
        this.bob = new User("bob", "bob@" + DOMAIN, mail2, password());
    }

    /**
     * Makes the folder afresh (a folder an earlier demo made is replaced, unless its servers still
     * run; any other folder that is not empty is refused), writes the organization and starts
     * mail1, then mail2.
     */
    static DemoOrganization start(Path dir) throws IOException {
        prepare(dir);
        DemoOrganization org = new DemoOrganization(dir, LoopbackPorts.unused(), LoopbackPorts.unused());
        try {
            org.write();
            org.node1 = startNode(org.mail1);
            // the administrator's step between the two: hand mail2 the keytab mail1's realm made for it
            Path made = org.mail1.dir().resolve("kerberos/keytabs/mail2.keytab");
            if (!Files.isReadable(made)) {
                throw new IOException("mail1's embedded realm made no keytab for mail2 at " + made + " (its log above says why)");
            }
            Path keytab = org.mail2.dir().resolve("kerberos/smtp.keytab");
            Files.createDirectories(keytab.getParent());
            // the realm wrote it owner-only; the copy keeps that
            Files.copy(made, keytab, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            org.node2 = startNode(org.mail2);
            return org;
        } catch (IOException | RuntimeException e) {
            org.close();
            throw e;
        }
    }

    private static BatonNode startNode(Server s) throws IOException {
        try {
            return BatonNode.start(ConfigLoader.load(s.dir().resolve("baton.yml")), s.dir());
        } catch (dev.baton.config.ConfigException e) {
            throw new IOException(s.name() + ": " + Problems.describe(e), e);
        }
    }

    BatonNode node1() {
        return node1;
    }

    BatonNode node2() {
        return node2;
    }

    BatonNode node(Server s) {
        return s == mail1 ? node1 : node2;
    }

    /** The folder is ours to use: absent, empty, or made by an earlier demo whose servers are stopped (then emptied). */
    private static void prepare(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            boolean empty;
            try (var entries = Files.list(dir)) {
                empty = entries.findAny().isEmpty();
            }
            if (!empty) {
                if (!Files.exists(dir.resolve(MARKER))) {
                    throw new UserError(dir.toAbsolutePath() + " is not empty and was not made by 'baton demo' (no " + MARKER
                            + " in it); give --dir a new or empty folder");
                }
                for (String server : new String[] {"mail1", "mail2"}) {
                    Path spool = dir.resolve(server).resolve("spool");
                    if (Files.isDirectory(spool)) {
                        try {
                            ControlSocket.refuseIfInUse(spool);
                        } catch (IOException inUse) {
                            throw new UserError("a demo is still running on " + dir.toAbsolutePath() + " (" + server
                                    + " answers on its control socket); stop it with Ctrl-C first, or give --dir another folder");
                        }
                    }
                }
                deleteTree(dir);
            }
        } else if (Files.exists(dir)) {
            throw new UserError(dir.toAbsolutePath() + " is a file, not a folder; give --dir a folder");
        }
        Files.createDirectories(dir);
    }

    private void write() throws IOException {
        Files.writeString(dir.resolve(MARKER), """
                This folder was made by 'baton demo' and is replaced each time it runs there.
                mail1/ and mail2/ are the data directories of the two servers; org.yml is the
                organization's directory both read. With the demo stopped, run them yourself:
                  baton serve --data-dir %1$s/mail1
                  baton serve --data-dir %1$s/mail2
                """.formatted(dir));
        Files.writeString(dir.resolve("org.yml"), """
                # The organization's directory (docs/directory.md), read by both servers of the demo.
                organization: { name: Demo, acceptedDomains: [%1$s] }
                realm: %2$s
                servers:
                  - { name: mail1, fqdn: %3$s, virtualServers: [default], smtp: "[127.0.0.1]:%4$d" }
                  - { name: mail2, fqdn: %5$s, virtualServers: [default], smtp: "[127.0.0.1]:%6$d" }
                users:
                %7$s
                %8$s
                rights:
                  # anyone may send to the accepted domain's users
                  - { allow: accept-authoritative-domain, to: "group:everyone", on: organization }
                  # users who authenticated may submit mail, as their own addresses
                  - { allow: submit, to: "group:authenticated-users", on: organization }
                  # built in: the organization's servers may relay and hand each other properties
                """.formatted(DOMAIN, REALM, mail1.fqdn(), mail1.port(), mail2.fqdn(), mail2.port(), userEntry(alice),
                userEntry(bob)), StandardCharsets.UTF_8);
        writeServer(mail1, "{ mode: embedded }");
        writeServer(mail2, "{ mode: external, krb5Conf: ../mail1/kerberos/krb5.conf, keytab: kerberos/smtp.keytab }");
    }

    private static String userEntry(User u) {
        char[] pw = u.password().toCharArray();
        return "  - { name: %s, home: %s, addresses: [%s], password: \"%s\", scram: \"%s\" }".formatted(u.name(), u.home().name(),
                u.address(), Passwords.hash(pw), ScramCredential.create(pw).encode());
    }

    private static void writeServer(Server s, String kerberos) throws IOException {
        Files.createDirectories(s.dir());
        Files.writeString(s.dir().resolve("baton.yml"), """
                # Written by 'baton demo' (docs/configuration.md): server %1$s of the demo organization.
                server: { name: %1$s, fqdn: %2$s }
                virtualServers:
                  - { name: default, address: 127.0.0.1, port: %3$d, tls: { mode: offered }, authentication: { integrated: true } }
                routes:
                  # a user of the directory whose mailbox is on the other server goes there (TLS, X-EXPS GSSAPI)
                  - { domain: %4$s, transport: organization }
                  - { domain: %4$s, transport: local }
                mailboxes: { autoCreate: false }
                directory: { file: ../org.yml }
                queue: { retryDelay: 10s, maxRetryDelay: 1m }
                # a new connection, TLS and X-EXPS for every message, so each one shows the whole
                # handshake and a broken one fails at once; a real server keeps them (delivery.reuse)
                delivery: { reuse: { maxIdle: 0 } }
                kerberos: %5$s
                """.formatted(s.name(), s.fqdn(), s.port(), DOMAIN, kerberos), StandardCharsets.UTF_8);
        // louder than a fresh server, so the event logs tell this story and the failures you try next
        EventLevels.NONE
                .with(Category.SMTP_PROTOCOL, "default", DiagnosticLevel.MEDIUM)
                .with(Category.AUTHENTICATION, "default", DiagnosticLevel.MEDIUM)
                .with(Category.DELIVERY, null, DiagnosticLevel.MAXIMUM)
                .with(Category.QUEUE, null, DiagnosticLevel.MEDIUM)
                .write(Files.createDirectories(s.dir().resolve(EventLog.DIRECTORY)).resolve(EventLevels.FILE));
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    /** A password for a user of the demo: 12 letters and digits, printed for the person trying it. */
    private static String password() {
        String alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
        StringBuilder b = new StringBuilder(12);
        for (int i = 0; i < 12; i++) {
            b.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return b.toString();
    }


    private static void deleteTree(Path dir) throws IOException {
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                if (!d.equals(dir)) {
                    Files.delete(d);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Stops mail2, then mail1 (and with it the KDC). */
    @Override
    public void close() {
        if (node2 != null) {
            node2.close();
        }
        if (node1 != null) {
            node1.close();
        }
    }

}
