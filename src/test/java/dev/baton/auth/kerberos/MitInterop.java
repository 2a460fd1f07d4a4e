package dev.baton.auth.kerberos;

import dev.baton.auth.AuthContext;
import dev.baton.auth.AuthFailure;
import dev.baton.auth.AuthenticationException;
import dev.baton.auth.ClientExchange;
import dev.baton.auth.Exchange;
import dev.baton.auth.Step;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * interop/krb5.sh's way into the Kerberos library against a real MIT KDC (not a surefire test:
 * the script starts the KDC and runs this with the test class path). One JVM, one krb5.conf
 * (ADR 0018), so each command takes the krb5.conf it runs with.
 * <pre>
 * MitInterop krb5conf FILE REALM KDC DOMAIN
 *     write Baton's krb5.conf (Krb5Conf.render) for REALM with its KDC host:port; the MIT tools use it too
 * MitInterop exchange KRB5CONF REALM INIT_KEYTAB INIT_FQDN ACCEPT_KEYTAB ACCEPT_FQDN TARGET_FQDN
 *     smtp/INIT_FQDN logs in from its keytab (InitiatorLogin) and runs GssapiClientMechanism to
 *     smtp/TARGET_FQDN; GssapiServerMechanism of ACCEPT_FQDN accepts with its keytab. Prints one line:
 *     "success client=PRINCIPAL server=smtp/FQDN steps=N" or
 *     "failure side=initiator|acceptor cause=CAUSE code=0x... name=SEC_E_... : detail [underlying]"
 * MitInterop renewal KRB5CONF REALM INIT_KEYTAB INIT_FQDN ACCEPT_KEYTAB ACCEPT_FQDN SECONDS
 *     as exchange (to ACCEPT_FQDN), after waiting at most SECONDS for InitiatorLogin to log in
 *     again on its own; the line starts "renewed logins=N lifetime=Ss" (or "not renewed ...")
 * MitInterop acceptor KRB5CONF REALM KEYTAB FQDN CONNECTIONS
 *     GssapiServerMechanism of FQDN on a loopback port, for a non-Java initiator: prints
 *     "listening PORT", then serves CONNECTIONS connections one after the other (each within 30 s)
 *     and exits. Per connection, like SMTP AUTH: the client sends base64 lines ("=" for empty), the
 *     server answers "334 BASE64" (a challenge), "235 IDENTITY" (success) or "535 CODE NAME detail".
 * MitInterop initiate KRB5CONF REALM KEYTAB FQDN TARGET_FQDN PORT
 *     smtp/FQDN logs in and runs GssapiClientMechanism to smtp/TARGET_FQDN with a non-Java acceptor
 *     on 127.0.0.1:PORT speaking that line protocol; prints "success server=smtp/TARGET reply=LINE"
 *     or "failure ...".
 * </pre>
 * Exit status 0 when the command ran (whatever the exchange's outcome), 2 on bad usage.
 */
public final class MitInterop {

    private static final Duration CONNECTION_DEADLINE = Duration.ofSeconds(30);
    private static final int MAX_STEPS = 10;
    private static final int MAX_LINE = 64 * 1024;

    private MitInterop() {
    }

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "" : args[0];
        switch (command) {
            case "krb5conf" -> {
                need(args, 5);
                new Krb5Conf(args[2], List.of(new Krb5Conf.Realm(args[2], List.of(args[3]), List.of(args[4]))))
                        .write(Path.of(args[1]));
            }
            case "exchange" -> {
                need(args, 8);
                Krb5Conf.useProcessWide(Path.of(args[1]));
                System.out.println(exchange(args[2], Path.of(args[3]), args[4], Path.of(args[5]), args[6], args[7]));
            }
            case "renewal" -> {
                need(args, 8);
                Krb5Conf.useProcessWide(Path.of(args[1]));
                System.out.println(renewal(args[2], Path.of(args[3]), args[4], Path.of(args[5]), args[6],
                        Duration.ofSeconds(Long.parseLong(args[7]))));
            }
            case "acceptor" -> {
                need(args, 6);
                Krb5Conf.useProcessWide(Path.of(args[1]));
                acceptor(new ServiceKeytab(Path.of(args[3]), args[2]), args[4], Integer.parseInt(args[5]));
            }
            case "initiate" -> {
                need(args, 7);
                Krb5Conf.useProcessWide(Path.of(args[1]));
                System.out.println(initiate(args[2], Path.of(args[3]), args[4], args[5], Integer.parseInt(args[6])));
            }
            default -> usage();
        }
    }

    private static void need(String[] args, int n) {
        if (args.length != n) {
            usage();
        }
    }

    private static void usage() {
        System.err.println("usage: MitInterop krb5conf FILE REALM KDC DOMAIN"
                + " | exchange KRB5CONF REALM INIT_KEYTAB INIT_FQDN ACCEPT_KEYTAB ACCEPT_FQDN TARGET_FQDN"
                + " | renewal KRB5CONF REALM INIT_KEYTAB INIT_FQDN ACCEPT_KEYTAB ACCEPT_FQDN SECONDS"
                + " | acceptor KRB5CONF REALM KEYTAB FQDN CONNECTIONS"
                + " | initiate KRB5CONF REALM KEYTAB FQDN TARGET_FQDN PORT");
        System.exit(2);
    }

    private static String exchange(String realm, Path initKeytab, String initFqdn, Path acceptKeytab, String acceptFqdn,
            String target) {
        try (InitiatorLogin login = InitiatorLogin.start(ServiceKeytab.servicePrincipal(initFqdn, realm), initKeytab)) {
            return exchange(login, new ServiceKeytab(acceptKeytab, realm), acceptFqdn, target);
        } catch (KerberosException e) {
            return failure("initiator", e.failure()) + " cause=" + e.kerberosCause();
        }
    }

    private static String renewal(String realm, Path initKeytab, String initFqdn, Path acceptKeytab, String acceptFqdn,
            Duration wait) throws InterruptedException {
        try (InitiatorLogin login = InitiatorLogin.start(ServiceKeytab.servicePrincipal(initFqdn, realm), initKeytab)) {
            Instant start = Instant.now();
            long lifetime = Duration.between(start, login.expires()).toSeconds();
            try {
                dev.baton.testing.Eventually.await("a second login from the keytab", wait, () -> login.logins() >= 2);
            } catch (AssertionError notRenewed) {
                // told below as "not renewed", which the script checks
            }
            String head = (login.logins() >= 2 ? "renewed" : "not renewed") + " logins=" + login.logins() + " lifetime="
                    + lifetime + "s after=" + Duration.between(start, Instant.now()).toMillis() + "ms";
            return head + " then " + exchange(login, new ServiceKeytab(acceptKeytab, realm), acceptFqdn, acceptFqdn);
        } catch (KerberosException e) {
            return failure("initiator", e.failure()) + " cause=" + e.kerberosCause();
        }
    }

    private static String exchange(InitiatorLogin login, ServiceKeytab acceptor, String acceptFqdn, String target) {
        GssapiServerMechanism mechanism = new GssapiServerMechanism(acceptor);
        try (ClientExchange client = new GssapiClientMechanism(login).start(target);
             Exchange server = mechanism.start(new AuthContext(InetAddress.getLoopbackAddress(), acceptFqdn, true, null))) {
            byte[] response = client.initialResponse();
            for (int steps = 1; steps <= MAX_STEPS; steps++) {
                Step step = server.evaluate(response);
                switch (step) {
                    case Step.Challenge c -> response = client.evaluate(c.data());
                    case Step.Success s -> {
                        return "success client=" + s.identity() + " server=" + client.serverIdentity() + " steps=" + steps
                                + " complete=" + client.isComplete();
                    }
                    case Step.Failure f -> {
                        return failure("acceptor", f.failure());
                    }
                }
            }
            return "failure side=acceptor cause=none: no end after " + MAX_STEPS + " steps";
        } catch (KerberosException e) {
            return failure("initiator", e.failure()) + " cause=" + e.kerberosCause();
        } catch (AuthenticationException e) {
            return failure("initiator", e.failure());
        }
    }

    private static String initiate(String realm, Path keytab, String fqdn, String target, int port) throws IOException {
        try (InitiatorLogin login = InitiatorLogin.start(ServiceKeytab.servicePrincipal(fqdn, realm), keytab);
             ClientExchange client = new GssapiClientMechanism(login).start(target);
             Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) CONNECTION_DEADLINE.toMillis());
            s.setSoTimeout((int) CONNECTION_DEADLINE.toMillis());
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            Writer out = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.US_ASCII);
            byte[] response = client.initialResponse();
            for (int steps = 1; steps <= MAX_STEPS; steps++) {
                reply(out, response.length == 0 ? "=" : Base64.getEncoder().encodeToString(response));
                String line = in.readLine();
                if (line == null) {
                    return "failure side=acceptor : the acceptor closed the connection";
                }
                if (!line.startsWith("334 ")) {
                    return (line.startsWith("235 ") && client.isComplete() ? "success" : "failure side=acceptor")
                            + " server=" + client.serverIdentity() + " steps=" + steps + " reply=" + line;
                }
                response = client.evaluate(Base64.getDecoder().decode(line.substring(4).strip()));
            }
            return "failure side=initiator : no end after " + MAX_STEPS + " steps";
        } catch (KerberosException e) {
            return failure("initiator", e.failure()) + " cause=" + e.kerberosCause();
        } catch (AuthenticationException e) {
            return failure("initiator", e.failure());
        }
    }

    private static String failure(String side, AuthFailure f) {
        AuthFailure.SecurityError s = f.security();
        if (s == null) {
            return "failure side=" + side + " kind=" + f.kind() + " : " + f.detail();
        }
        return "failure side=" + side + " kind=" + f.kind() + " code=" + s.code() + " name=" + s.name() + " operation="
                + s.operation() + " : " + f.detail() + " [" + s.underlying() + "]";
    }

    private static void acceptor(ServiceKeytab keytab, String fqdn, int connections) throws IOException {
        GssapiServerMechanism mechanism = new GssapiServerMechanism(keytab);
        try (ServerSocket listener = new ServerSocket()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            listener.setSoTimeout((int) CONNECTION_DEADLINE.toMillis() * 2);
            System.out.println("listening " + listener.getLocalPort());
            System.out.flush();
            for (int i = 0; i < connections; i++) {
                try (Socket s = listener.accept()) {
                    System.out.println("connection " + (i + 1) + ": " + serve(mechanism, fqdn, s));
                    System.out.flush();
                }
            }
        }
    }

    /** One SASL exchange on one connection, as AUTH GSSAPI runs it; its outcome for the log. */
    private static String serve(GssapiServerMechanism mechanism, String fqdn, Socket s) throws IOException {
        Instant deadline = Instant.now().plus(CONNECTION_DEADLINE);
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        Writer out = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.US_ASCII);
        try (Exchange exchange = mechanism.start(new AuthContext(s.getInetAddress(), fqdn, true, null))) {
            for (int steps = 0; steps < MAX_STEPS; steps++) {
                long left = Duration.between(Instant.now(), deadline).toMillis();
                if (left <= 0) {
                    return "deadline passed";
                }
                s.setSoTimeout((int) left);
                String line = in.readLine();
                if (line == null) {
                    return "client closed the connection";
                }
                if (line.length() > MAX_LINE) {
                    reply(out, "501 line too long");
                    return "line too long";
                }
                byte[] response;
                try {
                    response = line.equals("=") ? new byte[0] : Base64.getDecoder().decode(line.strip());
                } catch (IllegalArgumentException e) {
                    reply(out, "501 not base64");
                    return "not base64";
                }
                Step step = exchange.evaluate(response);
                switch (step) {
                    case Step.Challenge c -> reply(out, "334 " + Base64.getEncoder().encodeToString(c.data()));
                    case Step.Success ok -> {
                        reply(out, "235 " + ok.identity());
                        return "success client=" + ok.identity();
                    }
                    case Step.Failure f -> {
                        AuthFailure.SecurityError e = f.failure().security();
                        String code = e == null ? f.failure().kind().toString() : e.code() + " " + e.name();
                        reply(out, "535 " + code + " " + f.failure().detail().replace('\n', ' '));
                        return failure("acceptor", f.failure());
                    }
                }
            }
            reply(out, "501 too many steps");
            return "too many steps";
        }
    }

    private static void reply(Writer out, String line) throws IOException {
        out.write(line + "\r\n");
        out.flush();
    }
}
