package dev.baton.org;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The org.yml backend: the shared contract, and what is particular to a file. */
class FileDirectoryStoreTest extends DirectoryStoreContract {

    @TempDir
    Path dir;

    @Override
    protected DirectoryStore emptyStore() {
        return new FileDirectoryStore(dir.resolve("org.yml"));
    }

    @Test
    void aChangeKeepsThePreviousFileBesideIt() throws Exception {
        String before = Files.readString(dir.resolve("org.yml"));
        store.apply(new DirectoryChange.AddGroup("new", java.util.List.of()));
        assertThat(Files.readString(dir.resolve("org.yml~"))).isEqualTo(before);
        assertThat(Files.readString(dir.resolve("org.yml"))).contains("{ name: \"new\", members: [] }");
        assertThat(dir.resolve("org.yml.tmp")).doesNotExist();
    }

    @Test
    void theWrittenFileReadsBackAsTheSameDirectoryAndIsStableWhenWrittenAgain() throws Exception {
        String text = OrgFile.format(store.load());
        assertThat(OrgFile.format(OrgFile.parse(text, "again"))).isEqualTo(text);
        assertThat(text).as("principals the realm gives are left out").doesNotContain("hub.example.test@");
    }

    @Test
    void aChangeMadeWhileAnotherWasBeingPreparedIsRefused() throws Exception {
        Directory read = store.load();
        store.apply(new DirectoryChange.AddGroup("first", java.util.List.of()));
        Directory second = new DirectoryChange.AddGroup("second", java.util.List.of()).applyTo(read);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.store(read, second))
                .hasMessageContaining("changed while this change was being made");
        assertThat(store.load().groups()).containsKey("first").doesNotContainKey("second");
    }

    @Test
    void aDirectoryLargerThanTheYamlReadersDefaultLimitLoads() throws Exception {
        java.util.List<Directory.User> users = new java.util.ArrayList<>();
        for (int i = 0; i < 40_000; i++) {
            users.add(new Directory.User("user" + i, "hub", java.util.List.of("user" + i + "@example.test",
                    "alias.of.user.number" + i + "@example.test"), null));
        }
        Directory big = new DirectoryChange.AddGroup("g", java.util.List.of()).applyTo(Directory.of(
                store.load().organization(), java.util.List.copyOf(store.load().servers().values()), users, java.util.List.of(),
                java.util.List.of(), java.util.List.of(), java.util.List.of()));
        store.store(null, big);
        assertThat(Files.size(dir.resolve("org.yml"))).as("over SnakeYAML's default 3 MiB").isGreaterThan(3L << 20);
        assertThat(store.load().users()).hasSize(40_000);
    }
}
