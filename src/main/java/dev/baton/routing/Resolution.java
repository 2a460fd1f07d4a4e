package dev.baton.routing;

import dev.baton.queue.DeliveryReply;
import java.util.List;
import java.util.Objects;

/**
 * What {@link MxResolver#resolve} found for a domain: next hops to try in order, a temporary
 * failure (defer and retry later), or a permanent one (fail the recipients). The failures carry
 * the reply a mail administrator reads in the queue and the DSN, e.g.
 * {@code 451 4.4.3 DNS lookup of example.com failed: SERVFAIL} ({@code DeliveryText.DNS_FAILED}).
 */
public sealed interface Resolution {

    /** The next hops in the order to try them; never empty, each with at least one address. */
    record Found(List<NextHop> hops) implements Resolution {
        public Found {
            hops = List.copyOf(hops);
            if (hops.isEmpty()) {
                throw new IllegalArgumentException("no next hops");
            }
        }
    }

    /** DNS could not answer now (SERVFAIL, timeout, network error, no MX host resolved): defer. */
    record TemporaryFailure(DeliveryReply reply) implements Resolution {
        public TemporaryFailure {
            Objects.requireNonNull(reply, "reply");
        }
    }

    /** The domain cannot receive mail (does not exist, null MX, no address at all): fail. */
    record PermanentFailure(DeliveryReply reply) implements Resolution {
        public PermanentFailure {
            Objects.requireNonNull(reply, "reply");
        }
    }
}
