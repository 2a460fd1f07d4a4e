package dev.baton.auth;

/**
 * One SASL mechanism on the server side (RFC 4422), as AUTH (RFC 4954) and X-EXPS run it: a
 * name for EHLO, a family the virtual server switches on or off as a whole, and a new
 * {@link Exchange} per attempt. Implementations are shared by every session; the state of one
 * attempt lives in its exchange.
 */
public interface ServerMechanism {

    /** The IANA name, upper case: PLAIN, LOGIN, SCRAM-SHA-256, SCRAM-SHA-256-PLUS, GSSAPI, NTLM. */
    String name();

    /** Which switch of the virtual server enables it. */
    Family family();

    /**
     * True when the client sends the password itself (PLAIN, LOGIN): never advertised nor accepted
     * before TLS unless the configuration allows it.
     */
    boolean exposesPassword();

    /**
     * Whether the mechanism can run in this session at all: SCRAM-SHA-256-PLUS needs a channel
     * binding, GSSAPI a keytab. One that cannot is neither advertised nor accepted.
     */
    default boolean available(AuthContext context) {
        return true;
    }

    /** Begins one attempt in the given session. */
    Exchange start(AuthContext context);

    /** The administrator's check boxes: basic (a password) or integrated (Kerberos; NTLM is not offered, ADR 0022). */
    enum Family { BASIC, INTEGRATED }
}
