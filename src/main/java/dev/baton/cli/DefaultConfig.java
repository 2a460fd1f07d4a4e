package dev.baton.cli;

import dev.baton.node.Problems;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The configuration {@code baton serve} writes on first start: one server, one domain, Maildir. */
final class DefaultConfig {

    static final String TEXT = """
            # Baton configuration, created by 'baton serve'. Every setting is described in
            # docs/configuration.md; anything left out takes its default.
            server:
              name: baton
              fqdn: mail.baton.test
            # Mail for these domains is accepted and delivered here.
            acceptedDomains: [baton.test]
            virtualServers:
              - name: default
                address: 127.0.0.1
                port: 2525
                tls: { mode: offered }     # STARTTLS with a self-signed certificate made on first start
                relayNetworks: []          # clients allowed to relay to other domains (none)
                protocolLog: false
            routes:
              - domain: baton.test
                transport: local           # Maildir under mailboxes/<domain>/<user>/
              # Other domains, for clients in relayNetworks (docs/configuration.md):
              # - { domain: partner.test, transport: smtp, host: relay.partner.test, tls: required }
              # - { domain: "*", transport: mx }
            mailboxes:
              directory: mailboxes
              autoCreate: true             # any user of an accepted domain gets a Maildir
            """;

    private DefaultConfig() {
    }

    static void write(Path file) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, TEXT);
        } catch (IOException e) {
            throw new UserError("cannot create " + file + ": " + Problems.describe(e) + " (choose another --data-dir)");
        }
    }
}
