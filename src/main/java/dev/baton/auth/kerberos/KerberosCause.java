package dev.baton.auth.kerberos;

import dev.baton.auth.AuthFailure;
import dev.baton.auth.AuthFailure.Kind;

/**
 * Why Kerberos authentication failed, each cause with the SSPI code Exchange logs in event 1706
 * (docs/kerberos.md has the table and the fix for each). The reply class says what the peer gets:
 * a problem of this server's own credentials is {@link Kind#UNSUPPORTED} (504: the security
 * package cannot run here), a KDC that cannot be reached is {@link Kind#TEMPORARY} (454), the
 * rest is {@link Kind#INVALID_CREDENTIALS} (535).
 */
public enum KerberosCause {

    /** The keytab file is not there or cannot be read by this process. */
    KEYTAB_MISSING("0x8009030e", "SEC_E_NO_CREDENTIALS", Kind.UNSUPPORTED,
            "keytab missing or unreadable"),
    /** The keytab has no key for the principal (or none of an encryption type in use). */
    NO_KEY("0x80090361", "SEC_E_NO_KERB_KEY", Kind.UNSUPPORTED,
            "no key for the principal in the keytab"),
    /** The key in the keytab is not the KDC's: the principal was re-keyed and the keytab is stale. */
    STALE_KEY("0x8009030c", "SEC_E_LOGON_DENIED", Kind.INVALID_CREDENTIALS,
            "key version changed: stale keytab"),
    /** The KDC does not know the principal asked for. */
    PRINCIPAL_UNKNOWN("0x80090303", "SEC_E_TARGET_UNKNOWN", Kind.INVALID_CREDENTIALS,
            "principal unknown to the KDC"),
    /** No KDC of the realm answered. */
    KDC_UNREACHABLE("0x80090311", "SEC_E_NO_AUTHENTICATING_AUTHORITY", Kind.TEMPORARY,
            "KDC unreachable"),
    /** The clocks of the two sides (or of a side and the KDC) differ by more than is allowed. */
    CLOCK_SKEW("0x80090324", "SEC_E_TIME_SKEW", Kind.INVALID_CREDENTIALS,
            "clock skew too great"),
    /** The ticket is for another service principal than the one of this server's FQDN. */
    WRONG_PRINCIPAL("0x80090322", "SEC_E_WRONG_PRINCIPAL", Kind.INVALID_CREDENTIALS,
            "wrong principal for the FQDN"),
    /** The peer's token is not a Kerberos token at all. */
    INVALID_TOKEN("0x80090308", "SEC_E_INVALID_TOKEN", Kind.MALFORMED,
            "not a valid Kerberos token"),
    /** Anything else, with the underlying error alongside. */
    INTERNAL("0x80090304", "SEC_E_INTERNAL_ERROR", Kind.TEMPORARY,
            "Kerberos error");

    private final String code;
    private final String sspiName;
    private final Kind kind;
    private final String summary;

    KerberosCause(String code, String sspiName, Kind kind, String summary) {
        this.code = code;
        this.sspiName = sspiName;
        this.kind = kind;
        this.summary = summary;
    }

    /** The SSPI code as event 1706 shows it, lower-case hex: 0x80090322. */
    public String code() {
        return code;
    }

    /** The SSPI name: SEC_E_WRONG_PRINCIPAL. */
    public String sspiName() {
        return sspiName;
    }

    public Kind kind() {
        return kind;
    }

    /** A few words for the administrator: "stale keytab". */
    public String summary() {
        return summary;
    }

    /**
     * The failure for this cause.
     *
     * @param operation  the SSPI operation it stands for: AcceptSecurityContext (server side),
     *                   InitializeSecurityContext (client side), AcquireCredentialsHandle (keytab, login)
     * @param detail     what happened, for the administrator
     * @param underlying the Kerberos or GSS error as the JDK told it
     */
    public AuthFailure failure(String operation, String detail, String underlying) {
        return new AuthFailure(kind, summary + ": " + detail,
                new AuthFailure.SecurityError(code, sspiName, operation, underlying));
    }
}
