package dev.baton.node;

import dev.baton.config.BatonConfig;
import dev.baton.config.Cidr;
import dev.baton.config.RouteSettings;
import dev.baton.config.VirtualServerSettings;
import dev.baton.routing.Routes;
import dev.baton.mail.MailAddress;
import dev.baton.mail.Principal;
import dev.baton.org.Directory;
import dev.baton.org.Member;
import dev.baton.org.Right;
import dev.baton.org.Rights;
import dev.baton.org.Scope;
import dev.baton.smtp.MailParameters;
import dev.baton.smtp.Reply;
import dev.baton.smtp.Response;
import dev.baton.smtp.server.SessionPolicy;
import dev.baton.smtp.server.SessionInfo;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Who may send what. The decisions are rights (ADR 0010): mail for an accepted domain needs
 * accept-authoritative-domain (and a known mailbox when a user list is configured); relaying to
 * any other domain needs relay, which the organization baton.yml implies gives to clients that
 * authenticated or connect from the virtual server's relay networks, and only where a route
 * exists. Everything else is refused with 550 5.7.1: never an open relay. The reply never says
 * which entry decided; {@code baton org explain} does.
 */
final class AcceptancePolicy implements SessionPolicy {

    private final List<Cidr> relayNetworks;
    private final Routes routes;
    private final Set<String> users;
    private final boolean autoCreate;
    private final java.util.Map<String, String> aliases;

    private final Supplier<Rights> rights;
    private final Scope here;
    private final String server;
    /** baton.yml's kerberos.realm, for an organization whose directory names none. */
    private final String kerberosRealm;

    AcceptancePolicy(BatonConfig config, VirtualServerSettings vs, Routes routes) {
        this(config, vs, routes, new Rights(OrganizationOfOne.of(config)));
    }

    AcceptancePolicy(BatonConfig config, VirtualServerSettings vs, Routes routes, Rights rights) {
        this(config, vs, routes, () -> rights);
    }

