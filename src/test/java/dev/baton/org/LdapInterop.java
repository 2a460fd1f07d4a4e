package dev.baton.org;

import dev.baton.config.LdapSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * interop/ldap.sh's way into the LDAP backend while {@code baton org} reads only files: seeds a
 * real LDAP server with an organization, exports what Baton loads from it as org.yml (for
 * {@code baton org explain}), prints the fingerprint, and compares every decision of the rights
 * table between the server and a file.
 * <pre>
 * LdapInterop contract FILE   write DirectoryStoreContract.ORGANIZATION to FILE
 * LdapInterop COMMAND URL BIND_DN PASSWORD_FILE BASE_DN [FILE]
 *   seed FILE        store FILE (org.yml) into an empty subtree
 *   export FILE      load, write it as org.yml to FILE
 *   fingerprint      print the fingerprint
 *   add-group NAME   add an empty group, as baton org would
 *   decisions FILE   every principal x right x object: the same decision from LDAP and from FILE?
 * </pre>
 * {@code -Dbaton.ldap.changeAttribute=entryCSN} sets the fingerprint's change stamp. Exit status
 * 0 on success, 1 when the decisions differ or a step fails.
 */
public final class LdapInterop {

    private LdapInterop() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("contract")) {
            Files.writeString(Path.of(args[1]), DirectoryStoreContract.ORGANIZATION, StandardCharsets.UTF_8);
            return;
        }
        if (args.length < 5) {
            System.err.println("usage: LdapInterop seed|export|fingerprint|decisions URL BIND_DN PASSWORD_FILE BASE_DN [FILE]");
            System.exit(2);
        }
        Path password = Path.of(args[3]).toAbsolutePath();
        LdapSettings settings = LdapSettings.of(args[1], args[2], password.toString(), args[4])
                .withChangeAttribute(System.getProperty("baton.ldap.changeAttribute", LdapSettings.DEFAULT_CHANGE_ATTRIBUTE));
        try (LdapDirectoryStore store = new LdapDirectoryStore(settings, password.getParent())) {
            switch (args[0]) {
                case "seed" -> {
                    store.store(null, OrgFile.load(Path.of(args[5])));
                    System.out.println("seeded " + store.describe());
                }
                case "export" -> {
                    Directory d = store.load();
                    Files.writeString(Path.of(args[5]), OrgFile.format(d), StandardCharsets.UTF_8);
                    System.out.println(d.summary());
                }
                case "fingerprint" -> System.out.println(store.fingerprint());
                case "add-group" -> System.out.println(store.apply(new DirectoryChange.AddGroup(args[5], List.of())).summary());
                case "decisions" -> System.exit(compare(store.load(), OrgFile.load(Path.of(args[5]))));
                default -> {
                    System.err.println("unknown command " + args[0]);
                    System.exit(2);
                }
            }
        } catch (Exception e) {
            System.err.println("LdapInterop " + args[0] + ": " + e.getMessage());
            System.exit(1);
        }
    }

    private static int compare(Directory ldap, Directory file) {
        Rights a = new Rights(ldap);
        Rights b = new Rights(file);
        List<Member> who = new ArrayList<>(List.of(Member.ANONYMOUS, Member.user("nobody")));
        file.servers().keySet().forEach(n -> who.add(Member.server(n)));
        file.users().keySet().forEach(n -> who.add(Member.user(n)));
        List<Scope> on = new ArrayList<>(List.of(Scope.ORGANIZATION));
        file.servers().values().forEach(s -> {
            on.add(Scope.server(s.name()));
            s.virtualServers().forEach(v -> on.add(Scope.virtualServer(s.name(), v)));
        });
        int questions = 0;
        int differ = 0;
        for (Member m : who) {
            for (Right r : Right.values()) {
                for (Scope s : on) {
                    questions++;
                    boolean x = a.allowed(m, r, s);
                    if (x != b.allowed(m, r, s)) {
                        differ++;
                        System.out.println("differs: " + r.wireName() + " for " + m + " on " + s + ": LDAP " + x);
                    }
                }
            }
        }
        System.out.println(questions + " decisions, " + differ + " differ; directories " + (ldap.equals(file) ? "equal" : "NOT equal"));
        return differ == 0 && ldap.equals(file) ? 0 : 1;
    }
}
