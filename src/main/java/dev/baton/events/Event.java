package dev.baton.events;

import dev.baton.mail.TextTemplate;
import java.util.ArrayList;
import java.util.List;

/**
 * The catalogue of every event Baton writes (docs/events.md lists it entry for entry): id,
 * category, level, the lowest diagnostic level of its category at which it is written, and a
 * text with named fields in braces. The ids 7004, 7010, 7006, 1704, 1706 and 1709 and their texts
 * are Exchange's; Baton's own are in 4000-4999 (Directory 40xx, Queue 41xx, Routing 42xx,
 * Delivery 43xx, Authentication 44xx, Service 49xx).
 * <p>
 * A threshold of {@link DiagnosticLevel#NONE} means always written: errors that stop mail, and
 * the few events an administrator must always be able to find (start, stop, level changes).
 */
public enum Event {
    // ---- SMTP Protocol (per virtual server)
    REMOTE_COMMAND_REFUSED(7004, Category.SMTP_PROTOCOL, Severity.ERROR, DiagnosticLevel.MEDIUM,
            "This is an SMTP protocol error log for virtual server ID {virtualServerId}, connection #{connection}. The remote host"
                    + " \"{host}\", responded to the SMTP command \"{verb}\" with \"{reply}\". The full command sent was \"{command}\"."
                    + " This will probably cause the connection to fail."),
    CLIENT_COMMAND_REFUSED(7010, Category.SMTP_PROTOCOL, Severity.WARNING, DiagnosticLevel.MEDIUM,
            "This is an SMTP protocol log for virtual server ID {virtualServerId}, connection #{connection}. The client at"
                    + " \"{address}\" sent a \"{verb}\" command, and the SMTP server responded with \"{reply}\". The full command sent"
                    + " was \"{command}\". This will probably cause the connection to fail."),

    // ---- Authentication (per virtual server)
    OUTBOUND_AUTHENTICATION_FAILED(7006, Category.AUTHENTICATION, Severity.ERROR, DiagnosticLevel.NONE,
            "Server-to-server authentication to the remote host \"{host}\" failed on virtual server ID {virtualServerId},"
                    + " connection #{connection}: \"{command}\" {outcome}."),
    INBOUND_AUTHENTICATION_FAILED(1704, Category.AUTHENTICATION, Severity.WARNING, DiagnosticLevel.MINIMUM,
            "A server-to-server authentication attempt from the client at \"{address}\" failed on virtual server ID"
                    + " {virtualServerId}, connection #{connection}: mechanism {mechanism}, {reason}."),
    PROTOCOL_SECURITY_FAILED(1706, Category.AUTHENTICATION, Severity.ERROR, DiagnosticLevel.NONE,
            "Protocol security with \"{host}\" could not be established: {component} called {operation}, which failed with"
                    + " error code {code} ({name}). The underlying error was: {underlying}."),
    AUTHENTICATION_REQUIRED(1709, Category.AUTHENTICATION, Severity.WARNING, DiagnosticLevel.MEDIUM,
            "The client at \"{address}\" sent mail on virtual server ID {virtualServerId}, connection #{connection}, without"
                    + " authenticating where authentication is required; access denied."),

    USER_AUTHENTICATION_FAILED(4401, Category.AUTHENTICATION, Severity.WARNING, DiagnosticLevel.MEDIUM,
            "An authentication attempt (AUTH {mechanism}) from the client at \"{address}\" failed on virtual server ID"
                    + " {virtualServerId}, connection #{connection}: {reason}."),
    AUTHENTICATION_CLIENT_BLOCKED(4402, Category.AUTHENTICATION, Severity.WARNING, DiagnosticLevel.MINIMUM,
            "The client at \"{address}\" failed to authenticate {failures} times within {window} on virtual server ID"
                    + " {virtualServerId} (connection #{connection} was the last); its attempts are refused until {until}."),

    // ---- Directory (per server)
    DIRECTORY_LOADED(4001, Category.DIRECTORY, Severity.INFORMATION, DiagnosticLevel.NONE,
            "The directory was loaded from \"{source}\": {summary}."),
    DIRECTORY_REFUSED(4002, Category.DIRECTORY, Severity.ERROR, DiagnosticLevel.NONE,
            "The directory from \"{source}\" was refused: {reason}. The last good directory stays in use."),
    DIRECTORY_CHANGED(4003, Category.DIRECTORY, Severity.INFORMATION, DiagnosticLevel.NONE,
            "The directory from \"{source}\" changed: {changes}."),

