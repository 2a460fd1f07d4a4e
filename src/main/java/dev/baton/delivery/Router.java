package dev.baton.delivery;

import dev.baton.config.RouteSettings;
import dev.baton.queue.DeliveryAgent;
import dev.baton.queue.DeliveryOutcome;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import dev.baton.routing.MxResolver;
import dev.baton.routing.NextHop;
import dev.baton.routing.Resolution;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses each recipient's transport by the routes of the configuration and delivers:
 * recipients that share a route and a domain go together in one SMTP or LMTP transaction.
 */
public final class Router implements DeliveryAgent {

    private final List<RouteSettings> routes;
    private final LocalDelivery local;
    private final SmtpTransport smtp;
    private final MxResolver mx;
    private final Destinations destinations;

    /**
     * @param smtp              and mx may be null where no route needs them (local and discard only)
     * @param maxPerDestination the most connections at once to one destination
     */
    public Router(List<RouteSettings> routes, LocalDelivery local, SmtpTransport smtp, MxResolver mx, int maxPerDestination) {
        this.routes = List.copyOf(routes);
        this.local = local;
        this.smtp = smtp;
        this.mx = mx;
        this.destinations = new Destinations(maxPerDestination, java.time.Clock.systemUTC());
    }

    public Router(List<RouteSettings> routes, LocalDelivery local) {
        this(routes, local, null, null, Destinations.INITIAL);
    }

    public Optional<RouteSettings> routeFor(String domain) {
        return routes.stream().filter(r -> r.matches(domain)).findFirst();
    }

    @Override
    public List<DeliveryOutcome> deliver(QueuedMessage m, List<Integer> recipients) {
        DeliveryOutcome[] out = new DeliveryOutcome[m.envelope().recipients().size()];
        Map<String, List<Integer>> remote = new LinkedHashMap<>();
        Map<String, RouteSettings> remoteRoute = new LinkedHashMap<>();
        for (int i : recipients) {
            Recipient r = m.envelope().recipients().get(i);
            // <postmaster> without a domain (RFC 5321 4.5.1) is this server's own postmaster
            Optional<RouteSettings> route = r.domain().isEmpty()
                    ? Optional.of(RouteSettings.of("", RouteSettings.Transport.LOCAL)) : routeFor(r.domain());
            if (route.isEmpty()) {
                // the routes changed since the message was accepted: keep it until they cover it again
                out[i] = DeliveryOutcome.deferred(i, "451 4.4.0 no route for domain " + r.domain() + " in the configuration");
                continue;
            }
            RouteSettings rs = route.get();
            switch (rs.transport()) {
                case DISCARD -> out[i] = DeliveryOutcome.delivered(i, "250 2.0.0 discarded by route " + rs.domain());
                case LOCAL -> out[i] = local.deliver(m, i);
                case SMTP, LMTP, MX -> {
                    String key = rs.transport() == RouteSettings.Transport.MX ? "mx:" + r.domain()
                            : rs.transport().name().toLowerCase(java.util.Locale.ROOT) + ":" + rs.host() + ":" + rs.port();
                    remote.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
                    remoteRoute.put(key, rs);
                }
            }
        }
        for (Map.Entry<String, List<Integer>> e : remote.entrySet()) {
            RouteSettings rs = remoteRoute.get(e.getKey());
            String destination = e.getKey();
            Destinations.Refusal refusal = destinations.acquire(destination);
            if (refusal instanceof Destinations.Busy busy) {
                e.getValue().forEach(i -> out[i] = DeliveryOutcome.postponed(i, busy.reason()));
                continue;
            }
            if (refusal instanceof Destinations.Dead dead) {
                e.getValue().forEach(i -> out[i] = DeliveryOutcome.deferred(i, dead.reason()));
                continue;
            }
            List<DeliveryOutcome> outcomes = List.of();
            try {
                outcomes = deliverRemote(m, e.getValue(), rs, r(m, e.getValue().get(0)).domain());
            } finally {
                destinations.release(destination, answered(outcomes), outcomes.isEmpty() ? "(none)" : outcomes.get(0).reply());
            }
            for (DeliveryOutcome o : outcomes) {
                out[o.index()] = o;
            }
        }
        List<DeliveryOutcome> result = new ArrayList<>(recipients.size());
        for (int i : recipients) {
            result.add(out[i]);
        }
        return result;
    }

    private static Recipient r(QueuedMessage m, int index) {
        return m.envelope().recipients().get(index);
    }

    /**
     * Whether the destination took part: some recipient got a final answer, or a deferral is
     * the peer's own reply to a command ("451 ... (peer, in reply to RCPT TO)"). Deferrals the
     * transport wrote itself (nobody listening, a 421 greeting, a broken session) start with the
     * peer's name instead, and count against the destination.
     */
    static boolean answered(List<DeliveryOutcome> outcomes) {
        for (DeliveryOutcome o : outcomes) {
            if (o.kind() != DeliveryOutcome.Kind.DEFERRED) {
                return true;
            }
            String reply = o.reply();
            if (reply != null && !reply.isEmpty() && Character.isDigit(reply.charAt(0)) && reply.contains(", in reply to ")) {
                return true;
            }
        }
        return false;
    }

    private List<DeliveryOutcome> deliverRemote(QueuedMessage m, List<Integer> indexes, RouteSettings rs, String domain) {
        if (smtp == null) {
            return indexes.stream().map(i -> DeliveryOutcome.deferred(i, "451 4.3.0 outbound delivery is not set up on this server")).toList();
        }
        List<NextHop> hops;
        if (rs.transport() == RouteSettings.Transport.MX) {
            Resolution res = mx.resolve(domain, rs.port());
            switch (res) {
                case Resolution.Found f -> hops = f.hops();
                case Resolution.TemporaryFailure t -> {
                    return indexes.stream().map(i -> DeliveryOutcome.deferred(i, t.reply())).toList();
                }
                case Resolution.PermanentFailure p -> {
                    return indexes.stream().map(i -> DeliveryOutcome.failed(i, p.reply())).toList();
                }
            }
        } else {
            hops = List.of(new NextHop(rs.host(), rs.port(), 0));
        }
        return smtp.deliver(m, indexes, hops, rs.tls(), rs.transport() == RouteSettings.Transport.LMTP);
    }
}
