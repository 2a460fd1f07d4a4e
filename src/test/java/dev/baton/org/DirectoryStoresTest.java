package dev.baton.org;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.config.DirectorySettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryStoresTest {

    @TempDir
    Path dir;

    @Test
    void aFileNamedUpFromTheDataDirectoryIsDescribedWithoutDotDot() throws IOException {
        Path data = Files.createDirectories(dir.resolve("mail1"));
        Files.writeString(dir.resolve("org.yml"), "");
        DirectoryStore store = DirectoryStores.configured(new DirectorySettings("../org.yml", true, Duration.ofSeconds(1)), data)
                .orElseThrow();
        assertThat(store.describe()).isEqualTo("file " + dir.resolve("org.yml"));
        assertThat(((FileDirectoryStore) store).file()).isEqualTo(dir.resolve("org.yml"));
    }

    @Test
    void noDirectorySectionAndNoOrgYmlIsAnOrganizationOfOne() {
        assertThat(DirectoryStores.configured(DirectorySettings.DEFAULT, dir)).isEmpty();
    }
}
