package dev.baton.cli;

/** An error the user can fix; printed without a stack trace. */
final class UserError extends RuntimeException {
    UserError(String message) {
        super(message);
    }
}
