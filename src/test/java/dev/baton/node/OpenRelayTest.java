package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.org.Passwords;
import dev.baton.queue.QueuedMessage;
import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.SmtpTestClient.Reply;
import dev.baton.testing.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sixteen MAIL FROM / RCPT TO pairs of nmap's smtp-open-relay script (its defaults: from
 * "antispam", to "relaytest", domain nmap.scanme.org; the server's name as its greeting gives it;
 * the server's address as a literal), against a node whose client is outside relayNetworks and
 * which has a route for every domain, so a refusal is the relay decision and never a missing
 * route. Anonymous: no pair gets a 250 for its recipient. A user with the relay right, after AUTH
 * PLAIN inside TLS: every well-formed pair is accepted and queued. A user without it: refused.
 * The pairs that are not addresses at all (a quoted local part without a domain, two unquoted @,
 * a bang path without a domain) get 501 5.1.3 from everyone: syntax is not a right.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OpenRelayTest {

    static final String PASSWORD = "relay test password";
    static final String HASH = Passwords.hash(PASSWORD.toCharArray());

    private static final String DOMAIN = "nmap.scanme.org";
    private static final String SERVER = "mx.example.test"; // what the script reads from the greeting
    private static final String IP = "127.0.0.1";

    /** One pair of the script; {@code wellFormed} false: the recipient is not an address (RFC 5321 4.1.2). */
    record Pair(String from, String to, boolean wellFormed) {
        @Override
        public String toString() {
            return "MAIL FROM:<" + from + "> RCPT TO:<" + to + ">";
        }
    }

    /** smtp-open-relay.nse's tests table, in its order. */
    static Stream<Pair> nmapPairs() {
        String from = "antispam";
        String to = "relaytest";
        String literal = "[" + IP + "]";
        return Stream.of(
                new Pair("", to + "@" + DOMAIN, true),
                new Pair(from + "@" + DOMAIN, to + "@" + DOMAIN, true),
                new Pair(from + "@" + SERVER, to + "@" + DOMAIN, true),
                new Pair(from + "@" + literal, to + "@" + DOMAIN, true),
                new Pair(from + "@" + literal, to + "%" + DOMAIN + "@" + literal, true),
                new Pair(from + "@" + literal, to + "%" + DOMAIN + "@" + SERVER, true),
                new Pair(from + "@" + literal, "\"" + to + "@" + DOMAIN + "\"", false),
                new Pair(from + "@" + literal, "\"" + to + "%" + DOMAIN + "\"", false),
                new Pair(from + "@" + literal, to + "@" + DOMAIN + "@" + literal, false),
                new Pair(from + "@" + literal, "\"" + to + "@" + DOMAIN + "\"@" + literal, true),
                new Pair(from + "@" + literal, to + "@" + DOMAIN + "@" + SERVER, false),
                new Pair(from + "@" + literal, "@" + literal + ":" + to + "@" + DOMAIN, true),
                new Pair(from + "@" + literal, "@" + SERVER + ":" + to + "@" + DOMAIN, true),
                new Pair(from + "@" + literal, DOMAIN + "!" + to, false),
                new Pair(from + "@" + literal, DOMAIN + "!" + to + "@" + literal, true),
                new Pair(from + "@" + literal, DOMAIN + "!" + to + "@" + SERVER, true));
    }

    static String organization() {
        // both users may send as anyone (the script's senders are nobody's); only relayer may relay
        return """
                organization: { name: Example, acceptedDomains: [example.test] }
                servers:
                  - { name: mx, fqdn: mx.example.test, virtualServers: [default] }
                users:
                  - { name: relayer, home: mx, addresses: [relayer@example.test], password: "%1$s" }
                  - { name: nora, home: mx, addresses: [nora@example.test], password: "%1$s" }
                rights:
                  - { allow: accept-authoritative-domain, to: "group:everyone", on: organization }
                  - { allow: submit, to: "group:authenticated-users", on: organization }
                  - { allow: accept-any-sender, to: "group:authenticated-users", on: organization }
                  - { allow: relay, to: "user:relayer", on: organization }
                """.formatted(HASH);
    }

    @RegisterExtension
    final TestServer server = new TestServer().organization(organization()).holdDelivery()
            .vs("relayNetworks: [192.0.2.0/24]") // the loopback client is outside
            .route("\"*\"", "smtp, host: \"[127.0.0.1]\", port: 9, tls: none");

    @ParameterizedTest(name = "{0}")
    @MethodSource("nmapPairs")
    void anAnonymousClientOutsideTheRelayNetworksGetsNo250ForTheRecipient(Pair pair) throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        c.greetAndEhlo(DOMAIN); // the script's EHLO
        Reply mail = c.command("MAIL FROM:<" + pair.from() + ">");
        if (mail.code() != 250) {
            return; // refused at MAIL: nothing relayed either
        }
        Reply rcpt = c.command("RCPT TO:<" + pair.to() + ">");
        assertThat(rcpt.status()).isEqualTo(pair.wellFormed() ? "550 5.7.1" : "501 5.1.3");
        assertThat(c.command("DATA").code()).isEqualTo(554); // no valid recipients
        assertThat(server.queued()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nmapPairs")
    void aUserWithTheRelayRightAuthenticatedInsideTlsHasEachWellFormedPairAccepted(Pair pair) throws Exception {
        server.start();
        SmtpTestClient c = authenticated("relayer");
        c.command("MAIL FROM:<" + pair.from() + ">").expect(250);
        Reply rcpt = c.command("RCPT TO:<" + pair.to() + ">");
        if (!pair.wellFormed()) {
            assertThat(rcpt.status()).isEqualTo("501 5.1.3");
            return;
        }
        assertThat(rcpt.status()).isEqualTo("250 2.1.5");
        String id = c.data("Subject: relay test\r\n\r\nrelayed\r\n").expect(250).queuedId();
        QueuedMessage m = server.queued().stream().filter(q -> q.id().equals(id)).findFirst().orElseThrow();
        assertThat(m.envelope().authenticated()).isEqualTo("relayer");
        assertThat(m.envelope().recipients()).extracting(r -> r.address()).containsExactly(withoutSourceRoute(pair.to()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nmapPairs")
    void aUserWithoutTheRelayRightIsRefusedEachPairThoughAuthenticated(Pair pair) throws Exception {
        server.start();
        SmtpTestClient c = authenticated("nora");
        c.command("MAIL FROM:<" + pair.from() + ">").expect(250);
        Reply rcpt = c.command("RCPT TO:<" + pair.to() + ">");
        assertThat(rcpt.status()).isEqualTo(pair.wellFormed() ? "550 5.7.1" : "501 5.1.3");
        assertThat(server.queued()).isEmpty();
    }

    /** A session that did STARTTLS, EHLO again and AUTH PLAIN as the user. */
    private SmtpTestClient authenticated(String user) throws IOException {
        SmtpTestClient c = server.connect();
        c.greetAndEhlo(DOMAIN);
        c.command("STARTTLS").expect(220);
        c.startTls();
        c.command("EHLO " + DOMAIN).expect(250);
        String plain = Base64.getEncoder().encodeToString(("\0" + user + "\0" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        assertThat(c.command("AUTH PLAIN " + plain).status()).isEqualTo("235 2.7.0");
        return c;
    }

    /** The source route of RFC 5321 4.1.2 is accepted and ignored: the recipient is what follows it. */
    private static String withoutSourceRoute(String to) {
        return to.startsWith("@") ? to.substring(to.indexOf(':') + 1) : to;
    }

}
