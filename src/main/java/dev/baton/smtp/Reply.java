package dev.baton.smtp;

/**
 * The catalogue of every reply Baton's SMTP server sends. Each entry has a stable name, so the
 * event log, the protocol log and the doctor can say exactly which reply a client got.
 * Text may hold {@code %s} placeholders filled by {@link #with(Object...)}.
 */
public enum Reply {
    // 2xx
    GREETING(220, null, "%s ESMTP Baton ready"),
    STARTTLS_READY(220, "2.0.0", "Ready to start TLS"),
    CLOSING(221, "2.0.0", "%s closing connection"),
    HELP(214, "2.0.0", "Baton SMTP server; see RFC 5321. Commands: %s"),
    HELO_OK(250, null, "%s Hello %s [%s]"),
    OK(250, "2.0.0", "OK"),
    SENDER_OK(250, "2.1.0", "Sender <%s> OK"),
    RECIPIENT_OK(250, "2.1.5", "Recipient <%s> OK"),
    RESET_OK(250, "2.0.0", "Reset OK"),
    NOOP_OK(250, "2.0.0", "OK"),
    QUEUED(250, "2.0.0", "OK queued as %s"),
    CHUNK_OK(250, "2.0.0", "%s octets received"),
    CANNOT_VRFY(252, "2.5.2", "Cannot VRFY user, but will accept message and attempt delivery"),
    START_DATA(354, null, "Start mail input; end with <CRLF>.<CRLF>"),
    SASL_CHALLENGE(334, null, "%s"),
    AUTH_OK(235, "2.7.0", "Authentication successful"),

    // 4xx
    SERVICE_UNAVAILABLE(421, "4.3.2", "%s Service not available, closing transmission channel"),
    TOO_MANY_CONNECTIONS(421, "4.7.0", "%s Too many connections, try again later"),
    TOO_MANY_CONNECTIONS_FROM_CLIENT(421, "4.7.0", "%s Too many connections from your address, try again later"),
    TIMEOUT(421, "4.4.2", "%s Timeout exceeded, closing connection"),
    TOO_MANY_ERRORS(421, "4.7.0", "%s Too many errors, closing connection"),
    TOO_MANY_UNKNOWN_RECIPIENTS(421, "4.7.0", "%s Too many unknown recipients, closing connection"),
    SHUTTING_DOWN(421, "4.3.2", "%s Server shutting down, closing connection"),
    STORAGE_FAILED(452, "4.3.1", "Insufficient system storage, message not accepted; try again later"),
    TOO_MANY_RECIPIENTS(452, "4.5.3", "Too many recipients"),
    TLS_NOT_AVAILABLE(454, "4.7.0", "TLS not available due to temporary reason"),
    LOCAL_ERROR(451, "4.3.0", "Local error in processing, try again later"),
    AUTH_TEMPORARY_FAILURE(454, "4.7.0", "Temporary authentication failure"),
    /** The client's address failed too often lately: refused, even with a good password, until the window passes. */
    AUTH_CLIENT_BLOCKED(454, "4.7.0", "Temporary authentication failure: too many failed attempts from your address, try again later"),
    TOO_MANY_AUTH_FAILURES(421, "4.7.0", "%s Too many failed authentication attempts, closing connection"),

