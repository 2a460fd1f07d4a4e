package dev.baton.smtp.server;

import dev.baton.mail.MailAddress;
import dev.baton.queue.Envelope;
import dev.baton.smtp.MailParameters;
import dev.baton.smtp.Response;
import java.util.Optional;

/**
 * What a session asks before it accepts: a sender at MAIL, a recipient at RCPT, a message at
 * the end of data. Each hook answers empty to accept or the reply that refuses; a refusal
 * counts toward the session's error limit and the session goes on. Every hook accepts unless
 * overridden.
 */
public interface SessionPolicy {

    /** Accepts everything. */
    SessionPolicy ACCEPT_ALL = new SessionPolicy() { };

    /**
     * The name of the organization's server whose Kerberos principal this is (X-EXPS maps a
     * ticket to a server with it), or null when it names none.
     */
    default String organizationServer(String principal) {
        return null;
    }

    /**
     * The directory user a Kerberos principal is (AUTH GSSAPI: {@code alice@REALM} is the user
     * alice when REALM is the organization's), or null when it is none.
     */
    default String userOfPrincipal(String principal) {
        return null;
    }

    /**
     * The mailbox a user submits as (RFC 4954 5: the envelope's submitter when the user's MAIL
     * gives no AUTH=): here the user's name when it is an address, else null (none known).
     */
    default String mailboxOfUser(String user) {
        int at = user.lastIndexOf('@');
        return at > 0 && at < user.length() - 1 ? user : null;
    }

    /** MAIL FROM, after its syntax and parameters were found good. */
    default Optional<Response> checkSender(MailAddress sender, MailParameters parameters, SessionInfo session) {
        return Optional.empty();
    }

    /** RCPT TO, after its syntax, parameters and the recipient limit: local, relay allowed, or refused. */
    default Optional<Response> checkRecipient(MailAddress recipient, SessionInfo session) {
        return Optional.empty();
    }

    /**
     * The end of data (DATA or BDAT LAST), when the content is stored and good, just before it
     * is committed: a refusal drops the message, nothing of it is queued.
     */
    default Optional<Response> checkMessage(Envelope envelope, SessionInfo session) {
        return Optional.empty();
    }
}
