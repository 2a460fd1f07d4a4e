package dev.baton.delivery;

import dev.baton.config.RouteSettings;
import dev.baton.queue.DeliveryAgent;
import dev.baton.queue.DeliveryOutcome;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Chooses each recipient's transport by the routes of the configuration and delivers. */
public final class Router implements DeliveryAgent {

    private final List<RouteSettings> routes;
    private final LocalDelivery local;

    public Router(List<RouteSettings> routes, LocalDelivery local) {
        this.routes = List.copyOf(routes);
        this.local = local;
    }

    public Optional<RouteSettings> routeFor(String domain) {
        return routes.stream().filter(r -> r.matches(domain)).findFirst();
    }

    @Override
    public List<DeliveryOutcome> deliver(QueuedMessage m, List<Integer> recipients) {
        List<DeliveryOutcome> out = new ArrayList<>(recipients.size());
        for (int i : recipients) {
            Recipient r = m.envelope().recipients().get(i);
            if (r.domain().isEmpty()) {
                // <postmaster> without a domain (RFC 5321 4.5.1) is accepted for the local
                // postmaster; no route names the empty domain, so without this it waits forever
                out.add(local.deliver(m, i));
                continue;
            }
            Optional<RouteSettings> route = routeFor(r.domain());
            if (route.isEmpty()) {
                // the routes changed since the message was accepted: keep it until they cover it again
                out.add(DeliveryOutcome.deferred(i, "451 4.4.0 no route for domain " + r.domain() + " in the configuration"));
                continue;
            }
            out.add(switch (route.get().transport()) {
                case DISCARD -> DeliveryOutcome.delivered(i, "250 2.0.0 discarded by route " + route.get().domain());
                case LOCAL -> local.deliver(m, i);
                case SMTP, MX, LMTP -> DeliveryOutcome.deferred(i, "451 4.3.0 transport " + route.get().transport()
                        + " is being wired in (issue 3)");
            });
        }
        return out;
    }
}
