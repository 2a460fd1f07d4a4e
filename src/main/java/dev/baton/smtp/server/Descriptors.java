package dev.baton.smtp.server;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The process's file descriptors, as listeners see them: a new connection is accepted only
 * while a reserve stays free for the spool, the state files and outbound delivery (a tenth of
 * the limit, at least 16 and at most 1024). Counting open descriptors lists /proc/self/fd, so
 * the count is refreshed at most every 50 ms and estimated in between.
 */
final class Descriptors {

    private static final long REFRESH_NANOS = 50_000_000L;
    private static final UnixOperatingSystemMXBean UNIX;

    static {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        UNIX = os instanceof UnixOperatingSystemMXBean u ? u : null;
    }

    private static long counted;
    private static long acceptedSince;
    private static long countedAt;
    private static boolean everCounted;

    private Descriptors() {
    }

    static long max() {
        return UNIX == null ? Long.MAX_VALUE : UNIX.getMaxFileDescriptorCount();
    }

    /** Open descriptors, or -1 when they cannot be counted (counting needs a descriptor too). */
    static long open() {
        if (UNIX == null) {
            return 0;
        }
        try {
            return UNIX.getOpenFileDescriptorCount();
        } catch (InternalError | RuntimeException e) {
            return -1; // the JDK reports EMFILE of its own listing as an InternalError
        }
    }

    /** The reserve; the system property {@code baton.descriptorReserve} overrides it (0 turns it off). */
    static long reserve(long max) {
        Long fixed = Long.getLong("baton.descriptorReserve");
        return fixed != null ? Math.max(0, fixed) : Math.max(16, Math.min(1024, max / 10));
    }

    /** Called for each accepted connection: whether it may be kept without eating into the reserve. */
    static synchronized boolean reserveLeft() {
        if (UNIX == null) {
            return true;
        }
        long max = max();
        long now = System.nanoTime();
        if (!everCounted || now - countedAt >= REFRESH_NANOS || counted + acceptedSince >= max - reserve(max)) {
            long n = open();
            if (n < 0) {
                everCounted = false;
                return false; // not even one more descriptor to count them with: certainly no room
            }
            counted = n;
            countedAt = now;
            acceptedSince = 0;
            everCounted = true;
        }
        acceptedSince++;
        return counted + acceptedSince <= max - reserve(max);
    }
}
