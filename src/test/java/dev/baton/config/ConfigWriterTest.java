package dev.baton.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** baton config show: the configuration written back as baton.yml reads as the same configuration. */
class ConfigWriterTest {

    private static void roundTrips(String yaml) throws Exception {
        BatonConfig c = ConfigLoader.parse(yaml, "baton.yml");
        String written = ConfigWriter.yaml(c);
        assertThat(ConfigLoader.parse(written, "shown")).as(written).isEqualTo(c);
    }

    @Test
    void theDefaultsReadBackAsTheDefaults() throws Exception {
        roundTrips("");
        assertThat(ConfigWriter.yaml(ConfigLoader.parse("", "x"))).contains("maxMessageSize: 50MiB", "lifetime: 5d", "retryDelay: 5m",
                "command: 5m", "tlsHandshake: 1m", "mode: offered", "poll: 1s");
    }

    @Test
    void aFullConfigurationReadsBackAsItself() throws Exception {
        roundTrips("""
                server: { name: mail1, fqdn: mail1.example.test }
                acceptedDomains: [example.test, localhost]
                virtualServers:
                  - { name: default, address: 0.0.0.0, port: 25, relayNetworks: [192.0.2.0/24, "2001:db8::/32"],
                      tls: { mode: required, certificate: c.pem, key: k.pem }, bareLineEndings: normalize, protocolLog: true,
                      limits: { maxMessageSize: 35MiB, maxErrors: 3, unknownRecipientDelay: 500ms, timeouts: { command: 90s } } }
                  - { name: submission, port: 587, authentication: { anonymous: false, integrated: false,
                      failures: { delay: 2s, maxDelay: 20s, perSession: 5, perClient: 30, window: 1h } } }
                  - { name: lab, port: 2526, tls: { mode: off }, authentication: { basicWithoutTls: true } }
                routes:
                  - { domain: lists.example.test, transport: discard }
                  - { domain: partner.test, transport: smtp, host: "[192.0.2.10]", port: 2525, tls: verify }
                  - { domain: "*", transport: mx }
                queue: { deliveryWorkers: 4, lifetime: 36h }
                events: { maxFileSize: 1234567, maxFiles: 3 }
                mailboxes: { users: [alice, bob], aliases: { postmaster: alice, sales: bob }, quota: 1GiB }
                delivery: { resolver: "127.0.0.1:53", timeouts: { connect: 10s } }
                directory: { file: shared/org.yml, poll: 5s }
                """);
    }

    @Test
    void theDeliveryLogSectionReadsBackAsItselfAndShowsItsDefaults() throws Exception {
        roundTrips("deliveryLog: { enabled: false, json: true, maxFileSize: 1MiB, maxFiles: 2 }");
        assertThat(ConfigWriter.yaml(ConfigLoader.parse("", "x")))
                .contains("deliveryLog:\n  enabled: true\n  json: false\n  maxFileSize: 10MiB\n  maxFiles: 10");
    }

    @Test
    void theKerberosSectionReadsBackAsItselfInEachMode() throws Exception {
        roundTrips("kerberos: { mode: embedded, realm: EXAMPLE.TEST, kdc: { port: 8888 } }");
        roundTrips("delivery: { reuse: { idleTime: 30s, maxIdle: 0 } }");
        roundTrips("kerberos: { mode: external, realm: EXAMPLE.COM, krb5Conf: /etc/krb5.conf, keytab: /etc/baton/smtp.keytab }");
        assertThat(ConfigWriter.yaml(ConfigLoader.parse("", "x"))).contains("kerberos:\n  mode: \"off\"\n  keytab: kerberos/smtp.keytab");
    }

    @Test
    void anLdapDirectoryReadsBackAsItself() throws Exception {
        roundTrips("""
                directory:
                  ldap:
                    url: ldap://ldap.example.test
                    startTls: true
                    bindDn: cn=baton,ou=services,dc=example,dc=test
                    passwordFile: ldap.password
                    baseDn: ou=baton,dc=example,dc=test
                    changeAttribute: entryCSN
                    mapping:
                      users: { base: "ou=people,dc=example,dc=test", objectClasses: [inetOrgPerson, batonUser],
                               filter: "(objectClass=inetOrgPerson)", copyName: [cn, sn] }
                """);
    }
}
