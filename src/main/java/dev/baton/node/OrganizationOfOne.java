package dev.baton.node;

import dev.baton.config.BatonConfig;
import dev.baton.config.VirtualServerSettings;
import dev.baton.org.AccessEntry;
import dev.baton.org.Directory;
import dev.baton.org.DirectoryException;
import dev.baton.org.Member;
import dev.baton.org.Right;
import dev.baton.org.Scope;
import java.util.List;

/**
 * The organization a {@code baton.yml} without a directory implies (docs/directory.md): one
 * server running its virtual servers, the accepted domains, and the entries that give today's
 * rules as rights: anyone may send to an accepted domain; a user who authenticated may submit;
 * a client that authenticated, or connects from a virtual server's relay network, may relay.
 */
final class OrganizationOfOne {

    private OrganizationOfOne() {
    }

    static Directory of(BatonConfig config) {
        String server = serverName(config);
        List<String> vss = config.virtualServers().stream().map(VirtualServerSettings::name).toList();
        List<AccessEntry> entries = List.of(
                new AccessEntry(true, Member.group(Directory.EVERYONE), Right.ACCEPT_AUTHORITATIVE_DOMAIN, Scope.ORGANIZATION),
                new AccessEntry(true, Member.group(Directory.AUTHENTICATED_USERS), Right.SUBMIT, Scope.ORGANIZATION),
                new AccessEntry(true, Member.group(Directory.AUTHENTICATED_USERS), Right.RELAY, Scope.ORGANIZATION),
                new AccessEntry(true, Member.group(Directory.RELAY_NETWORKS), Right.RELAY, Scope.ORGANIZATION));
        try {
            return Directory.of(new Directory.Organization(config.server().fqdn(), config.acceptedDomains()),
                    List.of(new Directory.Server(server, config.server().fqdn(), null, vss)), List.of(), List.of(), List.of(), List.of(),
                    entries);
        } catch (DirectoryException e) {
            // the configuration was checked already (unique virtual server names, an FQDN): this is a bug
            throw new IllegalStateException("the organization implied by baton.yml is inconsistent: " + e.getMessage(), e);
        }
    }

    /** The server's name in the directory: baton.yml's server.name, else its FQDN. */
    static String serverName(BatonConfig config) {
        String name = config.server().name();
        return name == null || name.isBlank() ? config.server().fqdn() : name;
    }
}
