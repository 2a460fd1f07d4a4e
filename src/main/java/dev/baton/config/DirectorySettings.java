package dev.baton.config;

import java.time.Duration;

/**
 * Where this server finds its organization's directory (docs/directory.md).
 *
 * @param file     the org.yml file, relative to the data directory
 * @param required whether baton.yml named the file (then it must exist); otherwise the file is
 *                 used when it exists and the server is an organization of one when it does not
 * @param poll     how often a running server looks for a change
 */
public record DirectorySettings(String file, boolean required, Duration poll) {

    /** No {@code directory:} section: {@code DIR/org.yml} when it exists, looked at every second. */
    public static final DirectorySettings DEFAULT = new DirectorySettings("org.yml", false, Duration.ofSeconds(1));
}
