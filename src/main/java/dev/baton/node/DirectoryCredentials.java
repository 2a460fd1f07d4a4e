package dev.baton.node;

import dev.baton.auth.Credentials;
import dev.baton.org.Directory;
import dev.baton.org.ScramCredential;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The basic mechanisms' passwords from the directory in force: a user logs in with the name the
 * directory gives them or with any of their addresses; each attempt reads the snapshot of that
 * moment, so a password changed with {@code baton org password} counts from the next poll.
 */
final class DirectoryCredentials implements Credentials {

    private final Supplier<Directory> directory;

    DirectoryCredentials(Supplier<Directory> directory) {
        this.directory = directory;
    }

    @Override
    public Account account(String login) {
        Directory d = directory.get();
        String key = login.toLowerCase(Locale.ROOT);
        Directory.User u = d.users().get(key);
        if (u == null && key.indexOf('@') > 0) {
            u = d.userByAddress(key);
        }
        return u == null ? null : new Account(u.name(), u.passwordHash(), ScramCredential.parse(u.scram()));
    }
}
