package dev.baton.auth.kerberos;

import dev.baton.auth.AuthContext;
import dev.baton.auth.AuthFailure;
import dev.baton.auth.Exchange;
import dev.baton.auth.ServerMechanism;
import dev.baton.auth.Step;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.security.auth.Subject;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.sasl.AuthorizeCallback;
import javax.security.sasl.Sasl;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;

/**
 * GSSAPI (RFC 4752) on the server side: the JDK's SASL GSSAPI server run as this server's acceptor
 * Subject ({@code smtp/<fqdn>} from its {@link ServiceKeytab}). The exchange ends with the security
 * layer negotiation, where only "no security layer" is offered: the session is inside TLS, and
 * the mechanism authenticates. Success names the client's Kerberos principal.
 */
public final class GssapiServerMechanism implements ServerMechanism {

    /** The service name of SMTP in Kerberos (RFC 4954 4: "smtp"). */
    public static final String SERVICE = "smtp";

    private static final Map<String, String> PROPERTIES = Map.of(Sasl.QOP, "auth");

    private final ServiceKeytab keytab;

    public GssapiServerMechanism(ServiceKeytab keytab) {
        this.keytab = keytab;
    }

    @Override
    public String name() {
        return "GSSAPI";
    }

    @Override
    public Family family() {
        return Family.INTEGRATED;
    }

    @Override
    public boolean exposesPassword() {
        return false;
    }

    @Override
    public Exchange start(AuthContext context) {
        return new GssapiExchange(keytab, context.serverFqdn());
    }

    private static final class GssapiExchange implements Exchange {

        private final ServiceKeytab keytab;
        private final String fqdn;
        private Subject subject;
        private SaslServer server;
        private byte[] firstToken;
        private String client;
        private String refusedAuthorization;
        private boolean done;

        GssapiExchange(ServiceKeytab keytab, String fqdn) {
            this.keytab = keytab;
            this.fqdn = fqdn;
        }

        @Override
        public Step evaluate(byte[] response) {
            if (done) {
                throw new IllegalStateException("the GSSAPI exchange is over");
            }
            if (server == null) {
                try {
                    subject = keytab.acceptor(fqdn);
                    server = Subjects.as(subject, () -> Sasl.createSaslServer("GSSAPI", SERVICE, fqdn, PROPERTIES,
                            this::handle));
                } catch (KerberosException e) {
                    return fail(e.failure());
                } catch (Exception e) {
                    return fail(KerberosErrors.classify(e, KerberosErrors.ACQUIRE,
                            "cannot take up the credentials of " + keytab.principalFor(fqdn) + " from " + keytab.keytab())
                            .failure());
                }
                if (response == null) {
                    return new Step.Challenge(new byte[0]); // the client starts: ask for its token
                }
            }
            byte[] token = response == null ? new byte[0] : response;
            if (firstToken == null) {
                firstToken = token;
            }
            try {
                byte[] challenge = Subjects.as(subject, () -> server.evaluateResponse(token));
                if (!server.isComplete()) {
                    return new Step.Challenge(challenge == null ? new byte[0] : challenge);
                }
                done = true;
                return new Step.Success(client, null, null);
            } catch (Exception e) {
                if (refusedAuthorization != null) {
                    return fail(AuthFailure.of(AuthFailure.Kind.INVALID_CREDENTIALS, client
                            + " asked to act as " + refusedAuthorization + ", which GSSAPI here does not allow"));
                }
                return fail(diagnose(e).failure());
            }
        }

        /** The JDK's error, made precise by what the client's ticket says it is for. */
        private KerberosException diagnose(Exception e) {
            String principal = keytab.principalFor(fqdn);
            Optional<TicketOfToken> ticket = TicketOfToken.read(firstToken);
            if (ticket.isPresent() && !ticket.get().principal().equalsIgnoreCase(principal)) {
                KerberosCause c = KerberosCause.WRONG_PRINCIPAL;
                return new KerberosException(c, c.failure(KerberosErrors.ACCEPT, "the client's ticket is for "
                        + ticket.get().principal() + ", this virtual server is " + fqdn + " (" + principal + ")",
                        KerberosErrors.underlying(e)), e);
            }
            if (ticket.isPresent()) {
                Set<Integer> held = keytab.keyVersions(fqdn);
                int kvno = ticket.get().keyVersion();
                if (!held.isEmpty() && !held.contains(kvno)) {
                    KerberosCause c = KerberosCause.STALE_KEY;
                    return new KerberosException(c, c.failure(KerberosErrors.ACCEPT, "the client's ticket for "
                            + principal + " is under key version " + kvno + ", the keytab " + keytab.keytab()
                            + " holds version " + held + " (export the principal's current keys)",
                            KerberosErrors.underlying(e)), e);
                }
            }
            return KerberosErrors.classify(e, KerberosErrors.ACCEPT, "accepting a client's ticket for " + principal);
        }

        private Step fail(AuthFailure failure) {
            done = true;
            return new Step.Failure(failure);
        }

        private void handle(Callback[] callbacks) throws UnsupportedCallbackException {
            for (Callback cb : callbacks) {
                if (cb instanceof AuthorizeCallback ac) {
                    client = ac.getAuthenticationID();
                    String wanted = ac.getAuthorizationID();
                    boolean self = wanted == null || wanted.isEmpty() || wanted.equals(client);
                    ac.setAuthorized(self);
                    if (self) {
                        ac.setAuthorizedID(client);
                    } else {
                        refusedAuthorization = wanted;
                    }
                } else {
                    throw new UnsupportedCallbackException(cb);
                }
            }
        }

        @Override
        public void close() {
            if (server != null) {
                try {
                    server.dispose();
                } catch (SaslException ignored) {
                    // nothing is left to free
                }
            }
        }
    }
}
