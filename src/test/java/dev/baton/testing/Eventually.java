package dev.baton.testing;

import java.time.Duration;
import java.util.Optional;

/**
 * The one way tests wait: for a condition, with a deadline, polling every 10 ms. A condition
 * that is not met in time fails the test naming what was awaited (and, for assertions, with the
 * last failure as the cause). Never sleep and then check that "nothing happened": wait for a
 * signal that the thing that could have happened has had its chance (a scheduler pass, a reply).
 */
public final class Eventually {

    /** How long a test waits unless it says otherwise: generous for a loaded 2-core CI machine. */
    public static final Duration PATIENCE = Duration.ofSeconds(20);

    private static final long POLL_MILLIS = 10;

    private Eventually() {
    }

    /** A condition that may throw (it reads files, say). */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    /** Assertions that may throw. */
    @FunctionalInterface
    public interface Check {
        void run() throws Exception;
    }

    /** Something to look for; empty while it is not there. */
    @FunctionalInterface
    public interface Probe<T> {
        Optional<T> look() throws Exception;
    }

    /** Waits until the condition holds, at most {@link #PATIENCE}. */
    public static void await(String what, Condition condition) {
        await(what, PATIENCE, condition);
    }

    public static void await(String what, Duration within, Condition condition) {
        awaitValue(what, within, () -> condition.holds() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }

    /** Waits until the probe finds something and returns it. */
    public static <T> T awaitValue(String what, Duration within, Probe<T> probe) {
        long deadline = System.nanoTime() + within.toNanos();
        Exception last = null;
        while (true) {
            try {
                Optional<T> v = probe.look();
                if (v.isPresent()) {
                    return v.get();
                }
                last = null;
            } catch (Exception e) {
                last = e; // a file not there yet, say: look again
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + within.toMillis() + " ms waiting until " + what, last);
            }
            pause();
        }
    }

    /** Runs the assertions until they pass, at most {@link #PATIENCE}; then fails with the last failure. */
    public static void eventually(Check check) {
        eventually(PATIENCE, check);
    }

    public static void eventually(Duration within, Check check) {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (AssertionError | Exception e) {
                if (System.nanoTime() - deadline > 0) {
                    AssertionError fail = new AssertionError("still failing after " + within.toMillis() + " ms: " + e.getMessage(), e);
                    throw fail;
                }
            }
            pause();
        }
    }

    /** Waits until a file appears in the directory (a Maildir's new/, say) and returns one. */
    public static java.nio.file.Path fileIn(java.nio.file.Path dir) {
        return fileIn(dir, PATIENCE);
    }

    public static java.nio.file.Path fileIn(java.nio.file.Path dir, Duration within) {
        return awaitValue("a file arrives in " + dir, within, () -> {
            if (!java.nio.file.Files.isDirectory(dir)) {
                return Optional.empty();
            }
            try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.list(dir)) {
                return s.findFirst();
            }
        });
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }
}
