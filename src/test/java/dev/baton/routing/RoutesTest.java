package dev.baton.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.config.RouteSettings;
import dev.baton.config.RouteSettings.TlsPolicy;
import dev.baton.config.RouteSettings.Transport;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoutesTest {

    private final RouteSettings local = RouteSettings.of("a.test", Transport.LOCAL);
    private final RouteSettings partner = new RouteSettings("*.partner.test", Transport.SMTP, "[192.0.2.10]", 2525, TlsPolicy.REQUIRED);
    private final RouteSettings any = new RouteSettings("*", Transport.MX, null, 25, TlsPolicy.OPPORTUNISTIC);
    private final Routes routes = new Routes(List.of(local, partner, any));

    @Test
    void theFirstMatchingRouteWins() {
        assertThat(routes.routeFor("a.test")).contains(local);
        assertThat(routes.routeFor("mx.partner.test")).contains(partner);
        assertThat(routes.routeFor("elsewhere.test")).contains(any);
        assertThat(new Routes(List.of(local)).routeFor("b.test")).isEmpty();
    }

    @Test
    void postmasterWithoutADomainIsDeliveredLocally() {
        assertThat(new Routes(List.of()).routeForRecipient("")).hasValueSatisfying(r -> assertThat(r.transport()).isEqualTo(Transport.LOCAL));
    }

    @Test
    void recipientsOfOneDestinationTravelTogether() {
        assertThat(Routes.destination(any, "b.test")).isEqualTo("mx:b.test");
        assertThat(Routes.destination(partner, "x.partner.test")).isEqualTo(Routes.destination(partner, "y.partner.test"))
                .isEqualTo("smtp:[192.0.2.10]:2525");
    }
}
