package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.config.ConfigLoader;
import dev.baton.events.EventFiles;
import dev.baton.events.EventLog;
import dev.baton.events.LoggedEvent;
import dev.baton.net.LoopbackPorts;
import dev.baton.testing.Eventually;
import dev.baton.testing.SmtpTestClient;
import dev.baton.tls.TlsContexts;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A reload puts a new baton.yml in force for what starts from now on, all of it or nothing (ADR 0015). */
class ReloadTest {

    private static final String BASE = """
            server: {name: t, fqdn: mx.baton.test}
            acceptedDomains: [baton.test]
            virtualServers:
              - name: default
                address: 127.0.0.1
                port: 0
                tls: TLS
                relayNetworks: RELAY
                limits: {maxRecipients: RCPTS}
            EXTRA
            routes: ROUTES
            QUEUE
            mailboxes: {directory: mailboxes, autoCreate: true}
            """;

    @TempDir
    Path data;

    private BatonNode node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    /** The test's baton.yml: the base with some of its placeholders replaced (pairs: placeholder, value). */
    private static String yaml(String... replacements) {
        String y = BASE;
        for (int i = 0; i < replacements.length; i += 2) {
            y = y.replace(replacements[i], replacements[i + 1]);
        }
        return y.replace("TLS", "{mode: \"off\"}").replace("RELAY", "[]").replace("RCPTS", "100").replace("EXTRA", "")
                .replace("ROUTES", "[]").replace("QUEUE", "");
    }

    private Path file() {
        return data.resolve("baton.yml");
    }

    private void start(String yaml) throws Exception {
        Files.createDirectories(data);
        Files.writeString(file(), yaml);
        node = BatonNode.start(ConfigLoader.load(file()), data);
        node.reloadFrom(file(), UnaryOperator.identity());
    }

    private Reload reloadWith(String yaml) throws IOException {
        Files.writeString(file(), yaml);
        return node.reload();
    }


    private int rcpt(String address) throws IOException {
        try (SmtpTestClient c = SmtpTestClient.connect(node.smtpPort())) {
            c.greetAndEhlo();
            c.command("MAIL FROM:<sender@origin.test>").expect(250);
            return c.command("RCPT TO:<" + address + ">").code();
        }
    }

    private List<LoggedEvent> events() throws Exception {
        List<LoggedEvent> all = new ArrayList<>();
        new EventFiles(data.resolve(EventLog.DIRECTORY)).read(all::add, bad -> {
            throw new AssertionError(bad);
        });
        return all;
    }

    private LoggedEvent awaitEvent(int id) {
        return Eventually.awaitValue("event " + id, Eventually.PATIENCE,
                () -> events().stream().filter(e -> e.id() == id).findFirst());
    }

    @Test
    void aRouteAddedByAReloadCarriesMailQueuedAfterIt() throws Exception {
        start(yaml("RELAY", "[127.0.0.0/8]"));
        assertThat(rcpt("bob@partner.test")).as("no route yet").isEqualTo(550);

        Reload r = reloadWith(yaml("RELAY", "[127.0.0.0/8]", "ROUTES", "[{domain: partner.test, transport: local}]"));

        assertThat(r.ok()).as(r.refused()).isTrue();
        assertThat(r.changes()).anyMatch(c -> c.startsWith("routes changed"));
        try (SmtpTestClient c = SmtpTestClient.connect(node.smtpPort())) {
            c.greetAndEhlo();
            c.transaction("sender@origin.test", "bob@partner.test");
            c.data("Subject: routed\r\n\r\nafter the reload\r\n").expect(250);
        }
        Path delivered = Eventually.fileIn(data.resolve("mailboxes/partner.test/bob/new"));
        assertThat(Files.readString(delivered)).contains("after the reload");
        assertThat(awaitEvent(4905).text()).contains(file().toString(), "routes changed");
    }

    @Test
    void aRelayNetworkAddedByAReloadLetsItsClientRelay() throws Exception {
        String route = "[{domain: partner.test, transport: discard}]";
        start(yaml("ROUTES", route));
        assertThat(rcpt("bob@partner.test")).as("relay denied").isEqualTo(550);

        Reload r = reloadWith(yaml("ROUTES", route, "RELAY", "[127.0.0.1/32]"));

        assertThat(r.ok()).as(r.refused()).isTrue();
        assertThat(r.changes()).containsExactly(
                "virtual server \"default\": relayNetworks changed, for new connections (sessions under way keep their settings)");
        assertThat(rcpt("bob@partner.test")).isEqualTo(250);
    }

