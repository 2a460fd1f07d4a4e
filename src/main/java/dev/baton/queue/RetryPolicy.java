package dev.baton.queue;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When deferred recipients are tried again: the first retry after {@code first}, doubling up to
 * {@code max}, each with up to 10 % jitter so that retries of many messages do not stampede;
 * a message older than {@code lifetime} fails; after {@code delayWarning} (zero: never) its
 * sender is told it is delayed.
 */
public record RetryPolicy(Duration first, Duration max, Duration lifetime, Duration delayWarning) {

    public static final RetryPolicy DEFAULT = new RetryPolicy(Duration.ofMinutes(5), Duration.ofHours(1),
            Duration.ofDays(5), Duration.ofHours(4));

    /** The delay before attempt number {@code attempts + 1}, without jitter. */
    public Duration backoff(int attempts) {
        Duration d = first;
        for (int i = 1; i < attempts && d.compareTo(max) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(max) > 0 ? max : d;
    }

    /** {@link #backoff} with up to 10 % added at random. */
    public Duration jittered(int attempts) {
        Duration d = backoff(attempts);
        long extra = d.toMillis() / 10;
        return extra <= 0 ? d : d.plusMillis(ThreadLocalRandom.current().nextLong(extra + 1));
    }
}
