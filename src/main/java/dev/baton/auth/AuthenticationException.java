package dev.baton.auth;

import java.util.Objects;

/** An authentication step that failed; the failure says the reply class and what 1706 logs. */
public class AuthenticationException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient AuthFailure failure;

    public AuthenticationException(AuthFailure failure, Throwable cause) {
        super(Objects.requireNonNull(failure, "failure").detail(), cause);
        this.failure = failure;
    }

    public AuthFailure failure() {
        return failure;
    }
}
