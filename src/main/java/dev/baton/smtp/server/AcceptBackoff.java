package dev.baton.smtp.server;

import java.io.IOException;
import org.slf4j.Logger;

/**
 * What the accept loop does when accepting fails (out of file descriptors, EMFILE or ENFILE;
 * out of buffers): it waits before the next try, twice as long each time up to a second, and
 * logs once per interval with a count instead of once per failure. The sessions it has keep
 * running; when descriptors free up, accepting resumes and says so. Each kind of report
 * (failures, refusals to keep the reserve, recovery) is written at most once per interval,
 * however the failures and successes alternate near the limit.
 */
final class AcceptBackoff {

    static final long FIRST_DELAY_MILLIS = 5;
    static final long MAX_DELAY_MILLIS = 1000;
    static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final String server;
    private final Logger log;
    private long delayMillis = FIRST_DELAY_MILLIS;
    /** Failures since the last success. */
    private long failuresInRow;
    private final Report failures = new Report();
    private final Report refusals = new Report();
    private final Report recoveries = new Report();

    /** A count and when it was last written. */
    private static final class Report {
        long count;
        long lastNanos;
        boolean ever;

        /** Counts one; true when the interval has passed and the report is due (the caller writes it, then {@link #written()}). */
        boolean due(long now) {
            count++;
            return !ever || now - lastNanos >= LOG_INTERVAL_NANOS;
        }

        void written(long now) {
            count = 0;
            lastNanos = now;
            ever = true;
        }
    }

    AcceptBackoff(String server, Logger log) {
        this.server = server;
        this.log = log;
    }

    /**
     * An accept failed: reports when due, and sleeps.
     *
     * @return false when interrupted (the listener is closing)
     */
    boolean failed(IOException e) {
        failuresInRow++;
        long now = System.nanoTime();
        if (failures.due(now)) {
            log.warn("virtual server {}: accept failed {} time(s) since the last report: {}; waiting up to {} ms between"
                    + " tries, open connections keep being served", server, failures.count, e.getMessage(), MAX_DELAY_MILLIS);
            failures.written(now);
        }
        try {
            Thread.sleep(delayMillis);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return false;
        }
        delayMillis = Math.min(MAX_DELAY_MILLIS, delayMillis * 2);
        return true;
    }

    /** A connection was accepted: the next failure starts the wait afresh. */
    void succeeded() {
        if (failuresInRow > 0) {
            long now = System.nanoTime();
            if (recoveries.due(now)) {
                log.info("virtual server {}: accepting connections again ({} recovery(ies) since the last report)", server,
                        recoveries.count);
                recoveries.written(now);
            }
            failuresInRow = 0;
            delayMillis = FIRST_DELAY_MILLIS;
        }
    }

    /** A connection was accepted but refused to keep the descriptor reserve. */
    void refusedForReserve() {
        long now = System.nanoTime();
        if (refusals.due(now)) {
            long open = Descriptors.open();
            log.warn("virtual server {}: refused {} connection(s) with 421 since the last report: file descriptors are"
                    + " near the process limit ({} open of {}); the rest are kept for the spool and delivery", server,
                    refusals.count, open < 0 ? "all" : open, Descriptors.max());
            refusals.written(now);
        }
    }
}
