package dev.baton.config;

import java.time.Duration;

/**
 * Where this server finds its organization's directory (docs/directory.md): an org.yml file, or
 * LDAP when {@code ldap} is set (the two are exclusive).
 *
 * @param file     the org.yml file, relative to the data directory
 * @param required whether baton.yml named the file (then it must exist); otherwise the file is
 *                 used when it exists and the server is an organization of one when it does not
 * @param poll     how often a running server looks for a change
 * @param ldap     the LDAP directory, or null for the file
 */
public record DirectorySettings(String file, boolean required, Duration poll, LdapSettings ldap) {

    /** No {@code directory:} section: {@code DIR/org.yml} when it exists, looked at every second. */
    public static final DirectorySettings DEFAULT = new DirectorySettings("org.yml", false, Duration.ofSeconds(1));

    /** The file backend. */
    public DirectorySettings(String file, boolean required, Duration poll) {
        this(file, required, poll, null);
    }

    /** The LDAP backend: the directory is required (a server configured for LDAP does not fall back to one of its own). */
    public static DirectorySettings ldap(LdapSettings ldap) {
        return new DirectorySettings(null, true, ldap.poll(), ldap);
    }
}
