package dev.baton.routing;

import dev.baton.config.RouteSettings;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which route mail for a domain takes: the configured routes in order, the first match wins.
 * Both sides ask here: the receive side (is there a route for this recipient at all?) and
 * delivery (where does it go, and with which others can it travel?).
 */
public final class Routes {

    private static final RouteSettings LOCAL_POSTMASTER = RouteSettings.of("", RouteSettings.Transport.LOCAL);

    private volatile List<RouteSettings> routes;

    public Routes(List<RouteSettings> routes) {
        this.routes = List.copyOf(routes);
    }

    /**
     * Puts other routes in place (the organization's accepted domains changed, the configuration
     * was read again). A lookup sees the old routes or the new ones, never a mix; mail already
     * queued takes the new ones at its next attempt.
     */
    public void replace(List<RouteSettings> routes) {
        this.routes = List.copyOf(routes);
    }

    /** The routes in force, in order. */
    public List<RouteSettings> all() {
        return routes;
    }

    /** The first route that matches the domain, or empty when none does. */
    public Optional<RouteSettings> routeFor(String domain) {
        for (RouteSettings r : routes) {
            if (r.matches(domain)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /**
     * The first route that matches the domain and takes the recipient: an {@code organization}
     * route takes only the users the directory knows (ADR 0020), others fall to the next route.
     */
    public Optional<RouteSettings> routeFor(String domain, java.util.function.Predicate<RouteSettings> takes) {
        for (RouteSettings r : routes) {
            if (r.matches(domain) && takes.test(r)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /**
     * The route of a recipient by its domain (lower case); {@code <postmaster>} without a
     * domain (RFC 5321 4.5.1) is this server's own postmaster, delivered locally.
     */
    public Optional<RouteSettings> routeForRecipient(String domain) {
        return domain.isEmpty() ? Optional.of(LOCAL_POSTMASTER) : routeFor(domain);
    }

    /**
     * The destination of a remote route for a domain: recipients with the same destination go
     * in one transaction, and per-destination concurrency and the dead list are kept by it.
     * "mx:example.test" for MX routes, "smtp:host:port" or "lmtp:host:port" for a fixed next hop.
     */
    public static String destination(RouteSettings route, String domain) {
        if (route.transport() == RouteSettings.Transport.MX) {
            return "mx:" + domain;
        }
        return route.transport().name().toLowerCase(Locale.ROOT) + ":" + route.host() + ":" + route.port();
    }
}
