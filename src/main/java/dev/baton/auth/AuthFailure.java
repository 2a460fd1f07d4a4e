package dev.baton.auth;

import java.util.Objects;

/**
 * Why an attempt failed, in two parts: the {@link Kind} decides the reply the client gets (RFC
 * 4954 6); the detail and the security error go only to the event log (1704, 1706), never to the
 * client, so a failure does not tell an attacker which part was wrong.
 *
 * @param kind     decides the reply
 * @param detail   for the administrator: "no such user", "stale keytab for smtp/mx1...", ...
 * @param security the underlying Kerberos/GSS error for event 1706, or null when there is none
 */
public record AuthFailure(Kind kind, String detail, SecurityError security) {

    public AuthFailure {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
    }

    public static AuthFailure of(Kind kind, String detail) {
        return new AuthFailure(kind, detail, null);
    }

    /** The reply classes of RFC 4954 6 (and SYSTEM.md 2 for X-EXPS). */
    public enum Kind {
        /** 535 5.7.8: the credentials are wrong (or the user unknown: the same reply). */
        INVALID_CREDENTIALS,
        /** 501 5.5.2: a response that is not what the mechanism expects. */
        MALFORMED,
        /** 535 5.7.3 (X-EXPS): the peer authenticated but is not a server of the organization. */
        NOT_AN_ORGANIZATION_SERVER,
        /** 504 5.7.4: the security package cannot run the exchange (no credentials here, unsupported). */
        UNSUPPORTED,
        /** 454 4.7.0: a temporary failure here (KDC unreachable, directory unavailable). */
        TEMPORARY,
        /** 534 5.7.9: the mechanism is too weak for this session. */
        TOO_WEAK
    }

    /**
     * The error of the security component for event 1706, told in SSPI's words as Exchange does:
     * a code such as {@code 0x80090322} with its name (SEC_E_WRONG_PRINCIPAL), the operation that
     * failed (AcceptSecurityContext) and the underlying Kerberos or GSS error text.
     */
    public record SecurityError(String code, String name, String operation, String underlying) {
        public SecurityError {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(operation, "operation");
            Objects.requireNonNull(underlying, "underlying");
        }
    }
}
