package dev.baton.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Baton command ({@code serve}, {@code demo}, ...) in a JVM of its own, on the test class path:
 * for what needs a process (its own krb5.conf, ADR 0018; signals; the first-run configuration).
 * Its standard output and error go to {@code out.log} and {@code err.log} in the given folder.
 * {@link #close()} stops it with SIGTERM, then kills it if it is not gone in 20 seconds: only this
 * child, by its handle.
 */
public final class ChildBaton implements AutoCloseable {

    private final Process process;
    private final Path out;
    private final Path err;

    private ChildBaton(Process process, Path out, Path err) {
        this.process = process;
        this.out = out;
        this.err = err;
    }

    /**
     * Starts {@code baton ARGS...}.
     *
     * @param logs  the folder for out.log and err.log (made if missing)
     * @param heap  the child's -Xmx, e.g. "256m", or null for the JVM's default
     */
    public static ChildBaton start(Path logs, String heap, String... args) throws IOException {
        Files.createDirectories(logs);
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        if (heap != null) {
            command.add("-Xmx" + heap);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.baton.cli.Baton"));
        command.addAll(List.of(args));
        Path out = logs.resolve("out.log");
        Path err = logs.resolve("err.log");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new ChildBaton(p, out, err);
    }

    /** What it printed so far, standard output then standard error. */
    public String output() {
        try {
            return (Files.exists(out) ? Files.readString(out) : "") + (Files.exists(err) ? Files.readString(err) : "");
        } catch (IOException e) {
            return "(its output could not be read: " + e + ")";
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
