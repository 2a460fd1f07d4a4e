package dev.baton.org;

import dev.baton.config.DirectorySettings;
import java.nio.file.Path;

/** Opens the directory store that baton.yml's {@code directory:} section names. */
public final class DirectoryStores {

    private DirectoryStores() {
    }

    /**
     * The store this server's directory is in, or empty when it has none (baton.yml names no
     * file or LDAP and {@code DIR/org.yml} does not exist: an organization of one).
     */
    public static java.util.Optional<DirectoryStore> configured(DirectorySettings settings, Path dataDir) {
        if (settings.ldap() == null && !settings.required() && !java.nio.file.Files.exists(dataDir.resolve(settings.file()))) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(open(settings, dataDir));
    }

    /**
     * The LDAP store when {@code directory.ldap} is set, else the org.yml file (relative paths
     * against the data directory, written without {@code ..} so that messages name the file a
     * person would). Opening connects to nothing: the first {@code load} or
     * {@code fingerprint} does, and says what is wrong.
     */
    public static DirectoryStore open(DirectorySettings settings, Path dataDir) {
        if (settings.ldap() != null) {
            return new LdapDirectoryStore(settings.ldap(), dataDir);
        }
        return new FileDirectoryStore(dataDir.resolve(settings.file()).normalize(), settings.poll());
    }
}
