package dev.baton.smtp.server;

import dev.baton.mail.MailAddress;
import dev.baton.smtp.Response;
import java.util.Optional;

/** Decides whether a recipient is accepted in a session: local, relay allowed, or refused. */
@FunctionalInterface
public interface RecipientPolicy {

    /** An empty result accepts the recipient; otherwise the reply that refuses it. */
    Optional<Response> check(MailAddress recipient, SessionInfo session);
}
