package dev.baton.org;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The parts of a snapshot, for a {@link DirectoryChange} to change and check again. */
final class DirectoryParts {

    Directory.Organization organization;
    final Map<String, Directory.Server> servers;
    final Map<String, Directory.User> users;
    final Map<String, Directory.Group> groups;
    final Map<String, Directory.DistributionGroup> distributionGroups;
    final Map<String, Directory.Connector> connectors;
    final List<AccessEntry> entries;

    DirectoryParts(Directory d) {
        organization = d.organization();
        servers = new LinkedHashMap<>(d.servers());
        users = new LinkedHashMap<>(d.users());
        groups = new LinkedHashMap<>(d.groups());
        distributionGroups = new LinkedHashMap<>(d.distributionGroups());
        connectors = new LinkedHashMap<>(d.connectors());
        entries = new ArrayList<>(d.definedEntries());
    }

    /** Takes a removed object out of every group and entry that names it. */
    void forget(Member m) {
        groups.replaceAll((n, g) -> new Directory.Group(n, g.members().stream().filter(x -> !x.equals(m)).toList()));
        distributionGroups.replaceAll((n, g) -> new Directory.DistributionGroup(n, g.address(),
                g.members().stream().filter(x -> !x.equals(m)).toList(), m.equals(g.owner()) ? null : g.owner(),
                g.allowedSenders().stream().filter(x -> !x.equals(m)).toList(), g.hiddenMembership(), g.reports()));
        entries.removeIf(e -> e.trustee().equals(m));
    }

    Directory build() throws DirectoryException {
        return Directory.of(organization, List.copyOf(servers.values()), List.copyOf(users.values()), List.copyOf(groups.values()),
                List.copyOf(distributionGroups.values()), List.copyOf(connectors.values()), entries);
    }
}
