package dev.baton.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The directory in LDAP (docs/directory.md, "LDAP"): where the server is, how Baton binds, and
 * where each kind of object lives and under which attribute names, so that an existing layout
 * (OpenLDAP's inetOrgPerson and groupOfNames, Active Directory's user and group) can be read
 * as it is while Baton's own objects live in Baton's subtree.
 *
 * @param url                 {@code ldap://host[:port]} or {@code ldaps://host[:port]}
 * @param startTls            upgrade an {@code ldap://} connection with StartTLS before binding
 * @param trustedCertificates PEM file of CA certificates to trust besides the JDK's (relative to the data directory), or null
 * @param bindDn              the DN to bind as, or null for an anonymous bind
 * @param passwordFile        the file holding the bind password (relative to the data directory); never the password itself
 * @param baseDn              Baton's subtree: the organization entry and, by default, every kind of object below it
 * @param timeout             connect and response timeout of every operation
 * @param poll                how often a running server asks for the fingerprint
 * @param changeAttribute     the per-entry change stamp the fingerprint reads ({@code modifyTimestamp}, {@code entryCSN}, {@code uSNChanged})
 * @param pageSize            entries per page of a paged search
 * @param mapping             per kind of object: where and under which names (every kind present, defaults filled in)
 */
public record LdapSettings(String url, boolean startTls, String trustedCertificates, String bindDn, String passwordFile,
        String baseDn, Duration timeout, Duration poll, String changeAttribute, int pageSize, Map<Kind, ObjectMapping> mapping) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_POLL = Duration.ofSeconds(30);
    public static final String DEFAULT_CHANGE_ATTRIBUTE = "modifyTimestamp";
    public static final int DEFAULT_PAGE_SIZE = 500;

    public LdapSettings {
        mapping = Map.copyOf(mapping);
    }

    /**
     * The kinds of object in the directory, each with its default relative base, object classes
     * and attribute names (Baton's own schema, src/main/resources/ldap/baton.ldif).
     */
    public enum Kind {
        SERVERS("servers", "ou=servers", List.of("batonServer"), attrs(
                "name", "cn", "fqdn", "batonFqdn", "principal", "batonPrincipal", "virtualServers", "batonVirtualServer", "smtp", "batonSmtpAddress")),
        USERS("users", "ou=users", List.of("account", "batonUser"), attrs(
                "name", "uid", "address", "mail", "aliases", "batonAlias", "home", "batonHomeServer", "password", "batonPasswordHash",
                "scram", "batonScramCredential")),
        GROUPS("groups", "ou=groups", List.of("batonGroup"), attrs("name", "cn", "members", "member")),
        DISTRIBUTION_GROUPS("distributionGroups", "ou=distribution-groups", List.of("batonDistributionGroup"), attrs(
                "name", "cn", "address", "mail", "members", "member", "owner", "owner", "allowedSenders", "batonAllowedSender",
                "hiddenMembership", "batonHiddenMembership", "reports", "batonDeliveryReports")),
        CONNECTORS("connectors", "ou=connectors", List.of("batonConnector"), attrs(
                "name", "cn", "addressSpaces", "batonAddressSpace", "smarthost", "batonSmarthost",
                "trustedWithProperties", "batonTrustedWithProperties")),
        RIGHTS("rights", "ou=rights", List.of("batonAccessEntry"), attrs(
                "name", "cn", "allow", "batonAllow", "right", "batonRight", "trustee", "batonTrustee", "on", "batonScope",
                "order", "batonOrder"));

        private final String key;
        private final String relativeBase;
        private final List<String> objectClasses;
        private final Map<String, String> attributes;

        Kind(String key, String relativeBase, List<String> objectClasses, Map<String, String> attributes) {
            this.key = key;
            this.relativeBase = relativeBase;
            this.objectClasses = objectClasses;
            this.attributes = attributes;
        }

        /** The name in baton.yml: {@code distributionGroups}. */
        public String key() {
            return key;
        }

        /** The default base, relative to {@code baseDn}: {@code ou=users}. */
        public String relativeBase() {
            return relativeBase;
        }

        public List<String> defaultObjectClasses() {
            return objectClasses;
        }

        /** Logical name (as in org.yml) to Baton's attribute name; the first is the naming (RDN) attribute. */
        public Map<String, String> defaultAttributes() {
            return attributes;
        }

        public static Kind byKey(String key) {
            for (Kind k : values()) {
                if (k.key.equals(key)) {
                    return k;
                }
            }
            return null;
        }

        private static Map<String, String> attrs(String... pairs) {
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < pairs.length; i += 2) {
                m.put(pairs[i], pairs[i + 1]);
            }
            return java.util.Collections.unmodifiableMap(m);
        }
    }

    /**
     * Where one kind of object lives and what it is called there.
     *
     * @param base          the search base (the subtree below it is read); new entries are made directly below it
     * @param objectClasses the object classes a new entry gets; the first selects the kind's entries when there is no filter
     * @param filter        an LDAP filter selecting the kind's entries, or null for {@code (objectClass=FIRST)}
     * @param attributes    logical name to LDAP attribute name, every logical name present; null where the layout has none
     *                      (then it is neither read nor written)
     * @param copyName      attributes set to the object's name when Baton creates an entry (inetOrgPerson requires cn and sn)
     */
    public record ObjectMapping(String base, List<String> objectClasses, String filter, Map<String, String> attributes,
            List<String> copyName) {
        public ObjectMapping {
            objectClasses = List.copyOf(objectClasses);
            attributes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
            copyName = List.copyOf(copyName);
        }

        /** The LDAP attribute for a logical name, or null when the layout has none. */
        public String attribute(String logical) {
            return attributes.get(logical);
        }

        /** The search filter: the one given, else by the first object class. */
        public String effectiveFilter() {
            return filter != null ? filter : "(objectClass=" + objectClasses.get(0) + ")";
        }
    }

    /** Baton's own layout for every kind under {@code baseDn}. */
    public static Map<Kind, ObjectMapping> defaultMapping(String baseDn) {
        Map<Kind, ObjectMapping> m = new LinkedHashMap<>();
        for (Kind k : Kind.values()) {
            m.put(k, new ObjectMapping(k.relativeBase() + "," + baseDn, k.defaultObjectClasses(), null, k.defaultAttributes(), List.of()));
        }
        return m;
    }

    /** Baton's layout: everything under {@code baseDn}, the other settings at their defaults. */
    public static LdapSettings of(String url, String bindDn, String passwordFile, String baseDn) {
        return new LdapSettings(url, false, null, bindDn, passwordFile, baseDn, DEFAULT_TIMEOUT, DEFAULT_POLL,
                DEFAULT_CHANGE_ATTRIBUTE, DEFAULT_PAGE_SIZE, defaultMapping(baseDn));
    }

    /** The same settings with another mapping for one kind. */
    public LdapSettings withMapping(Kind kind, ObjectMapping m) {
        Map<Kind, ObjectMapping> copy = new LinkedHashMap<>(mapping);
        copy.put(kind, m);
        return new LdapSettings(url, startTls, trustedCertificates, bindDn, passwordFile, baseDn, timeout, poll, changeAttribute,
                pageSize, copy);
    }

    /** The same settings with other connection options. */
    public LdapSettings withConnection(boolean startTls, String trustedCertificates, Duration timeout) {
        return new LdapSettings(url, startTls, trustedCertificates, bindDn, passwordFile, baseDn, timeout, poll, changeAttribute,
                pageSize, mapping);
    }

    /** The same settings with another change attribute (the fingerprint's). */
    public LdapSettings withChangeAttribute(String attribute) {
        return new LdapSettings(url, startTls, trustedCertificates, bindDn, passwordFile, baseDn, timeout, poll, attribute,
                pageSize, mapping);
    }

    /** {@code ldaps://} or StartTLS. */
    public boolean tls() {
        return startTls || url.toLowerCase(Locale.ROOT).startsWith("ldaps://");
    }
}
