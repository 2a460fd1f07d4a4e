package dev.baton.bench;

import dev.baton.org.AccessEntry;
import dev.baton.org.Directory;
import dev.baton.org.Member;
import dev.baton.org.Right;
import dev.baton.org.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The directory the rights and LDAP benchmarks measure: one server, {@code groups} groups in
 * chains {@code depth} deep (group c*depth contains c*depth+1 ... down to the leaf), every user
 * in a random chain's leaf and a quarter also partway down a second chain, an allow entry on the
 * organization for each chain's top, and optionally a deny on a virtual server every seventh
 * chain. With a seeded {@code random}, every run measures the same directory.
 */
record BenchDirectory(List<Directory.Server> servers, List<Directory.User> users, List<Directory.Group> groups,
        List<AccessEntry> entries) {

    /** @param random the benchmark's seeded source (it goes on drawing from it for its queries) */
    static BenchDirectory build(Random random, int users, int groups, int depth, boolean denies) {
        List<Directory.Server> servers = List.of(new Directory.Server("hub", "hub.example.test", null, List.of("default", "submission")));
        int chains = groups / depth;
        List<List<Member>> members = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            members.add(new ArrayList<>());
        }
        for (int c = 0; c < chains; c++) {
            for (int level = 0; level < depth - 1; level++) {
                members.get(c * depth + level).add(Member.group("g" + (c * depth + level + 1)));
            }
        }
        List<Directory.User> userList = new ArrayList<>(users);
        for (int u = 0; u < users; u++) {
            Member m = Member.user("u" + u);
            userList.add(new Directory.User("u" + u, "hub", List.of("u" + u + "@example.test"), null));
            members.get(random.nextInt(chains) * depth + depth - 1).add(m);
            if (random.nextInt(4) == 0) {
                List<Member> second = members.get(random.nextInt(chains) * depth + random.nextInt(depth));
                if (!second.contains(m)) { // an LDAP member attribute holds a value once
                    second.add(m);
                }
            }
        }
        List<Directory.Group> groupList = new ArrayList<>(groups);
        for (int g = 0; g < groups; g++) {
            groupList.add(new Directory.Group("g" + g, members.get(g)));
        }
        List<AccessEntry> entries = new ArrayList<>();
        for (int c = 0; c < chains; c++) {
            entries.add(new AccessEntry(true, Member.group("g" + c * depth), Right.values()[c % Right.values().length], Scope.ORGANIZATION));
            if (denies && c % 7 == 0) {
                entries.add(new AccessEntry(false, Member.group("g" + (c * depth + depth / 2)), Right.values()[c % Right.values().length],
                        Scope.virtualServer("hub", "default")));
            }
        }
        return new BenchDirectory(servers, userList, groupList, entries);
    }

    Directory directory() throws dev.baton.org.DirectoryException {
        return Directory.of(new Directory.Organization("Bench", List.of("example.test")), servers, users, groups, List.of(), List.of(),
                entries);
    }
}
