package dev.baton.testing;

import dev.baton.config.BatonConfig;
import dev.baton.config.ConfigException;
import dev.baton.config.ConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Configurations for tests that run whole servers. */
public final class TestConfigs {

    private TestConfigs() {
    }

    /**
     * A server on any free port, without TLS, accepting baton.test, whose Maildir root is a
     * regular file: every delivery is deferred, so accepted messages stay in the queue.
     */
    public static String keepingMessagesYaml(String maxMessageSize) {
        return """
                server: {name: t, fqdn: mx.baton.test}
                acceptedDomains: [baton.test]
                virtualServers:
                  - name: default
                    port: 0
                    tls: {mode: "off"}
                    limits: {maxMessageSize: %s}
                routes:
                  - {domain: baton.test, transport: local}
                mailboxes: {directory: blocked-mailboxes}
                """.formatted(maxMessageSize);
    }

    /** Parses {@link #keepingMessagesYaml} and creates the regular file that blocks delivery. */
    public static BatonConfig keepingMessages(Path dataDir, String maxMessageSize) {
        try {
            Files.createDirectories(dataDir);
            Files.writeString(dataDir.resolve("blocked-mailboxes"), "not a directory\n");
            return ConfigLoader.parse(keepingMessagesYaml(maxMessageSize), "test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A message with the given unique id in its Message-ID and body, padded to about size octets. */
    public static String message(String uniqueId, int size) {
        StringBuilder b = new StringBuilder(size + 200);
        b.append("From: <sender@origin.test>\r\n")
                .append("To: <user@baton.test>\r\n")
                .append("Subject: test ").append(uniqueId).append("\r\n")
                .append("Message-ID: <").append(uniqueId).append("@baton.test>\r\n")
                .append("\r\n");
        int line = 0;
        while (b.length() < size) {
            b.append(String.format("%06d ", line++)).append("x".repeat(68)).append("\r\n");
        }
        b.append("END ").append(uniqueId).append("\r\n");
        return b.toString();
    }
}
