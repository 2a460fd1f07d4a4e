package dev.baton.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.mail.LineEndingPolicy;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private static String error(String yaml) {
        try {
            ConfigLoader.parse(yaml, "test.yml");
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("no error for:\n" + yaml);
    }

    @Test
    void anEmptyFileGivesTheDefaults() throws ConfigException {
        BatonConfig c = ConfigLoader.parse("", "test.yml");
        assertThat(c.server().fqdn()).isEqualTo("localhost.localdomain");
        assertThat(c.server().name()).isEqualTo("localhost");
        assertThat(c.acceptedDomains()).isEmpty();
        assertThat(c.routes()).isEmpty();
        assertThat(c.virtualServers()).hasSize(1);
        VirtualServerSettings vs = c.virtualServers().get(0);
        assertThat(vs.name()).isEqualTo("default");
        assertThat(vs.id()).isEqualTo(1);
        assertThat(vs.address()).isEqualTo("127.0.0.1");
        assertThat(vs.port()).isEqualTo(2525);
        assertThat(vs.fqdn()).isEqualTo("localhost.localdomain");
        assertThat(vs.tls().mode()).isEqualTo(VirtualServerSettings.TlsMode.OFFERED);
        assertThat(vs.relayNetworks()).isEmpty();
        assertThat(vs.bareLineEndings()).isEqualTo(LineEndingPolicy.REJECT);
        assertThat(vs.protocolLog()).isFalse();
        assertThat(vs.limits().maxMessageSize()).isEqualTo(50L * 1024 * 1024);
        assertThat(vs.limits().maxRecipients()).isEqualTo(1000);
        assertThat(vs.limits().commandLineLength()).isEqualTo(512);
        assertThat(vs.limits().textLineLength()).isEqualTo(1000);
        assertThat(vs.limits().commandTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(vs.limits().dataBlockTimeout()).isEqualTo(Duration.ofMinutes(3));
        assertThat(c.queue().directory()).isEqualTo("spool");
        assertThat(c.queue().deliveryWorkers()).isEqualTo(16);
        assertThat(c.queue().retryDelay()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.mailboxes().directory()).isEqualTo("mailboxes");
        assertThat(c.mailboxes().autoCreate()).isTrue();
        assertThat(c.mailboxes().quota()).isZero();
    }

    @Test
    void acceptedDomainsGetLocalRoutesByDefaultAndValuesAreParsed() throws ConfigException {
        BatonConfig c = ConfigLoader.parse("""
                server: {fqdn: mx.Example.test}
                acceptedDomains: [Example.TEST, other.test]
                virtualServers:
                  - {port: 0, relayNetworks: [192.0.2.0/24, "::1"], limits: {maxMessageSize: 10MiB, timeouts: {command: 30s}}}
                queue: {retryDelay: 500ms, deliveryWorkers: 2}
                mailboxes: {users: [alice]}
                """, "test.yml");
        assertThat(c.server().name()).isEqualTo("mx");
        assertThat(c.acceptedDomains()).containsExactly("example.test", "other.test");
        assertThat(c.routes()).containsExactly(RouteSettings.of("example.test", RouteSettings.Transport.LOCAL),
                RouteSettings.of("other.test", RouteSettings.Transport.LOCAL));
        assertThat(c.virtualServers().get(0).limits().maxMessageSize()).isEqualTo(10L * 1024 * 1024);
        assertThat(c.virtualServers().get(0).limits().commandTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.queue().retryDelay()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.mailboxes().autoCreate()).isFalse();
    }

    @Test
    void theEventLogsFilesAreTenOfTenMebibytesUnlessSetAndTheirSettingsAreChecked() throws ConfigException {
        assertThat(ConfigLoader.parse("", "test.yml").events()).isEqualTo(new EventSettings(10L * 1024 * 1024, 10));
        assertThat(ConfigLoader.parse("events: {maxFileSize: 1MiB, maxFiles: 3}", "test.yml").events())
                .isEqualTo(new EventSettings(1024 * 1024, 3));
        assertThat(error("events: {maxFileSize: 1KiB}")).startsWith("config: events.maxFileSize ").contains("at least 4KiB");
        assertThat(error("events: {maxFiles: 0}")).startsWith("config: events.maxFiles ").contains("from 1 to 1000");
        assertThat(error("events: {level: medium}")).startsWith("config: events.level ").contains("known: maxFileSize, maxFiles");
    }

    @Test
    void kerberosIsOffUnlessSetAndItsSettingsAreChecked() throws ConfigException {
        assertThat(ConfigLoader.parse("", "test.yml").kerberos()).isEqualTo(KerberosSettings.DEFAULT);
        assertThat(ConfigLoader.parse("kerberos: {mode: embedded, realm: EXAMPLE.TEST}", "test.yml").kerberos())
                .isEqualTo(new KerberosSettings(KerberosSettings.Mode.EMBEDDED, "EXAMPLE.TEST", null, "kerberos/smtp.keytab", 0));
        assertThat(error("kerberos: {mode: embedded, realm: example.test}")).startsWith("config: kerberos.realm ")
                .contains("upper case (example: EXAMPLE.TEST)");
        assertThat(error("kerberos: {mode: embedded, krb5Conf: /etc/krb5.conf}")).startsWith("config: kerberos.krb5Conf ")
                .contains("only applies to mode external");
        assertThat(error("kerberos: {mode: external, kdc: {port: 88}}")).startsWith("config: kerberos.kdc ")
                .contains("only applies to mode embedded");
        assertThat(error("kerberos: {mode: mit}")).startsWith("config: kerberos.mode ");
    }

    @Test
    void theDeliveryLogIsOnAsTextInTenFilesOfTenMebibytesUnlessSetAndItsSettingsAreChecked() throws ConfigException {
        assertThat(ConfigLoader.parse("", "test.yml").deliveryLog()).isEqualTo(new DeliveryLogSettings(true, false, 10L * 1024 * 1024, 10));
        assertThat(ConfigLoader.parse("deliveryLog: {enabled: false, json: true, maxFileSize: 1MiB, maxFiles: 3}", "test.yml")
                .deliveryLog()).isEqualTo(new DeliveryLogSettings(false, true, 1024 * 1024, 3));
        assertThat(error("deliveryLog: {maxFileSize: 1KiB}")).startsWith("config: deliveryLog.maxFileSize ").contains("at least 4KiB");
        assertThat(error("deliveryLog: {maxFiles: 0}")).startsWith("config: deliveryLog.maxFiles ").contains("from 1 to 1000");
        assertThat(error("deliveryLog: {format: json}")).startsWith("config: deliveryLog.format ")
                .contains("known: enabled, json, maxFileSize, maxFiles");
    }

    @Test
    void anUnknownKeyIsAnErrorNamingItsPathAndTheKnownSettings() {
        assertThat(error("server: {fqdn: mx.example.test, nmae: x}"))
                .startsWith("config: server.nmae ")
                .contains("is not a setting here").contains("known: name, fqdn");
        assertThat(error("virtualServers: [{limits: {timeouts: {comand: 5m}}}]"))
                .startsWith("config: virtualServers[0].limits.timeouts.comand ")
                .contains("command");
        assertThat(error("acceptedDomain: [a.test]")).startsWith("config: acceptedDomain ").contains("acceptedDomains");
    }

    @Test
    void localhostAndOtherSingleLabelNamesAreValidAcceptedDomainsAndRoutes() throws Exception {
        BatonConfig c = ConfigLoader.parse("acceptedDomains: [localhost, intranet]\nroutes: [{domain: intranet, transport: discard}]\n",
                "test");
        assertThat(c.acceptedDomains()).containsExactly("localhost", "intranet");
        assertThat(c.routes()).extracting(RouteSettings::domain).containsExactly("intranet");
        assertThat(error("acceptedDomains: ['-bad']")).startsWith("config: acceptedDomains[0] ");
        assertThat(error("acceptedDomains: ['a..b']")).startsWith("config: acceptedDomains[0] ");
    }

    @Test
    void aBadFqdnNamesItsPathAndGivesAnExample() {
        assertThat(error("server: {fqdn: localhost}"))
                .startsWith("config: server.fqdn ").contains("\"localhost\"").contains("example: mail.example.test");
        assertThat(error("virtualServers: [{fqdn: 'bad_name.test'}]"))
                .startsWith("config: virtualServers[0].fqdn ").contains("example: mail.example.test");
        assertThat(error("acceptedDomains: [ok.test, 'not a domain']"))
                .startsWith("config: acceptedDomains[1] ").contains("example: example.test");
    }

    @Test
    void aBadDurationNamesItsPathAndGivesExamples() {
        assertThat(error("queue: {retryDelay: 5 minutes}"))
                .startsWith("config: queue.retryDelay ").contains("\"5 minutes\"").contains("examples: 500ms, 30s, 5m");
        assertThat(error("virtualServers: [{limits: {timeouts: {dataBlock: 3x}}}]"))
                .startsWith("config: virtualServers[0].limits.timeouts.dataBlock ").contains("examples:");
    }

    @Test
    void aBadSizeNamesItsPathAndGivesExamples() {
        assertThat(error("virtualServers: [{limits: {maxMessageSize: 10 furlongs}}]"))
                .startsWith("config: virtualServers[0].limits.maxMessageSize ").contains("\"10 furlongs\"")
                .contains("examples: 1048576, 512KiB, 50MiB");
        assertThat(error("virtualServers: [{limits: {maxMessageSize: 100}}]"))
                .startsWith("config: virtualServers[0].limits.maxMessageSize ").contains("example: 50MiB");
        assertThat(error("mailboxes: {quota: lots}")).startsWith("config: mailboxes.quota ").contains("examples:");
    }

    @Test
    void aBadCidrNamesItsPathAndGivesAnExample() {
        assertThat(error("virtualServers: [{relayNetworks: [10.0.0.0/8, 10.0.0.0/33]}]"))
                .startsWith("config: virtualServers[0].relayNetworks[1] ").contains("\"10.0.0.0/33\"")
                .contains("example: 192.0.2.0/24");
        assertThat(error("virtualServers: [{relayNetworks: [mail.example.test]}]"))
                .startsWith("config: virtualServers[0].relayNetworks[0] ").contains("not an IP address").contains("example:");
    }

    @Test
    void aRouteWithoutTransportNamesItsPathAndGivesAnExample() {
        assertThat(error("routes: [{domain: a.test, transport: local}, {domain: b.test}]"))
                .startsWith("config: routes[1].transport is required").contains("example: {domain: b.test, transport: local}");
        assertThat(error("routes: [{transport: local}]"))
                .startsWith("config: routes[0].domain is required").contains("example:");
        assertThat(error("routes: [{domain: a.test, transport: carrier-pigeon}]"))
                .startsWith("config: routes[0].transport ").contains("\"carrier-pigeon\" is not one of local, discard, smtp, mx, lmtp");
        assertThat(error("routes: [{domain: a.test, transport: smtp}]"))
                .startsWith("config: routes[0].host is required for transport smtp").contains("example:");
        assertThat(error("routes: [{domain: a.test, transport: organization, tls: none}]"))
                .startsWith("config: routes[0].tls does not apply to transport organization");
        assertThat(error("routes: [{domain: a.test, transport: organization, host: a.test}]"))
                .startsWith("config: routes[0].host only applies to transports smtp and lmtp");
        assertThat(error("routes: [{domain: a.test, transport: local, port: 25}]"))
                .startsWith("config: routes[0].port only applies to transports smtp, mx and lmtp");
    }

    @Test
    void otherErrorsNameTheirPathToo() {
        assertThat(error("queue: {deliveryWorkers: 0}")).startsWith("config: queue.deliveryWorkers ").contains("from 1 to 1024");
        assertThat(error("server: [a]")).startsWith("config: server ").contains("mapping");
        assertThat(error("acceptedDomains: a.test")).startsWith("config: acceptedDomains ").contains("example: [a, b]");
        assertThat(error("virtualServers: [{name: a}, {name: a}]")).startsWith("config: virtualServers[1].name ");
        assertThat(error("server: {fqdn: [")).startsWith("config: test.yml is not valid YAML");
    }

    @Test
    void authenticationDefaultsToAnonymousBasicAndIntegratedWithBasicOnlyUnderTls() throws ConfigException {
        VirtualServerSettings.Authentication a = ConfigLoader.parse("", "test.yml").virtualServers().get(0).authentication();
        assertThat(a).isEqualTo(VirtualServerSettings.Authentication.DEFAULT);
        assertThat(a.anonymous()).isTrue();
        assertThat(a.basic()).isTrue();
        assertThat(a.integrated()).isTrue();
        assertThat(a.basicWithoutTls()).isFalse();
        assertThat(a.failures().perSession()).isEqualTo(3);
        VirtualServerSettings.Authentication sub = ConfigLoader.parse("""
                virtualServers: [{ name: submission, authentication: { anonymous: false, integrated: false,
                                   failures: { delay: 2s, perSession: 4, window: 1h } } }]
                """, "test.yml").virtualServers().get(0).authentication();
        assertThat(sub.anonymous()).isFalse();
        assertThat(sub.integrated()).isFalse();
        assertThat(sub.failures().delay()).isEqualTo(Duration.ofSeconds(2));
        assertThat(sub.failures().perSession()).isEqualTo(4);
        assertThat(sub.failures().window()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void anAuthenticationThatAllowsNobodyIsRefusedWithTheFix() {
        assertThat(error("virtualServers: [{ authentication: { anonymous: false, basic: false, integrated: false } }]"))
                .startsWith("config: virtualServers[0].authentication allows nobody");
        assertThat(error("virtualServers: [{ tls: { mode: off }, authentication: { anonymous: false, integrated: false } }]"))
                .startsWith("config: virtualServers[0].authentication allows nobody: basic authentication needs TLS");
        assertThat(error("virtualServers: [{ authentication: { failures: { perSession: 0 } } }]"))
                .startsWith("config: virtualServers[0].authentication.failures.perSession ");
        assertThat(error("virtualServers: [{ authentication: { failures: { delay: 5s, maxDelay: 1s } } }]"))
                .startsWith("config: virtualServers[0].authentication.failures.maxDelay must not be shorter");
        assertThat(error("virtualServers: [{ authentication: { plain: true } }]"))
                .startsWith("config: virtualServers[0].authentication.plain is not a setting here");
    }

    @Test
    void aMissingFileSaysHowToGetOne() {
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.yml")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("does not exist").hasMessageContaining("baton serve");
    }

    @Test
    void anLdapDirectoryIsParsedWithItsMappingAndDefaults() throws ConfigException {
        BatonConfig c = ConfigLoader.parse("""
                directory:
                  ldap:
                    url: ldaps://ldap.example.test
                    bindDn: cn=baton,ou=services,dc=example,dc=test
                    passwordFile: ldap.password
                    baseDn: ou=baton,dc=example,dc=test
                    changeAttribute: entryCSN
                    mapping:
                      users: { base: "ou=people,dc=example,dc=test", objectClasses: [inetOrgPerson, batonUser],
                               attributes: { aliases: none }, copyName: [cn, sn] }
                """, "test.yml");
        LdapSettings l = c.directory().ldap();
        assertThat(c.directory().required()).isTrue();
        assertThat(l.tls()).isTrue();
        assertThat(l.poll()).isEqualTo(Duration.ofSeconds(30));
        assertThat(l.changeAttribute()).isEqualTo("entryCSN");
        LdapSettings.ObjectMapping users = l.mapping().get(LdapSettings.Kind.USERS);
        assertThat(users.base()).isEqualTo("ou=people,dc=example,dc=test");
        assertThat(users.attribute("name")).isEqualTo("uid");
        assertThat(users.attribute("aliases")).isNull();
        assertThat(users.copyName()).containsExactly("cn", "sn");
        assertThat(l.mapping().get(LdapSettings.Kind.SERVERS).base()).isEqualTo("ou=servers,ou=baton,dc=example,dc=test");
        assertThat(ConfigLoader.parse("", "empty.yml").directory().ldap()).isNull();
    }

    @Test
    void ldapSettingsAreCheckedAndErrorsNameTheirPosition() {
        String base = "directory: { ldap: { url: ldap://ldap.example.test, baseDn: \"ou=baton,dc=example,dc=test\"";
        assertThat(error("directory: { file: org.yml, ldap: { url: ldap://x.test, baseDn: \"dc=x\" } }"))
                .startsWith("config: directory.ldap ").contains("exclusive");
        assertThat(error("directory: { ldap: { baseDn: \"dc=x\" } }")).startsWith("config: directory.ldap.url is required");
        assertThat(error("directory: { ldap: { url: http://x.test, baseDn: \"dc=x\" } }"))
                .startsWith("config: directory.ldap.url \"http://x.test\" is not an LDAP server's URL");
        assertThat(error(base + ", bindDn: \"cn=baton,dc=example,dc=test\" } }"))
                .startsWith("config: directory.ldap.passwordFile is required with bindDn").contains("never the password itself");
        assertThat(error(base + ", password: x } }")).startsWith("config: directory.ldap.password is not a setting here");
        assertThat(error(base + ", mapping: { people: {} } } }")).startsWith("config: directory.ldap.mapping.people is not a setting here")
                .contains("users, groups");
        assertThat(error(base + ", mapping: { users: { attributes: { mail: x } } } } }"))
                .startsWith("config: directory.ldap.mapping.users.attributes.mail is not a setting here").contains("address, aliases");
        assertThat(error(base + ", mapping: { users: { attributes: { name: none } } } } }"))
                .startsWith("config: directory.ldap.mapping.users.attributes.name cannot be none");
        assertThat(error(base + ", mapping: { groups: { base: people } } } }"))
                .startsWith("config: directory.ldap.mapping.groups.base \"people\" is not a DN");
        assertThat(error(base + ", startTls: true, url: ldaps://x.test } }")).startsWith("config: directory.ldap.startTls is for ldap://");
    }
}
