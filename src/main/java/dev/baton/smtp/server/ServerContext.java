package dev.baton.smtp.server;

import dev.baton.config.VirtualServerSettings;
import dev.baton.config.VirtualServerSettings.TlsMode;
import dev.baton.queue.Spool;
import java.time.Clock;
import javax.net.ssl.SSLSocketFactory;

/** What every session of one virtual server shares. */
public final class ServerContext {

    private final VirtualServerSettings settings;
    private final SSLSocketFactory tls;
    private final Spool spool;
    private final SessionPolicy policy;
    private final ProtocolLog log;
    private final SessionEvents events;
    private final Clock clock;
    private final CommandTable commands;
    private volatile boolean stopping;

    /**
     * A context with the standard command table.
     *
     * @param tls   the server-side TLS factory, or null when STARTTLS is not offered
     * @param clock the one clock of the receive side: arrival times, Received dates, protocol-log times
     */
    public ServerContext(VirtualServerSettings settings, SSLSocketFactory tls, Spool spool, SessionPolicy policy,
                         ProtocolLog log, SessionEvents events, Clock clock) {
        this(settings, tls, spool, policy, log, events, clock, CommandTable.STANDARD);
    }

    /** As the public constructor, with the verbs of the given table (tests add verbs of their own). */
    ServerContext(VirtualServerSettings settings, SSLSocketFactory tls, Spool spool, SessionPolicy policy,
                  ProtocolLog log, SessionEvents events, Clock clock, CommandTable commands) {
        this.settings = settings;
        this.tls = tls;
        this.spool = spool;
        this.policy = policy;
        this.log = log;
        this.events = events;
        this.clock = clock;
        this.commands = commands;
    }

    public VirtualServerSettings settings() {
        return settings;
    }

    public SSLSocketFactory tls() {
        return tls;
    }

    /** STARTTLS can be offered: a TLS factory exists and the mode is not off. */
    boolean tlsOffered() {
        return tls != null && settings.tls().mode() != TlsMode.OFF;
    }

    public Spool spool() {
        return spool;
    }

    public SessionPolicy policy() {
        return policy;
    }

    public ProtocolLog log() {
        return log;
    }

    public SessionEvents events() {
        return events;
    }

    public Clock clock() {
        return clock;
    }

    CommandTable commands() {
        return commands;
    }

    boolean stopping() {
        return stopping;
    }

    void stop() {
        stopping = true;
    }
}
