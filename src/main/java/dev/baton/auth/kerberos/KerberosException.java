package dev.baton.auth.kerberos;

import dev.baton.auth.AuthFailure;
import dev.baton.auth.AuthenticationException;
import java.util.Objects;

/** A Kerberos step that failed, classified: its {@link AuthFailure} carries the 1706 security error. */
public final class KerberosException extends AuthenticationException {

    private static final long serialVersionUID = 1L;

    private final KerberosCause cause;

    public KerberosException(KerberosCause cause, AuthFailure failure, Throwable underlying) {
        super(failure, underlying);
        this.cause = Objects.requireNonNull(cause, "cause");
    }

    public KerberosCause kerberosCause() {
        return cause;
    }
}
