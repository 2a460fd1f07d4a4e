package dev.baton.auth.kerberos;

import dev.baton.auth.ClientExchange;
import dev.baton.auth.ClientMechanism;
import java.util.Map;
import javax.security.auth.Subject;
import javax.security.sasl.Sasl;
import javax.security.sasl.SaslClient;
import javax.security.sasl.SaslException;

/**
 * GSSAPI (RFC 4752) on the sending side: the JDK's SASL GSSAPI client run as this server's
 * initiator credentials, asking a ticket for {@code smtp/<peer-fqdn>} and requiring mutual
 * authentication (the peer proves it holds that principal's key). It takes no security layer.
 */
public final class GssapiClientMechanism implements ClientMechanism {

    private static final Map<String, String> PROPERTIES = Map.of(Sasl.QOP, "auth", Sasl.SERVER_AUTH, "true");

    private final InitiatorLogin login;

    public GssapiClientMechanism(InitiatorLogin login) {
        this.login = login;
    }

    @Override
    public String name() {
        return "GSSAPI";
    }

    @Override
    public ClientExchange start(String peerFqdn) throws KerberosException {
        Subject subject = login.subject();
        try {
            SaslClient client = Subjects.as(subject, () -> Sasl.createSaslClient(new String[] {"GSSAPI"}, null,
                    GssapiServerMechanism.SERVICE, peerFqdn, PROPERTIES, null));
            return new GssapiClientExchange(subject, client, peerFqdn, login.principal());
        } catch (Exception e) {
            throw KerberosErrors.classify(e, KerberosErrors.INITIALIZE, "starting GSSAPI to " + peerFqdn);
        }
    }

    private static final class GssapiClientExchange implements ClientExchange {

        private final Subject subject;
        private final SaslClient client;
        private final String peerFqdn;
        private final String self;

        GssapiClientExchange(Subject subject, SaslClient client, String peerFqdn, String self) {
            this.subject = subject;
            this.client = client;
            this.peerFqdn = peerFqdn;
            this.self = self;
        }

        @Override
        public byte[] initialResponse() throws KerberosException {
            return evaluate(new byte[0]); // the first token: the AP-REQ with a ticket for smtp/<peer>
        }

        @Override
        public byte[] evaluate(byte[] challenge) throws KerberosException {
            try {
                byte[] r = Subjects.as(subject, () -> client.evaluateChallenge(challenge));
                return r == null ? new byte[0] : r;
            } catch (Exception e) {
                throw KerberosErrors.classify(e, KerberosErrors.INITIALIZE, self + " authenticating to smtp/" + peerFqdn);
            }
        }

        @Override
        public boolean isComplete() {
            return client.isComplete();
        }

        @Override
        public String serverIdentity() {
            return client.isComplete() ? GssapiServerMechanism.SERVICE + "/" + peerFqdn : null;
        }

        @Override
        public void close() {
            try {
                client.dispose();
            } catch (SaslException ignored) {
                // nothing is left to free
            }
        }
    }
}
