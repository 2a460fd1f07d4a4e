package dev.baton.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.events.Category;
import dev.baton.events.DiagnosticLevel;
import dev.baton.events.EventFiles;
import dev.baton.events.EventLog;
import dev.baton.events.LoggedEvent;
import dev.baton.org.Passwords;
import dev.baton.org.ScramCredential;
import dev.baton.testing.ScramClient;
import dev.baton.queue.QueuedMessage;
import dev.baton.testing.Eventually;
import dev.baton.testing.SmtpTestClient;
import dev.baton.testing.SmtpTestClient.Reply;
import dev.baton.testing.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.sasl.Sasl;
import javax.security.sasl.SaslClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * AUTH (RFC 4954) against the directory's users over real sockets and real TLS: the mechanisms
 * with good and bad credentials, what EHLO offers before and after STARTTLS, the dialogue's
 * edges (cancel, base64, sequence), and 530 where authentication is required.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AuthenticationTest {

    static final String ALICE_PASSWORD = "correct horse battery staple";
    /** One hash for the whole class: Argon2id is slow on purpose. */
    static final String ALICE_HASH = Passwords.hash(ALICE_PASSWORD.toCharArray());
    static final String ALICE_SCRAM = ScramCredential.create(ALICE_PASSWORD.toCharArray()).encode();

    static String organization() {
        return """
                organization: { name: Example, acceptedDomains: [example.test] }
                servers:
                  - { name: mx, fqdn: mx.example.test, virtualServers: [default] }
                users:
                  - { name: alice, home: mx, addresses: [alice@example.test, a.smith@example.test], password: "%s",
                      scram: "%s" }
                  - { name: bob, home: mx, addresses: [bob@example.test] }
                  - { name: dave, home: mx, addresses: [dave@example.test], password: "%s" }
                  - { name: carol, home: mx, addresses: [carol@example.test], password: "%s" }
                rights:
                  - { allow: accept-authoritative-domain, to: "group:everyone", on: organization }
                  - { allow: submit, to: "group:authenticated-users", on: organization }
                  - { allow: relay, to: "group:authenticated-users", on: organization }
                  - { deny: submit, to: "user:dave", on: server:mx/default }
                  - { allow: accept-any-sender, to: "user:carol", on: organization }
                """.formatted(ALICE_HASH, ALICE_SCRAM, ALICE_HASH, ALICE_HASH);
    }

    @RegisterExtension
    final TestServer server = new TestServer().organization(organization()).holdDelivery()
            .route("elsewhere.test", "smtp, host: \"[127.0.0.1]\", port: 9, tls: none");

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String plain(String user, String password) {
        return b64("\0" + user + "\0" + password);
    }

    /** Connected, STARTTLS done, EHLO again inside TLS; returns the EHLO reply inside TLS. */
    private Reply tls(SmtpTestClient c) throws IOException {
        c.greetAndEhlo();
        c.command("STARTTLS").expect(220);
        c.startTls();
        return c.command("EHLO client.example.test").expect(250);
    }

    @Test
    void plainFromTheJdkSaslClientAuthenticatesADirectoryUserInsideTlsAndTheMessageSaysSo() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        Reply before = c.greetAndEhlo();
        assertThat(before.lines()).noneMatch(l -> l.startsWith("AUTH"));
        c.command("STARTTLS").expect(220);
        c.startTls();
        Reply ehlo = c.command("EHLO client.example.test").expect(250);
        assertThat(ehlo.lines()).contains("AUTH SCRAM-SHA-256 PLAIN LOGIN");

        SaslClient sasl = Sasl.createSaslClient(new String[] {"PLAIN"}, null, "smtp", "mx.example.test", Map.of(), callbacks -> {
            for (var cb : callbacks) {
                if (cb instanceof NameCallback n) {
                    n.setName("alice");
                } else if (cb instanceof PasswordCallback p) {
                    p.setPassword(ALICE_PASSWORD.toCharArray());
                }
            }
        });
        assertThat(sasl.hasInitialResponse()).isTrue();
        String initial = Base64.getEncoder().encodeToString(sasl.evaluateChallenge(new byte[0]));
        Reply ok = c.command("AUTH PLAIN " + initial);
        assertThat(ok.status()).isEqualTo("235 2.7.0");
        assertThat(sasl.isComplete()).isTrue();

        // relaying is the right of authenticated users; the envelope and Received name the user
        c.transaction("alice@example.test", "carol@elsewhere.test");
        String id = c.data("Subject: submitted\r\n\r\nhello\r\n").expect(250).queuedId();
        QueuedMessage m = server.queued().stream().filter(q -> q.id().equals(id)).findFirst().orElseThrow();
        assertThat(m.envelope().authenticated()).isEqualTo("alice");
        assertThat(server.content(m)).contains("with ESMTPSA id " + id);
    }

    /**
     * ADR 0022: NTLM would need each user's NT hash (a password equivalent) or the password
     * itself, and Baton stores neither; the JDK's NTLM server is on the class path, and must
     * not be reachable. A Type 1 message (MS-NLMP 2.2.1.1) as the initial response changes
     * nothing, and the session goes on.
     */
    @Test
    void ntlmIsNeitherOfferedNorAcceptedThoughIntegratedAuthenticationIsOn() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        Reply ehlo = tls(c);
        assertThat(ehlo.lines()).filteredOn(l -> l.startsWith("AUTH")).singleElement().asString().doesNotContain("NTLM");
        assertThat(c.command("AUTH NTLM").status()).isEqualTo("504 5.5.4");
        assertThat(c.command("AUTH NTLM TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAAGAbEdAAAADw==").status()).isEqualTo("504 5.5.4");
        assertThat(c.command("AUTH PLAIN " + plain("alice", ALICE_PASSWORD)).status()).isEqualTo("235 2.7.0");
    }

    @Test
    void plainWithAWrongPasswordAndPlainForAnUnknownUserGetTheSame535() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        tls(c);
        assertThat(c.command("AUTH PLAIN " + plain("alice", "wrong")).status()).isEqualTo("535 5.7.8");
        assertThat(c.command("AUTH PLAIN " + plain("mallory", "wrong")).status()).isEqualTo("535 5.7.8");
        // bob exists but has no password: the same answer again
        SmtpTestClient d = server.connect();
        tls(d);
        assertThat(d.command("AUTH PLAIN " + plain("bob", "")).status()).isEqualTo("535 5.7.8");
        // and the relay stays closed to the session that failed
        c.command("MAIL FROM:<x@origin.test>").expect(250);
        assertThat(c.command("RCPT TO:<carol@elsewhere.test>").status()).isEqualTo("550 5.7.1");
    }

    @Test
    void plainWithoutAnInitialResponseGetsAnEmptyChallengeAndAnAddressIsAsGoodAsTheName() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        tls(c);
        Reply challenge = c.command("AUTH PLAIN");
        assertThat(challenge.code()).isEqualTo(334);
        assertThat(challenge.lines()).containsExactly("");
        assertThat(c.command(plain("A.Smith@example.test", ALICE_PASSWORD)).status()).isEqualTo("235 2.7.0");
    }

    @Test
    void loginAsksForTheUserNameAndThePasswordInBase64() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        tls(c);
        Reply user = c.command("AUTH LOGIN");
        assertThat(user.code()).isEqualTo(334);
        assertThat(new String(Base64.getDecoder().decode(user.lines().get(0)), StandardCharsets.US_ASCII)).isEqualTo("Username:");
        Reply pass = c.command(b64("alice"));
        assertThat(pass.code()).isEqualTo(334);
        assertThat(new String(Base64.getDecoder().decode(pass.lines().get(0)), StandardCharsets.US_ASCII)).isEqualTo("Password:");
        assertThat(c.command(b64(ALICE_PASSWORD)).status()).isEqualTo("235 2.7.0");

        SmtpTestClient d = server.connect();
        tls(d);
        assertThat(d.command("AUTH LOGIN " + b64("alice")).code()).isEqualTo(334); // the initial response is the user name
        assertThat(d.command(b64("not it")).status()).isEqualTo("535 5.7.8");
    }

    /** The SCRAM-SHA-256 exchange of RFC 5802 with a client written from the RFC; returns the reply to the last line. */
    private static Reply scram(SmtpTestClient c, ScramClient client) throws Exception {
        Reply first = c.command("AUTH SCRAM-SHA-256 " + b64(client.first()));
        if (first.code() != 334) {
            return first;
        }
        String serverFirst = new String(Base64.getDecoder().decode(first.lines().get(0)), StandardCharsets.UTF_8);
        Reply last = c.command(b64(client.last(serverFirst)));
        if (last.code() != 334) {
            return last;
        }
        String serverFinal = new String(Base64.getDecoder().decode(last.lines().get(0)), StandardCharsets.UTF_8);
        assertThat(client.verifies(serverFinal)).as("the server proved it knows alice's ServerKey").isTrue();
        return c.command("");
    }

    @Test
    void scramSha256AuthenticatesWithTheStoredCredentialAndTheServerProvesItKnowsIt() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        tls(c);
        assertThat(scram(c, new ScramClient("alice", ALICE_PASSWORD, "fyko+d2lbbFgONRv9qkxdawL")).status()).isEqualTo("235 2.7.0");
        c.transaction("alice@example.test", "carol@elsewhere.test");
    }

    @Test
    void scramWithAWrongPasswordOrWithoutAStoredCredentialIs535() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        tls(c);
        assertThat(scram(c, new ScramClient("alice", "wrong", "abcdefgh")).status()).isEqualTo("535 5.7.8");
        assertThat(scram(c, new ScramClient("mallory", "wrong", "abcdefgh")).status()).isEqualTo("535 5.7.8");
        SmtpTestClient d = server.connect();
        tls(d);
        // dave's password was set before SCRAM: only the Argon2id hash is stored, so PLAIN works and SCRAM cannot
        assertThat(scram(d, new ScramClient("dave", ALICE_PASSWORD, "abcdefgh")).status()).isEqualTo("535 5.7.8");
        assertThat(d.command("AUTH PLAIN " + plain("dave", ALICE_PASSWORD)).status()).isEqualTo("235 2.7.0");
    }

    @Test
    void anAuthenticatedUserSendsOnlyAsTheirOwnAddressesAndOnlyWithTheSubmitRight() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        tls(c);
        c.command("AUTH PLAIN " + plain("alice", ALICE_PASSWORD)).expect(235);
        assertThat(c.command("MAIL FROM:<bob@example.test>").status()).as("someone else's address").isEqualTo("553 5.7.1");
        assertThat(c.command("MAIL FROM:<ceo@elsewhere.test>").status()).isEqualTo("553 5.7.1");
        c.command("MAIL FROM:<A.Smith@example.test>").expect(250); // an alias of hers, in any case
        c.command("RSET").expect(250);
        c.command("MAIL FROM:<>").expect(250); // the null sender: reports and auto-replies

        SmtpTestClient d = server.connect();
        tls(d);
        d.command("AUTH PLAIN " + plain("dave", ALICE_PASSWORD)).expect(235);
        Reply denied = d.command("MAIL FROM:<dave@example.test>");
        assertThat(denied.status()).as("dave is denied submit here").isEqualTo("550 5.7.1");
        assertThat(denied.text()).doesNotContain("deny", "dave");

        SmtpTestClient e = server.connect();
        tls(e);
        e.command("AUTH PLAIN " + plain("carol", ALICE_PASSWORD)).expect(235);
        e.command("MAIL FROM:<newsletter@example.test>").expect(250); // accept-any-sender
    }

    @Test
    void basicMechanismsAreNeitherOfferedNorAcceptedBeforeTls() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        Reply ehlo = c.greetAndEhlo();
        assertThat(ehlo.lines()).noneMatch(l -> l.startsWith("AUTH"));
        assertThat(c.command("AUTH PLAIN " + plain("alice", ALICE_PASSWORD)).status()).isEqualTo("538 5.7.11");
        assertThat(c.command("AUTH LOGIN").status()).isEqualTo("538 5.7.11");
        c.command("MAIL FROM:<alice@example.test>").expect(250);
        assertThat(c.command("RCPT TO:<carol@elsewhere.test>").status()).isEqualTo("550 5.7.1");
    }

    @Test
    void basicWithoutTlsIsOfferedAndAcceptedInPlaintextWhenConfigured() throws Exception {
        server.vs("authentication: { basicWithoutTls: true }").start();
        SmtpTestClient c = server.connect();
        assertThat(c.greetAndEhlo().lines()).contains("AUTH SCRAM-SHA-256 PLAIN LOGIN");
        assertThat(c.command("AUTH PLAIN " + plain("alice", ALICE_PASSWORD)).status()).isEqualTo("235 2.7.0");
    }

    @Test
    void aVirtualServerWithBasicSwitchedOffOffersNoAuthAndAnswers502() throws Exception {
        server.vs("authentication: { basic: false }").start();
        SmtpTestClient c = server.connect();
        Reply ehlo = tls(c);
        assertThat(ehlo.lines()).noneMatch(l -> l.startsWith("AUTH"));
        assertThat(c.command("AUTH PLAIN " + plain("alice", ALICE_PASSWORD)).status()).isEqualTo("502 5.5.1");
    }

    @Test
    void theDialoguesEdgesGetTheRepliesOfRfc4954() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        c.read();
        assertThat(c.command("AUTH PLAIN").status()).as("before EHLO").isEqualTo("503");
        c.command("HELO client.example.test").expect(250);
        assertThat(c.command("AUTH PLAIN").code()).as("after HELO, not EHLO").isEqualTo(503);
        tlsAgain(c);
        assertThat(c.command("AUTH").status()).isEqualTo("501 5.5.4");
        assertThat(c.command("AUTH CRAM-MD5").status()).isEqualTo("504 5.5.4");
        assertThat(c.command("AUTH PLAIN").code()).isEqualTo(334);
        assertThat(c.command("*").status()).as("cancelled").isEqualTo("501 5.0.0");
        assertThat(c.command("AUTH PLAIN").code()).isEqualTo(334);
        assertThat(c.command("not base64!").status()).isEqualTo("501 5.5.2");
        assertThat(c.command("AUTH PLAIN @@@").status()).isEqualTo("501 5.5.2");
        c.command("MAIL FROM:<x@origin.test>").expect(250);
        assertThat(c.command("AUTH PLAIN " + plain("alice", ALICE_PASSWORD)).status()).as("in a transaction").isEqualTo("503 5.5.1");
        c.command("RSET").expect(250);
        assertThat(c.command("AUTH PLAIN " + plain("alice", ALICE_PASSWORD)).status()).isEqualTo("235 2.7.0");
        assertThat(c.command("AUTH PLAIN " + plain("alice", ALICE_PASSWORD)).status()).as("twice").isEqualTo("503 5.5.1");
    }

    private static void tlsAgain(SmtpTestClient c) throws IOException {
        c.command("EHLO client.example.test").expect(250);
        c.command("STARTTLS").expect(220);
        c.startTls();
        c.command("EHLO client.example.test").expect(250);
    }

    /** RFC 4954 4 lets a response be 12288 octets (a Kerberos ticket is longer than 512); one longer is refused. */
    @Test
    void aContinuationLineOverTheLimitIs500AndEndsTheAttempt() throws Exception {
        server.start();
        SmtpTestClient c = server.connect();
        tls(c);
        assertThat(c.command("AUTH PLAIN").code()).isEqualTo(334);
        assertThat(c.command("A".repeat(13_000)).status()).isEqualTo("500 5.5.6");
        assertThat(c.command("NOOP").code()).isEqualTo(250);
    }

    @Test
    void afterStarttlsTheSessionIsAnonymousAgain() throws Exception {
        server.vs("authentication: { basicWithoutTls: true }").start();
        SmtpTestClient c = server.connect();
        c.greetAndEhlo();
        c.command("AUTH PLAIN " + plain("alice", ALICE_PASSWORD)).expect(235);
        c.command("STARTTLS").expect(220);
        c.startTls();
        c.command("EHLO client.example.test").expect(250);
        c.command("MAIL FROM:<alice@example.test>").expect(250);
        assertThat(c.command("RCPT TO:<carol@elsewhere.test>").status()).isEqualTo("550 5.7.1");
    }

    @Test
    void whereAuthenticationIsRequiredMailBeforeAuthIs530AndEvent1709() throws Exception {
        server.vs("authentication: { anonymous: false }").start();
        server.node().events().setLevel(Category.AUTHENTICATION, "default", DiagnosticLevel.MEDIUM);
        SmtpTestClient c = server.connect();
        tls(c);
        assertThat(c.command("MAIL FROM:<alice@example.test>").status()).isEqualTo("530 5.7.0");
        LoggedEvent e = await(server.dataDir(), 1709);
        assertThat(e.text()).isEqualTo("The client at \"127.0.0.1\" sent mail on virtual server ID 1, connection #" + e.connection()
                + ", without authenticating where authentication is required; access denied.");
        c.command("AUTH PLAIN " + plain("alice", ALICE_PASSWORD)).expect(235);
        c.command("MAIL FROM:<alice@example.test>").expect(250);
        c.command("RCPT TO:<bob@example.test>").expect(250);
    }

    @Test
    void whereTlsAndAuthenticationAreRequiredMailBeforeStarttlsSaysStarttlsFirst() throws Exception {
        server.vs("tls: { mode: required }\nauthentication: { anonymous: false }").start();
        SmtpTestClient c = server.connect();
        c.greetAndEhlo();
        assertThat(c.command("MAIL FROM:<alice@example.test>").lines().get(0)).isEqualTo("5.7.0 Must issue a STARTTLS command first");
    }

    @Test
    void aFailedAttemptIsWrittenAs4401WithTheReasonTheClientNeverSees() throws Exception {
        server.start();
        server.node().events().setLevel(Category.AUTHENTICATION, "default", DiagnosticLevel.MEDIUM);
        SmtpTestClient c = server.connect();
        tls(c);
        Reply r = c.command("AUTH PLAIN " + plain("mallory", "guess"));
        assertThat(r.lines().get(0)).isEqualTo("5.7.8 Authentication credentials invalid");
        LoggedEvent e = await(server.dataDir(), 4401);
        assertThat(e.text()).contains("AUTH PLAIN", "\"127.0.0.1\"", "PLAIN for \"mallory\": unknown user or wrong password");
    }

    static List<LoggedEvent> events(Path dataDir) {
        List<LoggedEvent> all = new ArrayList<>();
        try {
            new EventFiles(dataDir.resolve(EventLog.DIRECTORY)).read(all::add, bad -> {
                throw new AssertionError(bad);
            });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return all;
    }

    static LoggedEvent await(Path dataDir, int id) {
        return Eventually.awaitValue("event " + id + " in the event log", Eventually.PATIENCE,
                () -> events(dataDir).stream().filter(e -> e.id() == id).findFirst());
    }
}
