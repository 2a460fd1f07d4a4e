package dev.baton.delivery;

import dev.baton.config.RouteSettings;
import dev.baton.queue.DeliveryAgent;
import dev.baton.queue.DeliveryOutcome;
import dev.baton.queue.DeliveryReply;
import dev.baton.queue.DeliveryText;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import dev.baton.queue.RecipientId;
import dev.baton.routing.MxResolver;
import dev.baton.routing.NextHop;
import dev.baton.routing.Resolution;
import dev.baton.routing.Routes;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Delivers each recipient by the route {@link Routes} chooses for its domain: recipients that
 * share a destination go together in one SMTP or LMTP transaction, under that destination's
 * concurrency limit and dead list ({@link Destinations}).
 */
public final class Router implements DeliveryAgent {

    private final Routes routes;
    private final LocalDelivery local;
    private final SmtpTransport smtp;
    private final MxResolver mx;
    private final Destinations destinations;
    private volatile Homes homes = Homes.NONE;

    /**
     * @param smtp              and mx may be null where no route needs them (local and discard only)
     * @param maxPerDestination the most connections at once to one destination
     */
    public Router(Routes routes, LocalDelivery local, SmtpTransport smtp, MxResolver mx, int maxPerDestination, Clock clock) {
        this.routes = routes;
        this.local = local;
        this.smtp = smtp;
        this.mx = mx;
        this.destinations = new Destinations(maxPerDestination, clock);
    }

    public Router(List<RouteSettings> routes, LocalDelivery local) {
        this(new Routes(routes), local, null, null, Destinations.INITIAL, Clock.systemUTC());
    }

    public Routes routes() {
        return routes;
    }

    /** Where the organization transport finds each user's mailbox (the node's directory). */
    public void homes(Homes h) {
        this.homes = h == null ? Homes.NONE : h;
    }

    /** A recipient's route, and for an organization route the home it was resolved by (else null). */
    private record Chosen(RouteSettings route, Homes.Home home) {
    }

    /**
     * The route a recipient takes: the first that matches its domain and takes it (an
     * organization route takes only users with a known home, as at RCPT), resolved for an
     * organization route to a local delivery (home here) or an SMTP hop to the home server with
     * TLS required. The home is looked up once: the directory may change between two lookups.
     */
    private Optional<Chosen> chosen(Recipient r) {
        if (r.domain().isEmpty()) {
            return routes.routeForRecipient(r.domain()).map(rs -> new Chosen(rs, null));
        }
        for (RouteSettings rs : routes.all()) {
            if (!rs.matches(r.domain())) {
                continue;
            }
            if (rs.transport() != RouteSettings.Transport.ORGANIZATION) {
                return Optional.of(new Chosen(rs, null));
            }
            Optional<Homes.Home> home = homes.of(r.address().toLowerCase(java.util.Locale.ROOT));
            if (home.isPresent()) {
                Homes.Home at = home.get();
                return Optional.of(new Chosen(at.here() ? new RouteSettings(rs.domain(), RouteSettings.Transport.LOCAL, null, 0, rs.tls())
                        : new RouteSettings(rs.domain(), RouteSettings.Transport.SMTP, at.host(), at.port(), RouteSettings.TlsPolicy.REQUIRED),
                        at));
            }
        }
        return Optional.empty();
    }

    @Override
    public List<DeliveryOutcome> deliver(QueuedMessage m, List<RecipientId> recipients) {
        return deliver(m, recipients, false);
    }

    @Override
    public List<DeliveryOutcome> deliverDespiteDeadDestinations(QueuedMessage m, List<RecipientId> recipients) {
        return deliver(m, recipients, true);
    }

    @Override
    public String route(QueuedMessage m, RecipientId id) {
        Recipient r = m.recipient(id);
        String domain = r.domain();
        Optional<Chosen> chosen = chosen(r);
        if (chosen.isEmpty()) {
            return "none (no route covers " + domain + ")";
        }
        RouteSettings rs = chosen.get().route();
        Homes.Home home = chosen.get().home();
        if (home != null) {
            return "organization (route " + rs.domain() + "), home server " + home.server()
                    + (home.here() ? " (this server): local" : ", next hop: " + rs.host() + ":" + rs.port() + " with TLS and X-EXPS");
        }
        String name = rs.transport().name().toLowerCase(java.util.Locale.ROOT);
        return switch (rs.transport()) {
            case LOCAL -> "local (route " + rs.domain() + ")";
            case DISCARD -> "discard (route " + rs.domain() + ")";
            case MX -> "mx (route " + rs.domain() + "), next hop: the MX hosts of " + domain + " port " + rs.port();
            case SMTP, LMTP -> name + " (route " + rs.domain() + "), next hop: " + rs.host() + ":" + rs.port();
            case ORGANIZATION -> throw new IllegalStateException("chosen() resolves organization routes");
        };
    }