    /** @param rights the rights in force (the directory may change while the server runs) */
    AcceptancePolicy(BatonConfig config, VirtualServerSettings vs, Routes routes, Supplier<Rights> rights) {
        this.rights = rights;
        this.server = OrganizationOfOne.serverName(config).toLowerCase(Locale.ROOT);
        this.here = Scope.virtualServer(server, vs.name());
        this.kerberosRealm = config.kerberos().realm();
        this.relayNetworks = vs.relayNetworks().stream().map(Cidr::parse).toList();
        this.routes = routes;
        this.users = config.mailboxes().users().stream().map(u -> u.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        this.autoCreate = config.mailboxes().autoCreate();
        this.aliases = config.mailboxes().aliases();
    }

    /**
     * A user who authenticated sends with the submit right on this virtual server, and as one of
     * their own addresses (RFC 6409 8.1) unless they hold accept-any-sender; the null sender is
     * theirs to use (delivery reports, auto-replies). Anonymous sessions and servers are not asked
     * here: their mail is decided per recipient.
     */
    @Override
    public Optional<Response> checkSender(MailAddress sender, MailParameters parameters, SessionInfo session) {
        if (!(session.principal() instanceof Principal.User u)) {
            return Optional.empty();
        }
        Rights rights = this.rights.get();
        Member who = Member.user(u.name());
        List<Member> groups = sessionGroups(session);
        if (!rights.allowed(who, groups, Right.SUBMIT, here)) {
            return Optional.of(Reply.SUBMIT_DENIED.response());
        }
        if (sender.isNull() || rights.allowed(who, groups, Right.ACCEPT_ANY_SENDER, here)) {
            return Optional.empty();
        }
        Directory.User user = rights.directory().users().get(u.name());
        String address = sender.toString();
        if (user == null || user.addresses().stream().noneMatch(a -> a.equalsIgnoreCase(address))) {
            return Optional.of(Reply.SENDER_NOT_OWNED.with(sender));
        }
        return Optional.empty();
    }

    private List<Member> sessionGroups(SessionInfo session) {
        return relayNetworks.stream().anyMatch(n -> n.contains(session.client())) ? RELAY_NETWORKS : List.of();
    }

    @Override
    public Optional<Response> checkRecipient(MailAddress rcpt, SessionInfo session) {
        if (rcpt.domain().isEmpty()) {
            return Optional.empty(); // <postmaster> (RFC 5321 4.5.1) goes to the local postmaster
        }
        String domain = rcpt.domainKey();
        Rights rights = this.rights.get(); // one snapshot for the whole decision
        Directory dir = rights.directory();
        String full = rcpt.toString().toLowerCase(Locale.ROOT);
        // an organization route takes the users the directory knows; the others fall to the next route (ADR 0020)
        Optional<RouteSettings> route = routes.routeFor(domain,
                rs -> rs.transport() != RouteSettings.Transport.ORGANIZATION || dir.userByAddress(full) != null);
        Member who = member(session.principal(), rights.directory());
        List<Member> sessionGroups = sessionGroups(session);
        if (rights.directory().organization().acceptedDomains().contains(domain)) {
            if (!rights.allowed(who, sessionGroups, Right.ACCEPT_AUTHORITATIVE_DOMAIN, here)) {
                return Optional.of(Reply.RECIPIENT_ACCESS_DENIED.with(rcpt));
            }
            if (routingLocalPart(rcpt.localPart())) {
                // user%elsewhere@us, elsewhere!user@us, "user@elsewhere"@us: relaying in disguise (Postfix
                // rewrites these and then refuses the relay); Baton neither rewrites nor keeps them
                return Optional.of(Reply.ROUTING_LOCAL_PART.with(rcpt));
            }
            if (route.isEmpty()) {
                return Optional.of(Reply.NO_ROUTE.with(rcpt));
            }
            if (route.get().transport() == RouteSettings.Transport.LOCAL && !knownMailbox(rcpt, rights.directory())) {
                return Optional.of(Reply.NO_SUCH_USER.with(rcpt));
            }
            return Optional.empty();
        }
        if (!rights.allowed(who, sessionGroups, Right.RELAY, here)) {
            return Optional.of(Reply.RELAY_DENIED.with(rcpt));
        }
        return route.isPresent() ? Optional.empty() : Optional.of(Reply.NO_ROUTE.with(rcpt));
    }

    private static final List<Member> RELAY_NETWORKS = List.of(Member.group(Directory.RELAY_NETWORKS));

    /**
     * The directory's name for who the session proved to be: a server by its Kerberos principal
     * (the directory of this decision's snapshot; one gone from it since is an unknown server,
     * which is only an authenticated principal).
     */
    static Member member(Principal p, Directory directory) {
        return switch (p) {
            case Principal.Anonymous a -> Member.ANONYMOUS;
            case Principal.User u -> Member.user(u.name());
            case Principal.Server s -> {
                Directory.Server server = directory.serverByPrincipal(s.name());
                yield Member.server(server == null ? s.name() : server.name());
            }
        };
    }

    /**
     * A user's Kerberos principal is {@code name@REALM}: one component (a principal with a slash is
     * a service's), the realm the organization's (org.yml {@code realm}, else baton.yml's
     * kerberos.realm), and the name, in lower case, a user of the directory.
     */
    @Override
    public String userOfPrincipal(String principal) {
        Directory d = rights.get().directory();
        String realm = d.organization().realm() != null ? d.organization().realm() : kerberosRealm;
        int at = principal.lastIndexOf('@');
        if (realm == null || at <= 0 || !principal.substring(at + 1).equals(realm)) {
            return null;
        }
        String name = principal.substring(0, at).toLowerCase(Locale.ROOT);
        return name.indexOf('/') < 0 && d.users().containsKey(name) ? name : null;
    }

    /** The directory user's primary (first) address; a user without one is known by name only when it is an address. */
    @Override
    public String mailboxOfUser(String user) {
        Directory.User u = rights.get().directory().users().get(user.toLowerCase(Locale.ROOT));
        return u != null && !u.addresses().isEmpty() ? u.addresses().get(0) : SessionPolicy.super.mailboxOfUser(user);
    }

    @Override
    public String organizationServer(String principal) {
        Directory.Server s = rights.get().directory().serverByPrincipal(principal);
        return s == null ? null : s.name();
    }

    /** A local part that names another destination: the percent hack, a bang path, a quoted address. */
    static boolean routingLocalPart(String local) {
        return local.indexOf('%') >= 0 || local.indexOf('!') >= 0 || local.indexOf('@') >= 0;
    }

    private boolean knownMailbox(MailAddress rcpt, Directory directory) {
        if (autoCreate || rcpt.localPart().equalsIgnoreCase("postmaster")) {
            return true;
        }
        String full = rcpt.toString().toLowerCase(Locale.ROOT);
        String local = rcpt.localPart().toLowerCase(Locale.ROOT);
        if (users.contains(full) || users.contains(local) || aliases.containsKey(full) || aliases.containsKey(local)) {
            return true;
        }
        // a user of the directory whose mailbox is here (or who has no home server: one server holds them all)
        Directory.User u = directory.userByAddress(full);
        return u != null && (u.homeServer() == null || u.homeServer().equals(server));
    }
}
