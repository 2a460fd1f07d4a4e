package dev.baton.smtp.server;

import dev.baton.auth.ServerMechanism;
import dev.baton.config.VirtualServerSettings;
import dev.baton.config.VirtualServerSettings.TlsMode;
import dev.baton.queue.Spool;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
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
    private final List<ServerMechanism> mechanisms;
    private AuthThrottle authThrottle;
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
        this(settings, tls, spool, policy, log, events, clock, commands, List.of());
    }

    private ServerContext(VirtualServerSettings settings, SSLSocketFactory tls, Spool spool, SessionPolicy policy,
                          ProtocolLog log, SessionEvents events, Clock clock, CommandTable commands, List<ServerMechanism> mechanisms) {
        this.mechanisms = List.copyOf(mechanisms);
        this.authThrottle = new AuthThrottle(settings.authentication().failures(), clock);
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

    /**
     * This context with more SASL mechanisms for AUTH, after the ones it has (EHLO lists them in
     * this order; a virtual server offers those whose family it switches on). This is how the
     * node plugs in PLAIN, LOGIN, SCRAM and, from its own package, GSSAPI. A mechanism whose
     * name is taken already is refused.
     */
    public ServerContext withMechanisms(List<? extends ServerMechanism> more) {
        List<ServerMechanism> all = new ArrayList<>(mechanisms);
        for (ServerMechanism m : more) {
            if (all.stream().anyMatch(x -> x.name().equals(m.name()))) {
                throw new IllegalArgumentException("SASL mechanism " + m.name() + " registered twice");
            }
            all.add(m);
        }
        return new ServerContext(settings, tls, spool, policy, log, events, clock, commands, all);
    }

    /** The SASL mechanisms AUTH knows, in the order EHLO lists them. */
    public List<ServerMechanism> mechanisms() {
        return mechanisms;
    }

    /** Failed authentication attempts per client address, over every session of this virtual server. */
    AuthThrottle authThrottle() {
        return authThrottle;
    }

    /**
     * When a reload puts this context in place of the previous one: the failures counted so far
     * stay counted (a reload forgives no client), unless the limits themselves changed. Called
     * before this context is handed to any session.
     */
    void carryThrottleFrom(ServerContext previous) {
        if (previous.settings.authentication().failures().equals(settings.authentication().failures())) {
            authThrottle = previous.authThrottle;
        }
    }

    boolean stopping() {
        return stopping;
    }

    void stop() {
        stopping = true;
    }
}