    // 5xx syntax
    UNKNOWN_COMMAND(500, "5.5.2", "Command unrecognized: \"%s\""),
    LINE_TOO_LONG(500, "5.5.6", "Line too long (limit %s octets)"),
    COMMAND_NOT_UTF8(501, "5.5.2", "Syntax error: the command line is not valid UTF-8"),
    HELO_NEEDS_DOMAIN(501, "5.5.4", "Syntax error: %s requires a domain or address literal"),
    HELO_BAD_DOMAIN(501, "5.5.4", "Syntax error: \"%s\" is not a domain or address literal"),
    TAKES_NO_ARGUMENT(501, "5.5.4", "Syntax error: %s takes no argument"),
    VRFY_NEEDS_ARGUMENT(501, "5.5.4", "Syntax error: VRFY requires an argument"),
    BDAT_SYNTAX(501, "5.5.4", "Syntax error: BDAT <size> [LAST]"),
    BAD_ADDRESS_SYNTAX(501, "5.1.3", "Bad address syntax: %s"),
    ADDRESS_NOT_UTF8(553, "5.6.7", "Address refused: the command line is not valid UTF-8"),
    NULL_RECIPIENT(501, "5.1.3", "Bad address syntax: the null path <> is not a recipient"),
    BAD_SENDER_SYNTAX(501, "5.1.7", "Bad sender address syntax: %s"),
    NOT_IMPLEMENTED(502, "5.5.1", "Command not implemented"),
    /** RFC 3463 5.5.4, invalid command arguments: a duplicated or malformed parameter is no address problem (5.1.7, 5.1.3). */
    PARAMETER_SYNTAX(501, "5.5.4", "Syntax error in parameters: %s"),
    PARAMETER_NOT_IMPLEMENTED(504, "5.5.4", "Parameter not implemented: %s"),
    PARAMETER_UNRECOGNIZED(555, "5.5.4", "Unsupported parameter: %s"),
    AUTH_SYNTAX(501, "5.5.4", "Syntax error: AUTH <mechanism> [initial-response]"),
    AUTH_BAD_BASE64(501, "5.5.2", "Cannot decode the response: it is not base64"),
    AUTH_MALFORMED(501, "5.5.2", "Authentication failed: the response is not what %s expects"),
    AUTH_CANCELLED(501, "5.0.0", "Authentication cancelled"),
    AUTH_UNKNOWN_MECHANISM(504, "5.5.4", "Unrecognized authentication type"),
    XEXPS_UNKNOWN_MECHANISM(504, "5.7.4", "Unrecognized authentication type"),
    XEXPS_SYNTAX(501, "5.5.4", "Syntax error: X-EXPS <mechanism> [initial-response]"),

    // 5xx MAIL and RCPT parameters (RFC 1870, 6152, 3030, 6531, 3461)
    SIZE_NOT_A_NUMBER(501, "5.5.4", "Invalid parameter: SIZE needs a number of octets"),
    BODY_UNKNOWN(501, "5.5.4", "Invalid parameter: BODY must be 7BIT, 8BITMIME or BINARYMIME"),
    SMTPUTF8_TAKES_NO_VALUE(501, "5.5.4", "Invalid parameter: SMTPUTF8 takes no value"),
    RET_UNKNOWN(501, "5.5.4", "Invalid parameter: RET must be FULL or HDRS"),
    ENVID_INVALID(501, "5.5.4", "Invalid parameter: ENVID: %s"),
    NOTIFY_UNKNOWN(501, "5.5.4", "Invalid parameter: NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY"),
    NOTIFY_NEVER_COMBINED(501, "5.5.4", "Invalid parameter: NOTIFY=NEVER cannot be combined with other values"),
    ORCPT_FORMAT(501, "5.5.4", "Invalid parameter: ORCPT must be addr-type;xtext-address (example: rfc822;user+40example.test)"),
    ORCPT_TYPE(501, "5.5.4", "Invalid parameter: bad ORCPT address type"),
    ORCPT_XTEXT(501, "5.5.4", "Invalid parameter: %s"),