    // ---- Queue (per server)
    MESSAGE_EXPIRED(4101, Category.QUEUE, Severity.ERROR, DiagnosticLevel.NONE,
            "Message {queueId} to <{recipient}> expired in the queue: {reply}"),
    MESSAGE_RETURNED_BY_ADMINISTRATOR(4102, Category.QUEUE, Severity.WARNING, DiagnosticLevel.NONE,
            "Message {queueId} from <{sender}> was returned to its sender by an administrator; {count} recipient(s) had not"
                    + " been delivered."),
    MESSAGE_DELETED_BY_ADMINISTRATOR(4103, Category.QUEUE, Severity.WARNING, DiagnosticLevel.NONE,
            "Message {queueId} from <{sender}> was deleted from the queue by an administrator; no report was sent."),
    MESSAGE_HELD_BY_ADMINISTRATOR(4104, Category.QUEUE, Severity.INFORMATION, DiagnosticLevel.NONE,
            "Message {queueId} is held in the queue by an administrator."),
    MESSAGE_BOUNCED(4105, Category.QUEUE, Severity.WARNING, DiagnosticLevel.MINIMUM,
            "Message {queueId} from <{sender}> was returned to its sender: a report on {count} failed recipient(s) was queued"
                    + " as {report}."),
    DSN_SENT(4106, Category.QUEUE, Severity.INFORMATION, DiagnosticLevel.MEDIUM,
            "A delivery status notification ({action}) about message {queueId} for {count} recipient(s) was queued as {report}"
                    + " to <{sender}>."),
    MESSAGE_RELEASED_BY_ADMINISTRATOR(4107, Category.QUEUE, Severity.INFORMATION, DiagnosticLevel.NONE,
            "Message {queueId} was released from hold by an administrator."),
    MESSAGE_RETRIED_BY_ADMINISTRATOR(4108, Category.QUEUE, Severity.INFORMATION, DiagnosticLevel.NONE,
            "Message {queueId} is tried now at an administrator's request ({how}); destinations marked dead are tried too."),

    // ---- Delivery (per server)
    MESSAGE_DELIVERED(4301, Category.DELIVERY, Severity.INFORMATION, DiagnosticLevel.MAXIMUM,
            "Message {queueId} was delivered to <{recipient}>: {reply}"),
    DELIVERY_DEFERRED(4302, Category.DELIVERY, Severity.WARNING, DiagnosticLevel.MEDIUM,
            "Delivery of message {queueId} to <{recipient}> was deferred after attempt {attempts}; the next attempt is at"
                    + " {nextAttempt}: {reply}"),
    DELIVERY_FAILED(4303, Category.DELIVERY, Severity.ERROR, DiagnosticLevel.NONE,
            "Delivery of message {queueId} to <{recipient}> failed: {reply}"),

    // ---- Service (per server)
    SERVER_STARTED(4901, Category.SERVICE, Severity.INFORMATION, DiagnosticLevel.NONE,
            "Baton server {server} ({fqdn}) started; virtual servers: {virtualServers}."),
    SERVER_STOPPED(4902, Category.SERVICE, Severity.INFORMATION, DiagnosticLevel.NONE,
            "Baton server {server} stopped."),
    LEVEL_CHANGED(4903, Category.SERVICE, Severity.INFORMATION, DiagnosticLevel.NONE,
            "The diagnostic logging level of {category} for {scope} changed from {from} to {to}."),
    EVENTS_DROPPED(4904, Category.SERVICE, Severity.WARNING, DiagnosticLevel.NONE,
            "{count} events were dropped because the event log could not keep up."),
    CONFIG_RELOADED(4905, Category.SERVICE, Severity.INFORMATION, DiagnosticLevel.NONE,
            "The configuration {file} was reloaded: {changes}."),
    CONFIG_RELOAD_REFUSED(4906, Category.SERVICE, Severity.ERROR, DiagnosticLevel.NONE,
            "The configuration {file} was not reloaded; the server runs on as before: {reason}.");

    private final int id;
    private final Category category;
    private final Severity severity;
    private final DiagnosticLevel threshold;
    private final String text;
    /** The text with each {field} turned into %s, for {@link TextTemplate#fill}. */
    private final String fillable;
    private final List<String> fields;

    Event(int id, Category category, Severity severity, DiagnosticLevel threshold, String text) {
        this.id = id;
        this.category = category;
        this.severity = severity;
        this.threshold = threshold;
        this.text = text;
        List<String> names = new ArrayList<>();
        StringBuilder f = new StringBuilder(text.length());
        int from = 0;
        int open;
        while ((open = text.indexOf('{', from)) >= 0) {
            int close = text.indexOf('}', open);
            String name = text.substring(open + 1, close);
            if (names.contains(name)) {
                throw new IllegalStateException(name() + ": field {" + name + "} appears twice");
            }
            names.add(name);
            f.append(text, from, open).append("%s");
            from = close + 1;
        }
        this.fillable = f.append(text, from, text.length()).toString();
        this.fields = List.copyOf(names);
    }

    public int id() {
        return id;
    }

    public Category category() {
        return category;
    }

    public Severity severity() {
        return severity;
    }

    /** The lowest diagnostic level of the category at which this event is written; NONE: always. */
    public DiagnosticLevel threshold() {
        return threshold;
    }

    /** The text with its named fields: "... connection #{connection}. ...". */
    public String text() {
        return text;
    }

    /** The names of the fields, in the order {@link #render} takes their values. */
    public List<String> fields() {
        return fields;
    }

    /** The text with the values of the fields, in {@link #fields()} order. */
    public String render(Object... values) {
        return TextTemplate.fill(fillable, values);
    }

    /** The entry with this id, or null. */
    public static Event byId(int id) {
        for (Event e : values()) {
            if (e.id == id) {
                return e;
            }
        }
        return null;
    }
}
