package dev.baton.org;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.schema.Schema;
import dev.baton.config.LdapSettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * An UnboundID in-memory LDAP server on a free loopback port, with the standard schema and
 * Baton's (read from the same {@code ldap/baton.ldif} that OpenLDAP gets), the suffix
 * {@code dc=example,dc=test}, and a bind DN whose password is in a file of mode 600.
 */
public final class LdapTestServer implements AutoCloseable {

    public static final String SUFFIX = "dc=example,dc=test";
    public static final String BASE = "ou=baton," + SUFFIX;
    public static final String BIND_DN = "cn=baton-admin," + SUFFIX;
    private static final String PASSWORD = "s3cret-for-tests";

    private final InMemoryDirectoryServer server;
    private final Path dataDir;

    /** @param dataDir where the password file goes (the store's data directory) */
    public LdapTestServer(Path dataDir) throws LDAPException, IOException {
        this.dataDir = dataDir;
        InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(SUFFIX);
        config.setSchema(schema());
        config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("default", InetAddress.getLoopbackAddress(), 0, null));
        config.addAdditionalBindCredentials(BIND_DN, PASSWORD);
        server = new InMemoryDirectoryServer(config);
        server.startListening();
        server.add(new Entry(SUFFIX, new com.unboundid.ldap.sdk.Attribute("objectClass", "top", "domain"),
                new com.unboundid.ldap.sdk.Attribute("dc", "example")));
        Path password = dataDir.resolve("ldap.password");
        Files.writeString(password, PASSWORD + "\n");
        Files.setPosixFilePermissions(password, PosixFilePermissions.fromString("rw-------"));
    }

    /** The standard schema with Baton's definitions from the OpenLDAP cn=config LDIF. */
    public static Schema schema() throws IOException, LDAPException {
        List<String> types = new ArrayList<>();
        List<String> classes = new ArrayList<>();
        try (InputStream in = LdapTestServer.class.getResourceAsStream("/ldap/baton.ldif")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("olcAttributeTypes: ")) {
                    types.add(line.substring("olcAttributeTypes: ".length()));
                } else if (line.startsWith("olcObjectClasses: ")) {
                    classes.add(line.substring("olcObjectClasses: ".length()));
                }
            }
        }
        Entry e = new Entry("cn=schema");
        e.addAttribute("objectClass", "top", "ldapSubentry", "subschema");
        e.addAttribute("attributeTypes", types);
        e.addAttribute("objectClasses", classes);
        return Schema.mergeSchemas(Schema.getDefaultStandardSchema(), new Schema(e));
    }

    public int port() {
        return server.getListenPort();
    }

    public String url() {
        return "ldap://127.0.0.1:" + port();
    }

    /** Baton's layout under {@link #BASE}, bound as {@link #BIND_DN}. */
    public LdapSettings settings() {
        return LdapSettings.of(url(), BIND_DN, "ldap.password", BASE);
    }

    public LdapDirectoryStore store() {
        return new LdapDirectoryStore(settings(), dataDir);
    }

    public LdapDirectoryStore store(LdapSettings settings) {
        return new LdapDirectoryStore(settings, dataDir);
    }

    /** Another LDAP client: what an administrator's tool would do to the directory. */
    public LDAPConnection connection() throws LDAPException {
        return server.getConnection();
    }

    public InMemoryDirectoryServer server() {
        return server;
    }

    @Override
    public void close() {
        server.shutDown(true);
    }
}
