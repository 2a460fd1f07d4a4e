package dev.baton.queue;

import java.security.SecureRandom;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/** Queue ids: sortable by arrival (milliseconds, base 36), then a counter with a random start. */
public final class QueueId {

    private static final AtomicLong COUNTER = new AtomicLong(new SecureRandom().nextLong() & 0xffffffL);

    private QueueId() {
    }

    /** A new id; its time part comes from the given clock (the spool's). */
    public static String next(java.time.Clock clock) {
        String time = Long.toString(clock.millis(), 36).toUpperCase(Locale.ROOT);
        long c = COUNTER.getAndIncrement() & 0x3fffffffL;
        String count = Long.toString(c, 36).toUpperCase(Locale.ROOT);
        return time + "0".repeat(Math.max(0, 6 - count.length())) + count;
    }

    /** True for names the spool may have created; anything else in the spool is not ours. */
    public static boolean looksValid(String s) {
        return s.length() >= 8 && s.length() <= 32 && s.chars().allMatch(ch -> ch >= '0' && ch <= '9' || ch >= 'A' && ch <= 'Z');
    }
}
