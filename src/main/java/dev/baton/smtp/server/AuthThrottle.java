package dev.baton.smtp.server;

import dev.baton.config.VirtualServerSettings.FailureLimits;
import java.net.InetAddress;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed authentication attempts per client address, over all sessions of a virtual server: a
 * client with {@link FailureLimits#perClient()} failures within {@link FailureLimits#window()} is
 * refused, a correct password too, until a whole window has passed since the failure that
 * reached the limit. Memory is bounded: past {@link #MAX_CLIENTS} addresses the ones whose window
 * is over are forgotten, then, if still too many, every one that is not blocked.
 */
final class AuthThrottle {

    static final int MAX_CLIENTS = 100_000;

    private record Count(long windowStart, int failures, long blockedUntil) {
    }

    private final FailureLimits limits;
    private final Clock clock;
    private final long window;
    private final ConcurrentHashMap<InetAddress, Count> clients = new ConcurrentHashMap<>();

    AuthThrottle(FailureLimits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
        this.window = limits.window().toMillis();
    }

    /** The time until which the client is refused, or 0 when it is not. */
    long blockedUntil(InetAddress client) {
        Count c = clients.get(client);
        return c != null && c.blockedUntil > clock.millis() ? c.blockedUntil : 0;
    }

    /**
     * Counts one failure of the client; returns the time until which it is now blocked when this
     * failure reached the limit, else 0.
     */
    long failed(InetAddress client) {
        long now = clock.millis();
        if (clients.size() >= MAX_CLIENTS) {
            forgetOld(now);
        }
        long[] newlyBlocked = {0};
        clients.compute(client, (k, old) -> {
            if (old == null || now - old.windowStart >= window && old.blockedUntil <= now) {
                old = new Count(now, 0, 0);
            }
            int n = old.failures + 1;
            long blocked = old.blockedUntil;
            if (n >= limits.perClient() && blocked <= now) {
                blocked = now + window;
                newlyBlocked[0] = blocked;
            }
            return new Count(old.windowStart, n, blocked);
        });
        return newlyBlocked[0];
    }

    private void forgetOld(long now) {
        clients.entrySet().removeIf(e -> now - e.getValue().windowStart >= window && e.getValue().blockedUntil <= now);
        if (clients.size() >= MAX_CLIENTS) {
            clients.entrySet().removeIf(e -> e.getValue().blockedUntil <= now);
        }
    }
}
