package dev.baton.auth.kerberos;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import javax.security.auth.Subject;

/** Runs JGSS and SASL code as a Subject (its keytab or tickets), with the checked exception of the call. */
final class Subjects {

    private Subjects() {
    }

    @FunctionalInterface
    interface SaslCall<T> {
        T call() throws Exception;
    }

    static <T> T as(Subject subject, SaslCall<T> call) throws Exception {
        Callable<T> c = call::call;
        try {
            return Subject.callAs(subject, c);
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }
}
