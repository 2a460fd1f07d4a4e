package dev.baton.org;

import java.io.IOException;
import java.time.Duration;

/**
 * Where an organization's directory lives: the embedded file {@code org.yml}
 * ({@link FileDirectoryStore}, the default) or LDAP. Every server of the organization reads
 * the same one; a running server polls {@link #fingerprint()} every {@link #pollInterval()} and
 * loads again when it changed, keeping its last good directory when the new one is refused.
 * {@code baton org}'s editing commands go through {@link #apply}, so a change is checked whole
 * before it is stored, whichever backend holds it.
 */
public interface DirectoryStore extends AutoCloseable {

    /** What to call it in messages and events: {@code file /srv/baton/org.yml}, {@code ldap://host:389/ou=baton,dc=example}. */
    String describe();

    /**
     * Reads the whole directory and checks it.
     *
     * @throws IOException when it cannot be read (the file is missing, the LDAP server does not answer)
     * @throws DirectoryException when what it holds is inconsistent or malformed, naming where
     */
    Directory load() throws IOException, DirectoryException;

    /**
     * Something cheap to compute that changes whenever the stored directory may have changed
     * (a file's digest; an LDAP server's change stamps). Equal fingerprints mean there is no need
     * to load again.
     */
    String fingerprint() throws IOException;

    /** How often a running server asks for the fingerprint. */
    Duration pollInterval();

    /**
     * Stores {@code next} in place of {@code current}: the file is rewritten whole (atomically),
     * LDAP gets the difference. {@code current} is what {@link #load} returned before the change,
     * or null for an empty store (seeding).
     *
     * @throws DirectoryException when the store refuses it (another change came in between)
     */
    void store(Directory current, Directory next) throws IOException, DirectoryException;

    /**
     * Loads, applies the change, checks the result whole and stores it.
     *
     * @return the directory after the change
     * @throws DirectoryException when the change is refused (it names what it would break)
     */
    default Directory apply(DirectoryChange change) throws IOException, DirectoryException {
        Directory current = load();
        Directory next = change.applyTo(current);
        store(current, next);
        return next;
    }

    @Override
    default void close() throws IOException {
    }
}
