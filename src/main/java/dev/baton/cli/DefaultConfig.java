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
            # The organization (accepted domains, servers, users, groups, rights) is in org.yml
            # beside this file: see docs/directory.md and 'baton org show'.
            server:
              name: baton                  # this server's name in the organization's directory
              fqdn: mail.baton.test
            virtualServers:
              - name: default
                address: 127.0.0.1
                port: 2525
                tls: { mode: offered }     # STARTTLS with a self-signed certificate made on first start
                relayNetworks: []          # clients allowed to relay to other domains (none)
                protocolLog: false
              # Submission for users' mail programs: STARTTLS then AUTH (RFC 6409, port 587), and
              # TLS from the first octet then AUTH (RFC 8314, port 465); here on ports a non-root
              # user may open. A virtual server added here also goes in org.yml's virtualServers.
              - name: submission
                address: 127.0.0.1
                port: 2587
                tls: { mode: required }    # 530 until STARTTLS
                authentication: { anonymous: false }   # 530 until AUTH (users in org.yml)
              - name: submissions
                address: 127.0.0.1
                port: 2465
                tls: { mode: implicit }
                authentication: { anonymous: false }
            # The organization's accepted domains are delivered here (Maildir under
            # mailboxes/<domain>/<user>/). Other domains, for clients in relayNetworks
            # (docs/configuration.md):
            routes: []
              # - { domain: partner.test, transport: smtp, host: relay.partner.test, tls: required }
              # - { domain: "*", transport: mx }
            mailboxes:
              directory: mailboxes
              autoCreate: true             # any user of an accepted domain gets a Maildir
            """;

    /** The directory created with the data directory: an organization of one server, with today's rules as entries. */
    static final String ORGANIZATION = """
            # The organization's directory (docs/directory.md): every server of the organization
            # reads one. Change it with 'baton org' or by hand; a running server picks up a good
            # change within a second and keeps the last good directory when a change is refused.
            organization: { name: "baton.test", acceptedDomains: ["baton.test"] }
            realm: "BATON.TEST"
            servers:
              - { name: "baton", fqdn: "mail.baton.test", virtualServers: ["default", "submission", "submissions"] }
            rights:
              # anyone may send to the accepted domains
              - { allow: accept-authoritative-domain, to: "group:everyone", on: "organization" }
              # users who authenticated may submit mail (as their own addresses: accept-any-sender lifts that)
              - { allow: submit, to: "group:authenticated-users", on: "organization" }
              # clients that authenticated, or connect from a virtual server's relayNetworks, may relay
              - { allow: relay, to: "group:authenticated-users", on: "organization" }
              - { allow: relay, to: "group:relay-networks", on: "organization" }
            """;

    private DefaultConfig() {
    }

    /** Writes baton.yml and, beside it when there is none, org.yml. */
    static void write(Path file) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, TEXT);
            Path org = file.resolveSibling("org.yml");
            if (!Files.exists(org)) {
                Files.writeString(org, ORGANIZATION);
            }
        } catch (IOException e) {
            throw new UserError("cannot create " + file + ": " + Problems.describe(e) + " (choose another --data-dir)");
        }
    }
}