    @Test
    void aVirtualServerAddedByAReloadAcceptsAndOneRemovedRefuses() throws Exception {
        start(yaml());
        int port = LoopbackPorts.unused();
        String second = """
                  - name: second
                    address: 127.0.0.1
                    port: %d
                    tls: {mode: "off"}
                """.formatted(port);

        Reload added = reloadWith(yaml("EXTRA", second.stripTrailing()));

        assertThat(added.ok()).as(added.refused()).isTrue();
        assertThat(added.changes()).containsExactly("virtual server \"second\" added on 127.0.0.1:" + port);
        try (SmtpTestClient c = SmtpTestClient.connect(port)) {
            c.greetAndEhlo().expect(250);
            c.command("QUIT").expect(221);
        }
        assertThat(node.endpoints()).hasSize(2);
        int first = node.smtpPort();

        Reload removed = reloadWith(yaml());

        assertThat(removed.ok()).as(removed.refused()).isTrue();
        assertThat(removed.changes()).singleElement().asString().startsWith("virtual server \"second\" removed");
        assertThatThrownBy(() -> SmtpTestClient.connect(port).close()).isInstanceOf(ConnectException.class);
        assertThat(node.smtpPort()).as("the first one stays where it was").isEqualTo(first);
        try (SmtpTestClient c = SmtpTestClient.connect(first)) {
            c.greetAndEhlo().expect(250);
        }
    }

    @Test
    void aChangedLimitAppliesToNewSessionsWhileASessionUnderWayKeepsItsOwn() throws Exception {
        start(yaml("RCPTS", "2"));
        try (SmtpTestClient before = SmtpTestClient.connect(node.smtpPort())) {
            before.greetAndEhlo();
            before.command("MAIL FROM:<sender@origin.test>").expect(250);

            Reload r = reloadWith(yaml("RCPTS", "1"));
            assertThat(r.ok()).as(r.refused()).isTrue();

            try (SmtpTestClient after = SmtpTestClient.connect(node.smtpPort())) {
                after.greetAndEhlo();
                after.command("MAIL FROM:<sender@origin.test>").expect(250);
                after.command("RCPT TO:<a@baton.test>").expect(250);
                assertThat(after.command("RCPT TO:<b@baton.test>").code()).as("the new limit: 1").isEqualTo(452);
            }
            before.command("RCPT TO:<a@baton.test>").expect(250);
            before.command("RCPT TO:<b@baton.test>").expect(250);
            assertThat(before.command("RCPT TO:<c@baton.test>").code()).as("the old limit: 2").isEqualTo(452);
        }
    }

    @Test
    void aNewCertificateIsServedToStartTlsSessionsAfterTheReload() throws Exception {
        TlsContexts.selfSigned(data.resolve("old"), "mx.baton.test");
        TlsContexts.selfSigned(data.resolve("new"), "mx.baton.test");
        start(yaml("TLS", "{mode: offered, certificate: old/cert.pem, key: old/key.pem}"));
        assertThat(servedCertificate()).isEqualTo(certificate("old"));

        Reload r = reloadWith(yaml("TLS", "{mode: offered, certificate: new/cert.pem, key: new/key.pem}"));

        assertThat(r.ok()).as(r.refused()).isTrue();
        assertThat(servedCertificate()).isEqualTo(certificate("new")).isNotEqualTo(certificate("old"));
    }

    @Test
    void aCertificateRenewedInPlaceIsServedAfterAReloadOfAnUnchangedFile() throws Exception {
        TlsContexts.selfSigned(data.resolve("tls-a"), "mx.baton.test");
        String tls = "{mode: offered, certificate: tls-a/cert.pem, key: tls-a/key.pem}";
        start(yaml("TLS", tls));
        Certificate old = certificate("tls-a");
        // certbot's way: new files under the same names
        Files.delete(data.resolve("tls-a/cert.pem"));
        Files.delete(data.resolve("tls-a/key.pem"));
        TlsContexts.selfSigned(data.resolve("tls-a"), "mx.baton.test");
        assertThat(servedCertificate()).as("not before the reload").isEqualTo(old);

        Reload r = reloadWith(yaml("TLS", tls));

        assertThat(r.ok()).as(r.refused()).isTrue();
        assertThat(r.changes()).containsExactly("no setting changed; TLS certificates and keys read again");
        assertThat(servedCertificate()).isEqualTo(certificate("tls-a")).isNotEqualTo(old);
    }

    private Certificate servedCertificate() throws IOException {
        try (SmtpTestClient c = SmtpTestClient.connect(node.smtpPort())) {
            c.greetAndEhlo();
            c.command("STARTTLS").expect(220);
            SSLSession s = c.startTls("TLSv1.3");
            return s.getPeerCertificates()[0];
        }
    }

