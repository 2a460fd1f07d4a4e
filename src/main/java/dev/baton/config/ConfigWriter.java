package dev.baton.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A configuration written back as baton.yml, every setting with its value, defaults filled in
 * ({@code baton config show}, as {@code postconf}): what {@link ConfigLoader} reads it as is the
 * same configuration. Durations and sizes in the units a person writes (5m, 50MiB).
 */
public final class ConfigWriter {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private ConfigWriter() {
    }

    public static String yaml(BatonConfig c) {
        ObjectNode root = YAML.createObjectNode();
        root.putObject("server").put("name", c.server().name()).put("fqdn", c.server().fqdn());
        strings(root.putArray("acceptedDomains"), c.acceptedDomains());
        ArrayNode vss = root.putArray("virtualServers");
        for (VirtualServerSettings vs : c.virtualServers()) {
            ObjectNode v = vss.addObject();
            v.put("name", vs.name()).put("id", vs.id()).put("address", vs.address()).put("port", vs.port()).put("fqdn", vs.fqdn());
            ObjectNode tls = v.putObject("tls").put("mode", lower(vs.tls().mode()));
            putIf(tls, "certificate", vs.tls().certificate());
            putIf(tls, "key", vs.tls().key());
            strings(v.putArray("relayNetworks"), vs.relayNetworks());
            VirtualServerSettings.Limits l = vs.limits();
            ObjectNode lim = v.putObject("limits");
            lim.put("maxConnections", l.maxConnections()).put("maxConnectionsPerClient", l.maxConnectionsPerClient())
                    .put("maxRecipients", l.maxRecipients()).put("maxMessageSize", size(l.maxMessageSize()))
                    .put("commandLineLength", l.commandLineLength()).put("textLineLength", l.textLineLength())
                    .put("maxErrors", l.maxErrors()).put("maxHops", l.maxHops()).put("minDataRate", l.minDataRate())
                    .put("maxUnknownRecipients", l.maxUnknownRecipients())
                    .put("unknownRecipientDelay", duration(l.unknownRecipientDelay()));
            lim.putObject("timeouts").put("command", duration(l.commandTimeout())).put("dataBlock", duration(l.dataBlockTimeout()))
                    .put("tlsHandshake", duration(l.tlsHandshakeTimeout())).put("write", duration(l.writeTimeout()));
            v.put("bareLineEndings", lower(vs.bareLineEndings())).put("protocolLog", vs.protocolLog());
            VirtualServerSettings.Authentication a = vs.authentication();
            VirtualServerSettings.FailureLimits f = a.failures();
            ObjectNode auth = v.putObject("authentication").put("anonymous", a.anonymous()).put("basic", a.basic())
                    .put("integrated", a.integrated()).put("basicWithoutTls", a.basicWithoutTls());
            auth.putObject("failures").put("delay", duration(f.delay())).put("maxDelay", duration(f.maxDelay()))
                    .put("perSession", f.perSession()).put("perClient", f.perClient()).put("window", duration(f.window()));
        }
        ArrayNode routes = root.putArray("routes");
        for (RouteSettings r : c.routes()) {
            ObjectNode o = routes.addObject().put("domain", r.domain()).put("transport", lower(r.transport()));
            putIf(o, "host", r.host());
            boolean remote = r.transport() == RouteSettings.Transport.SMTP || r.transport() == RouteSettings.Transport.MX
                    || r.transport() == RouteSettings.Transport.LMTP;
            if (remote) {
                o.put("port", r.port());
            }
            if (r.transport() != RouteSettings.Transport.ORGANIZATION) {
                o.put("tls", lower(r.tls())); // an organization hop is always TLS (ADR 0020)
            }
        }
        BatonConfig.QueueSettings q = c.queue();
        root.putObject("queue").put("directory", q.directory()).put("deliveryWorkers", q.deliveryWorkers())
                .put("retryDelay", duration(q.retryDelay())).put("maxRetryDelay", duration(q.maxRetryDelay()))
                .put("lifetime", duration(q.lifetime())).put("delayWarning", duration(q.delayWarning()));
        root.putObject("events").put("maxFileSize", size(c.events().maxFileSize())).put("maxFiles", c.events().maxFiles());
        BatonConfig.MailboxSettings m = c.mailboxes();
        ObjectNode mb = root.putObject("mailboxes").put("directory", m.directory()).put("autoCreate", m.autoCreate());
        strings(mb.putArray("users"), m.users());
        mb.put("quota", size(m.quota()));
        ObjectNode aliases = mb.putObject("aliases");
        m.aliases().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> aliases.put(e.getKey(), e.getValue()));
        DeliverySettings d = c.delivery();
        ObjectNode dl = root.putObject("delivery").put("heloName", d.heloName());
        putIf(dl, "resolver", d.resolver());
        putIf(dl, "trustedCertificates", d.trustedCertificates());
        dl.put("maxPerDestination", d.maxPerDestination());
        dl.putObject("timeouts").put("connect", duration(d.connectTimeout())).put("greeting", duration(d.greetingTimeout()))
                .put("command", duration(d.commandTimeout())).put("dataInitiation", duration(d.dataInitiationTimeout()))
                .put("dataBlock", duration(d.dataBlockTimeout())).put("dataTermination", duration(d.dataTerminationTimeout()));
        dl.putObject("reuse").put("idleTime", duration(d.reuseIdleTime())).put("maxIdle", d.reuseMaxIdle());
        ObjectNode dir = root.putObject("directory");
        LdapSettings ldap = c.directory().ldap();
        if (ldap == null) {
            if (c.directory().required()) {
                dir.put("file", c.directory().file());
            } // else: DIR/org.yml when it exists; naming it would make it required
            dir.put("poll", duration(c.directory().poll()));
        } else {
            ObjectNode o = dir.putObject("ldap").put("url", ldap.url()).put("startTls", ldap.startTls());
            putIf(o, "trustedCertificates", ldap.trustedCertificates());
            putIf(o, "bindDn", ldap.bindDn());
            putIf(o, "passwordFile", ldap.passwordFile());
            o.put("baseDn", ldap.baseDn()).put("timeout", duration(ldap.timeout())).put("poll", duration(ldap.poll()))
                    .put("changeAttribute", ldap.changeAttribute()).put("pageSize", ldap.pageSize());
            ObjectNode mapping = o.putObject("mapping");
            for (Map.Entry<LdapSettings.Kind, LdapSettings.ObjectMapping> e : ldap.mapping().entrySet()) {
                LdapSettings.ObjectMapping om = e.getValue();
                ObjectNode k = mapping.putObject(e.getKey().key()).put("base", om.base());
                strings(k.putArray("objectClasses"), om.objectClasses());
                putIf(k, "filter", om.filter());
                ObjectNode attrs = k.putObject("attributes");
                om.attributes().forEach((logical, attr) -> attrs.put(logical, attr == null ? "none" : attr));
                strings(k.putArray("copyName"), om.copyName());
            }
        }
        DeliveryLogSettings log = c.deliveryLog();
        root.putObject("deliveryLog").put("enabled", log.enabled()).put("json", log.json())
                .put("maxFileSize", size(log.maxFileSize())).put("maxFiles", log.maxFiles());
        KerberosSettings k = c.kerberos();
        ObjectNode krb = root.putObject("kerberos").put("mode", lower(k.mode()));
        putIf(krb, "realm", k.realm());
        putIf(krb, "krb5Conf", k.krb5Conf());
        krb.put("keytab", k.keytab());
        if (k.mode() == KerberosSettings.Mode.EMBEDDED) {
            krb.putObject("kdc").put("port", k.kdcPort());
        }
        try {
            return YAML.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a configuration always writes as YAML", e);
        }
    }

    private static void strings(ArrayNode a, List<String> values) {
        values.forEach(a::add);
    }

    private static void putIf(ObjectNode o, String key, String value) {
        if (value != null) {
            o.put(key, value);
        }
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** The largest unit that writes it exactly: 5d, 4h, 5m, 30s, 500ms. */
    public static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        long[] units = {86_400_000L, 3_600_000L, 60_000L, 1000L};
        String[] names = {"d", "h", "m", "s"};
        for (int i = 0; i < units.length; i++) {
            if (ms % units[i] == 0) {
                return ms / units[i] + names[i];
            }
        }
        return ms + "ms";
    }

    /** 50MiB, 512KiB, or octets. */
    static String size(long octets) {
        if (octets != 0 && octets % (1L << 30) == 0) {
            return (octets >> 30) + "GiB";
        }
        if (octets != 0 && octets % (1L << 20) == 0) {
            return (octets >> 20) + "MiB";
        }
        if (octets != 0 && octets % 1024 == 0) {
            return (octets >> 10) + "KiB";
        }
        return Long.toString(octets);
    }
}
