package dev.baton.config;

import java.util.List;

/**
 * The whole of {@code baton.yml}, validated. See docs/configuration.md for every setting.
 *
 * @param server          this node: name and FQDN
 * @param acceptedDomains domains this server accepts mail for (its organization's)
 * @param virtualServers  the SMTP receive endpoints
 * @param routes          per-domain next hop; the first match wins; "*" matches any domain
 * @param queue           spool location and delivery workers
 * @param events          the event log's files
 * @param mailboxes       local Maildir delivery
 * @param delivery        delivery to other servers (SMTP, LMTP, MX)
 * @param directory       where the organization's directory is
 * @param deliveryLog     the delivery log's file (one line per receipt, outcome and removal)
 * @param kerberos        integrated authentication's realm and keytab (off by default)
 */
public record BatonConfig(
        ServerSettings server,
        List<String> acceptedDomains,
        List<VirtualServerSettings> virtualServers,
        List<RouteSettings> routes,
        QueueSettings queue,
        EventSettings events,
        MailboxSettings mailboxes,
        DeliverySettings delivery,
        DirectorySettings directory,
        DeliveryLogSettings deliveryLog,
        KerberosSettings kerberos) {

    public BatonConfig {
        kerberos = kerberos == null ? KerberosSettings.DEFAULT : kerberos;
        acceptedDomains = List.copyOf(acceptedDomains);
        virtualServers = List.copyOf(virtualServers);
        routes = List.copyOf(routes);
    }

    /** Without a {@code kerberos:} section: Kerberos off. */
    public BatonConfig(ServerSettings server, List<String> acceptedDomains, List<VirtualServerSettings> virtualServers,
                       List<RouteSettings> routes, QueueSettings queue, EventSettings events, MailboxSettings mailboxes,
                       DeliverySettings delivery, DirectorySettings directory, DeliveryLogSettings deliveryLog) {
        this(server, acceptedDomains, virtualServers, routes, queue, events, mailboxes, delivery, directory, deliveryLog,
                KerberosSettings.DEFAULT);
    }

    public record ServerSettings(String name, String fqdn) {
    }

    /**
     * @param retryDelay    first retry of a deferred recipient; doubles up to maxRetryDelay
     * @param lifetime      how long a message may wait before it bounces
     * @param delayWarning  after how long a delay notice is sent (where NOTIFY allows); zero for never
     */
    public record QueueSettings(String directory, int deliveryWorkers, java.time.Duration retryDelay,
                                java.time.Duration maxRetryDelay, java.time.Duration lifetime,
                                java.time.Duration delayWarning) {
    }

    /**
     * @param aliases address-to-user map: key "local" (any accepted domain) or "local@domain",
     *                value "user" (same domain) or "user@domain"; keys in lower case
     */
    public record MailboxSettings(String directory, boolean autoCreate, List<String> users, long quota,
                                  java.util.Map<String, String> aliases) {
        public MailboxSettings {
            users = List.copyOf(users);
            aliases = java.util.Map.copyOf(aliases);
        }
    }
}