    // 5xx sequence
    HELO_FIRST(503, "5.5.1", "Bad sequence of commands: send EHLO or HELO first"),
    EHLO_FIRST(503, "5.5.1", "Bad sequence of commands: send EHLO first"),
    MAIL_FIRST(503, "5.5.1", "Bad sequence of commands: send MAIL first"),
    MAIL_ALREADY_GIVEN(503, "5.5.1", "Bad sequence of commands: MAIL already given; RSET first"),
    RCPT_DURING_BDAT(503, "5.5.1", "Bad sequence of commands: RCPT not allowed during BDAT"),
    DATA_AFTER_BDAT(503, "5.5.1", "Bad sequence of commands: DATA not allowed after BDAT"),
    BINARYMIME_NEEDS_BDAT(503, "5.5.1", "Bad sequence of commands: BODY=BINARYMIME requires BDAT"),
    EARLIER_BDAT_FAILED(503, "5.5.1", "Bad sequence of commands: an earlier BDAT of this transaction failed; RSET and start again"),
    TLS_ALREADY_ACTIVE(503, "5.5.1", "TLS already active"),
    NO_VALID_RECIPIENTS(554, "5.5.1", "No valid recipients"),
    MUST_STARTTLS(530, "5.7.0", "Must issue a STARTTLS command first"),
    AUTH_ALREADY_DONE(503, "5.5.1", "Bad sequence of commands: already authenticated"),
    AUTH_IN_TRANSACTION(503, "5.5.1", "Bad sequence of commands: AUTH is not allowed during a mail transaction"),
    AUTH_REQUIRED(530, "5.7.0", "Authentication required"),
    AUTH_TOO_WEAK(534, "5.7.9", "Authentication mechanism is too weak"),
    AUTH_INVALID_CREDENTIALS(535, "5.7.8", "Authentication credentials invalid"),
    XEXPS_UNSUCCESSFUL(535, "5.7.3", "Authentication unsuccessful"),
    AUTH_NEEDS_TLS(538, "5.7.11", "Encryption required for requested authentication mechanism"),

    // 5xx policy and content
    RELAY_DENIED(550, "5.7.1", "Relaying denied: <%s> is not in a domain this server accepts mail for"),
    /** A right refused mail for an accepted domain: the text says no more (the directory's structure stays inside). */
    RECIPIENT_ACCESS_DENIED(550, "5.7.1", "Access denied: mail for <%s> is not accepted from this client"),
    NO_SUCH_USER(550, "5.1.1", "Recipient <%s> unknown"),
    /** An authenticated user without the submit right here; the text says no more. */
    SUBMIT_DENIED(550, "5.7.1", "Access denied: you may not submit mail here"),
    /** RFC 6409 8.1: the sender address must be the authenticated user's own. */
    SENDER_NOT_OWNED(553, "5.7.1", "Sender address <%s> is not owned by the authenticated user"),
    ROUTING_LOCAL_PART(550, "5.7.1", "Recipient <%s> refused: % and ! routing and quoted addresses in the local part are not relayed"),
    NO_ROUTE(550, "5.4.4", "No route to the domain of <%s>"),
    MESSAGE_TOO_BIG(552, "5.3.4", "Message size exceeds the limit of %s octets"),
    BARE_LINE_ENDING(550, "5.6.0", "Message refused: bare CR or LF in message data (only CRLF ends a line; RFC 5321 2.3.8)"),
    NUL_IN_DATA(550, "5.6.0", "Message refused: NUL octet in message data"),
    MAIL_LOOP(554, "5.4.6", "Message refused: mail loop detected (%s Received or Delivered-To fields, limit %s)"),
    TEXT_LINE_TOO_LONG(550, "5.6.0", "Message refused: a line is longer than %s octets (RFC 5321 4.5.3.1.6)"),
    UTF8_NEEDS_SMTPUTF8(553, "5.6.7", "Non-ASCII address requires the SMTPUTF8 parameter"),
    TRANSACTION_FAILED(554, "5.5.0", "Transaction failed: %s");

    private final int code;
    private final String enhanced;
    private final String template;

    Reply(int code, String enhanced, String template) {
        this.code = code;
        this.enhanced = enhanced;
        this.template = template;
    }

    public int code() {
        return code;
    }

    /** The RFC 3463 enhanced status code, or null where none belongs (greeting, HELO, 354). */
    public String enhanced() {
        return enhanced;
    }

    public String template() {
        return template;
    }

    public Response with(Object... args) {
        return new Response(this, code, enhanced, java.util.List.of(dev.baton.mail.TextTemplate.fill(template, args)));
    }

    public Response response() {
        return with();
    }

    public boolean isPositive() {
        return code < 400;
    }

    /** Text a client sent, fit to be echoed in a reply: at most 64 characters, control characters as '?'. */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 64));
        for (int i = 0; i < s.length() && i < 64; i++) {
            char ch = s.charAt(i);
            b.append(ch < 32 || ch == 127 ? '?' : ch);
        }
        return b.toString();
    }
}