    private List<DeliveryOutcome> deliver(QueuedMessage m, List<RecipientId> recipients, boolean despiteDead) {
        Map<RecipientId, DeliveryOutcome> out = new HashMap<>();
        Map<String, List<RecipientId>> remote = new LinkedHashMap<>();
        Map<String, RouteSettings> remoteRoute = new HashMap<>();
        Map<String, Homes.Home> remoteHome = new HashMap<>();
        for (RecipientId id : recipients) {
            Recipient r = m.recipient(id);
            Optional<Chosen> chosen = chosen(r);
            Optional<RouteSettings> route = chosen.map(Chosen::route);
            if (route.isEmpty()) {
                // the routes changed since the message was accepted: keep it until they cover it again
                out.put(id, DeliveryOutcome.deferred(id, DeliveryText.NO_ROUTE.reply(r.domain())));
                continue;
            }
            RouteSettings rs = route.get();
            switch (rs.transport()) {
                case DISCARD -> out.put(id, DeliveryOutcome.delivered(id, DeliveryText.DISCARDED.reply(rs.domain()),
                        DeliveryOutcome.Handoff.DISCARDED));
                case LOCAL -> out.put(id, local.deliver(m, id));
                case ORGANIZATION -> throw new IllegalStateException("chosen() resolves organization routes");
                case SMTP, LMTP, MX -> {
                    Homes.Home home = chosen.get().home();
                    // an organization hop is its own destination: its sessions are proved to be the home server
                    String destination = home == null ? Routes.destination(rs, r.domain()) : "organization:" + home.server();
                    remote.computeIfAbsent(destination, k -> new ArrayList<>()).add(id);
                    remoteRoute.put(destination, rs);
                    if (home != null) {
                        remoteHome.put(destination, home);
                    }
                }
            }
        }
        for (Map.Entry<String, List<RecipientId>> e : remote.entrySet()) {
            RouteSettings rs = remoteRoute.get(e.getKey());
            String destination = e.getKey();
            Destinations.Refusal refusal = destinations.acquire(destination, despiteDead);
            if (refusal instanceof Destinations.Busy busy) {
                e.getValue().forEach(id -> out.put(id, DeliveryOutcome.postponed(id, busy.reply(), busy.waiting())));
                continue;
            }
            if (refusal instanceof Destinations.Dead dead) {
                // not tried: no attempt is counted, and the recipients wait until the destination may be tried
                e.getValue().forEach(id -> out.put(id, DeliveryOutcome.postponed(id, dead.reply(), dead.waiting())));
                continue;
            }
            List<DeliveryOutcome> outcomes = List.of();
            try {
                Homes.Home home = remoteHome.get(destination);
                outcomes = home != null && smtp != null
                        ? smtp.deliverToOrganizationServer(m, e.getValue(), new NextHop(home.host(), home.port(), 0), home.fqdn())
                        : deliverRemote(m, e.getValue(), rs, m.recipient(e.getValue().get(0)).domain());
            } finally {
                destinations.release(destination, answered(outcomes), outcomes.isEmpty() ? null : outcomes.get(0).reason());
            }
            for (DeliveryOutcome o : outcomes) {
                out.put(o.recipient(), o);
            }
        }
        List<DeliveryOutcome> result = new ArrayList<>(recipients.size());
        for (RecipientId id : recipients) {
            result.add(out.get(id));
        }
        return result;
    }

    /**
     * Whether the destination took part: some recipient got a final answer, or a deferral is
     * the peer's own reply to a command. Deferrals Baton wrote itself (nobody listening, a 421
     * greeting, a broken session) count against the destination.
     */
    static boolean answered(List<DeliveryOutcome> outcomes) {
        for (DeliveryOutcome o : outcomes) {
            if (o.kind() != DeliveryOutcome.Kind.DEFERRED || o.reason().peerAnswered() || authentication(o.reason())) {
                return true;
            }
        }
        return false;
    }

    /**
     * A hop that failed in the organization handshake (TLS, the server's identity, X-EXPS): the
     * peer greeted and answered; the problem is one of keys or names for an administrator to fix,
     * and marking the destination dead would only hold the mail back longer once it is fixed.
     */
    private static boolean authentication(DeliveryReply r) {
        return switch (r.entry()) {
            case HOP_AUTHENTICATION_REFUSED, HOP_AUTHENTICATION_FAILED_HERE, HOP_ORGANIZATION_WRONG_SERVER,
                    HOP_ORGANIZATION_NO_MECHANISM, HOP_ORGANIZATION_TLS_NOT_OFFERED, HOP_ORGANIZATION_NO_KERBEROS -> true;
            default -> false;
        };
    }

    private List<DeliveryOutcome> deliverRemote(QueuedMessage m, List<RecipientId> ids, RouteSettings rs, String domain) {
        if (smtp == null) {
            DeliveryReply why = DeliveryText.OUTBOUND_NOT_SET_UP.reply();
            return ids.stream().map(id -> DeliveryOutcome.deferred(id, why)).toList();
        }
        List<NextHop> hops;
        if (rs.transport() == RouteSettings.Transport.MX) {
            Resolution res = mx.resolve(domain, rs.port());
            switch (res) {
                case Resolution.Found f -> hops = f.hops();
                case Resolution.TemporaryFailure t -> {
                    return ids.stream().map(id -> DeliveryOutcome.deferred(id, t.reply())).toList();
                }
                case Resolution.PermanentFailure p -> {
                    return ids.stream().map(id -> DeliveryOutcome.failed(id, p.reply())).toList();
                }
            }
        } else {
            hops = List.of(new NextHop(rs.host(), rs.port(), 0));
        }
        return smtp.deliver(m, ids, hops, rs.tls(), rs.transport() == RouteSettings.Transport.LMTP);
    }
}