    private Certificate certificate(String dir) throws Exception {
        try (InputStream in = Files.newInputStream(data.resolve(dir).resolve("cert.pem"))) {
            return CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    @Test
    void aBadFileChangesNothingAndSaysWhyInTheAnswerAndTheEventLog() throws Exception {
        String route = "[{domain: partner.test, transport: discard}]";
        start(yaml("ROUTES", route));

        Reload r = reloadWith("virtualServers: [{ port: 99999 }]\n");

        assertThat(r.ok()).isFalse();
        assertThat(r.refused()).contains("virtualServers[0].port");
        assertThat(awaitEvent(4906).text()).contains(file().toString(), "virtualServers[0].port", "runs on as before");
        assertThat(rcpt("bob@partner.test")).as("still in force: the old relay rules").isEqualTo(550);
        assertThat(node.routeFor("partner.test")).isPresent();
    }

    @Test
    void aReloadWithAChangeThatNeedsARestartIsRefusedWhole() throws Exception {
        String route = "[{domain: partner.test, transport: discard}]";
        start(yaml("ROUTES", route));

        Reload r = reloadWith(yaml("ROUTES", route, "RELAY", "[127.0.0.1/32]", "QUEUE", "queue: {deliveryWorkers: 3}"));

        assertThat(r.ok()).isFalse();
        assertThat(r.refused()).isEqualTo("changing queue needs a restart (restart the server to apply the new baton.yml)");
        assertThat(rcpt("bob@partner.test")).as("the relay network of the same file was not taken up either").isEqualTo(550);
    }

    @Test
    void aReloadThatConfigCheckWouldFailIsRefused() throws Exception {
        start(yaml());

        Reload r = reloadWith(yaml("TLS", "{mode: offered, certificate: missing/cert.pem, key: missing/key.pem}"));

        assertThat(r.ok()).isFalse();
        assertThat(r.refused()).contains("virtual server \"default\" TLS", "missing/cert.pem", "as 'baton config check' says");
        try (SmtpTestClient c = SmtpTestClient.connect(node.smtpPort())) {
            assertThat(c.greetAndEhlo().lines()).noneMatch(l -> l.contains("STARTTLS"));
        }
    }

    @Test
    void aVirtualServerThatCannotListenRefusesTheWholeReload() throws Exception {
        String route = "[{domain: partner.test, transport: discard}]";
        start(yaml("ROUTES", route));
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            String second = """
                      - name: second
                        address: 127.0.0.1
                        port: %d
                    """.formatted(taken.getLocalPort());

            Reload r = reloadWith(yaml("ROUTES", route, "RELAY", "[127.0.0.1/32]", "EXTRA", second.stripTrailing()));

            assertThat(r.ok()).isFalse();
            assertThat(r.refused()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
        assertThat(rcpt("bob@partner.test")).as("the relay network was not taken up").isEqualTo(550);
        assertThat(node.endpoints()).hasSize(1);
    }

    private static final String DIRECTORY_BATON_YML = """
            server: { name: hub, fqdn: hub.example.test }
            virtualServers:
              - { name: default, address: 127.0.0.1, port: 0, tls: { mode: "off" } }
            EXTRA
            routes: [{ domain: "*", transport: discard }]
            """;

    @Test
    void withADirectoryAReloadKeepsItsRulesAndRefusesWhatDoesNotFitIt() throws Exception {
        Files.createDirectories(data);
        Files.writeString(data.resolve("org.yml"), """
                organization: { name: Example, acceptedDomains: [example.test] }
                servers:
                  - { name: hub, fqdn: hub.example.test, virtualServers: [default, second] }
                rights:
                  - { allow: accept-authoritative-domain, to: group:everyone }
                """);
        start(DIRECTORY_BATON_YML.replace("EXTRA", ""));

        Reload domains = reloadWith(DIRECTORY_BATON_YML.replace("EXTRA", "acceptedDomains: [other.test]"));
        assertThat(domains.ok()).isFalse();
        assertThat(domains.refused()).contains("the accepted domains are the organization's");

        Reload unknown = reloadWith(DIRECTORY_BATON_YML.replace("EXTRA",
                "  - { name: third, address: 127.0.0.1, port: %d, tls: { mode: \"off\" } }".formatted(LoopbackPorts.unused())));
        assertThat(unknown.ok()).isFalse();
        assertThat(unknown.refused()).contains("\"third\"", "does not list");

        Reload store = reloadWith(DIRECTORY_BATON_YML.replace("EXTRA", "directory: { poll: 5s }"));
        assertThat(store.refused()).startsWith("changing directory needs a restart");

        int port = LoopbackPorts.unused();
        Reload listed = reloadWith(DIRECTORY_BATON_YML.replace("EXTRA",
                "  - { name: second, address: 127.0.0.1, port: %d, tls: { mode: \"off\" } }".formatted(port)));
        assertThat(listed.ok()).as(listed.refused()).isTrue();
        try (SmtpTestClient c = SmtpTestClient.connect(port)) {
            c.greetAndEhlo();
            c.command("MAIL FROM:<someone@outside.test>").expect(250);
            assertThat(c.command("RCPT TO:<alice@example.test>").code()).as("the directory's accepted domain").isEqualTo(250);
        }
    }
}
