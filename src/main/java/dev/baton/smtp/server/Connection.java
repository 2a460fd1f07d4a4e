package dev.baton.smtp.server;

import dev.baton.mail.Principal;
import java.net.InetAddress;

/**
 * Connection-scoped state: what a session knows of its client beyond any one transaction (the
 * HELO name, EHLO or HELO, TLS, who the client proved to be, its errors so far). Each event that
 * changes it is one method here, so each reset rule is written once; the session drops the
 * transaction alongside ({@link Session#greeted}, {@link Session#tlsStarted},
 * {@link Session#authenticated}).
 */
final class Connection {

    private final long number;
    private final InetAddress client;
    private final String clientAddress;
    private String heloName;
    private boolean esmtp;
    private String tlsDescription;
    private Principal principal = Principal.ANONYMOUS;
    private int errors;
    private int authFailures;
    /** The tls-exporter channel binding (RFC 9266) of the TLS session, or null. */
    private byte[] channelBinding;
    private int unknownRecipients;
    /** Made when a policy first asks, again only after the state changed. */
    private SessionInfo info;

    Connection(long number, InetAddress client) {
        this.number = number;
        this.client = client;
        this.clientAddress = client.getHostAddress();
    }

    /** HELO or EHLO succeeded: the client's name, and whether it speaks ESMTP (enhanced codes, parameters). */
    void greeted(String name, boolean extended) {
        heloName = name;
        esmtp = extended;
        info = null;
    }

    /**
     * TLS is on. RFC 3207 4.2: everything learned before it is forgotten (HELO name, ESMTP,
     * principal), so the client must EHLO again; the error count is kept.
     */
    void tlsStarted(String description, byte[] binding) {
        tlsDescription = description;
        channelBinding = binding;
        heloName = null;
        esmtp = false;
        principal = Principal.ANONYMOUS;
        info = null;
    }

    /** The client proved who it is (AUTH, X-EXPS). */
    void authenticated(Principal who) {
        principal = who;
        info = null;
    }

    /** Counts one more RCPT refused because the mailbox does not exist; returns the count so far. */
    int countUnknownRecipient() {
        return ++unknownRecipients;
    }

    /** Counts one more failed authentication attempt; returns the count so far (kept across STARTTLS, as errors are). */
    int countAuthFailure() {
        return ++authFailures;
    }

    /** The tls-exporter channel binding of the TLS session, or null without TLS or when the JDK cannot export it. */
    byte[] channelBinding() {
        return channelBinding;
    }

    /** Counts one more refused command; returns the count so far. */
    int countError() {
        return ++errors;
    }

    long number() {
        return number;
    }

    InetAddress client() {
        return client;
    }

    /** The client's IP address as text, made once. */
    String clientAddress() {
        return clientAddress;
    }

    /** The name given in HELO or EHLO, null before (and after STARTTLS until the next EHLO). */
    String heloName() {
        return heloName;
    }

    boolean esmtp() {
        return esmtp;
    }

    boolean tlsActive() {
        return tlsDescription != null;
    }

    /** "TLSv1.3 with cipher ...", or null without TLS. */
    String tlsDescription() {
        return tlsDescription;
    }

    Principal principal() {
        return principal;
    }

    int errors() {
        return errors;
    }

    /** What a policy may know of this connection, as it is now. */
    SessionInfo info() {
        SessionInfo i = info;
        if (i == null) {
            i = new SessionInfo(number, client, heloName, tlsDescription != null, principal);
            info = i;
        }
        return i;
    }
}
