package dev.baton.routing;

import dev.baton.queue.DeliveryText;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Finds the servers that receive mail for a domain (RFC 5321 5.1): its MX records in order of
 * preference, equal preferences in random order, each MX host with its A and AAAA addresses;
 * without MX records the domain's own addresses as an implicit MX; a null MX (RFC 7505) or a
 * domain that does not exist is a permanent failure; anything DNS cannot answer now is a
 * temporary one.
 * <p>
 * Each instance has its own dnsjava resolver and sends its own queries: no dnsjava cache and no
 * static resolver settings are used, so several nodes in one JVM can use different DNS servers.
 * Thread-safe.
 */
public final class MxResolver {

    /** The SMTP port of MX hosts. */
    public static final int SMTP_PORT = 25;

    /** Attempts per DNS server within the timeout of one query (UDP may lose a packet). */
    private static final int ATTEMPTS = 3;
    /**
     * dnsjava notices an attempt's timeout only when its selector wakes, once a second; shorter
     * attempts would not be retried sooner. A short overall timeout still ends the query in time.
     */
    private static final Duration MIN_ATTEMPT_TIMEOUT = Duration.ofSeconds(1);
    /** CNAMEs followed for one name at most. */
    private static final int MAX_CNAMES = 8;

    private final Resolver resolver;
    private final Random random;

    /**
     * @param resolver the DNS server as host[:port] or [IPv6][:port] (port 53 if none), or null
     *                 for the system's resolvers (resolv.conf)
     * @param timeout  the longest one DNS query may take, retries included
     * @throws IllegalArgumentException if the resolver address is malformed or its host unknown
     */
    public MxResolver(String resolver, Duration timeout) {
        this(resolver, timeout, new Random());
    }

    /** As {@link #MxResolver(String, Duration)}, shuffling equal MX preferences with {@code random} (seed it in tests). */
    public MxResolver(String resolver, Duration timeout, Random random) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("DNS timeout must be positive: " + timeout);
        }
        this.random = Objects.requireNonNull(random, "random");
        ExtendedResolver ext = resolver == null
                ? new ExtendedResolver()
                : new ExtendedResolver(List.<Resolver>of(new SimpleResolver(serverAddress(resolver))));
        Duration attempt = timeout.dividedBy(ATTEMPTS);
        if (attempt.compareTo(MIN_ATTEMPT_TIMEOUT) < 0) {
            attempt = MIN_ATTEMPT_TIMEOUT;
        }
        for (Resolver r : ext.getResolvers()) {
            r.setTimeout(attempt);
        }
        ext.setRetries(ATTEMPTS);
        ext.setLoadBalance(false);
        ext.setTimeout(timeout);
        this.resolver = ext;
    }

    /** The next hops for mail to {@code domain} on the SMTP port. */
    public Resolution resolve(String domain) {
        return resolve(domain, SMTP_PORT);
    }

    /**
     * The next hops for mail to {@code domain} (a domain name, or an address literal such as
     * {@code [192.0.2.1]} or {@code [IPv6:2001:db8::1]}, which needs no lookup), each on
     * {@code port}.
     */
    public Resolution resolve(String domain, int port) {
        Objects.requireNonNull(domain, "domain");
        if (domain.startsWith("[")) {
            return addressLiteral(domain, port);
        }
        String shown = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        if (shown.isEmpty()) {
            return new Resolution.PermanentFailure(DeliveryText.DNS_EMPTY_DOMAIN.reply());
        }
        Name name;
        try {
            name = Name.fromString(shown + ".");
        } catch (TextParseException e) {
            return new Resolution.PermanentFailure(DeliveryText.DNS_INVALID_DOMAIN.reply(clean(shown)));
        }

        List<Record> mx;
        try {
            mx = query(name, Type.MX);
        } catch (LookupFailure e) {
            return temporary(shown, e.getMessage());
        }
        if (mx == null) {
            return new Resolution.PermanentFailure(DeliveryText.DNS_NO_SUCH_DOMAIN.reply(shown));
        }
        if (mx.isEmpty()) {
            return implicitMx(name, shown, port);
        }
        if (mx.size() == 1 && ((MXRecord) mx.get(0)).getTarget().equals(Name.root)) {
            return new Resolution.PermanentFailure(DeliveryText.DNS_NULL_MX.reply(shown));
        }
        return mxHosts(mx, shown, port);
    }

    private Resolution mxHosts(List<Record> records, String shown, int port) {
        List<MXRecord> mx = new ArrayList<>(records.size());
        for (Record r : records) {
            MXRecord m = (MXRecord) r;
            // a "." among other MX records is a broken null MX: it names no host
            if (!m.getTarget().equals(Name.root)) {
                mx.add(m);
            }
        }
        Collections.shuffle(mx, random);
        mx.sort(Comparator.comparingInt(MXRecord::getPriority)); // stable: equal preferences stay shuffled

        List<NextHop> hops = new ArrayList<>(mx.size());
        List<Name> seen = new ArrayList<>(mx.size());
        StringBuilder problems = new StringBuilder();
        for (MXRecord m : mx) {
            Name host = m.getTarget();
            if (seen.contains(host)) {
                continue;
            }
            seen.add(host);
            String hostText = text(host);
            try {
                List<InetAddress> addresses = addresses(host);
                if (addresses.isEmpty()) {
                    note(problems, hostText, "no address");
                } else {
                    hops.add(new NextHop(hostText, port, m.getPriority(), addresses));
                }
            } catch (LookupFailure e) {
                note(problems, hostText, e.getMessage());
            }
        }
        if (hops.isEmpty()) {
            return temporary(shown, "no MX host has an address (" + problems + ")");
        }
        return new Resolution.Found(hops);
    }

    private Resolution implicitMx(Name name, String shown, int port) {
        List<InetAddress> addresses;
        try {
            addresses = addresses(name);
        } catch (LookupFailure e) {
            return temporary(shown, e.getMessage());
        }
        if (addresses.isEmpty()) {
            return new Resolution.PermanentFailure(DeliveryText.DNS_NO_MAIL_HOST.reply(shown));
        }
        return new Resolution.Found(List.of(new NextHop(text(name), port, 0, addresses)));
    }

    /**
     * The A then AAAA addresses of a host; empty if it has none or does not exist. One family
     * failing while the other answers still gives the other's addresses.
     */
    private List<InetAddress> addresses(Name host) throws LookupFailure {
        List<InetAddress> addresses = new ArrayList<>();
        LookupFailure failure = null;
        for (int type : new int[] {Type.A, Type.AAAA}) {
            try {
                List<Record> records = query(host, type);
                if (records != null) {
                    for (Record r : records) {
                        addresses.add(r instanceof ARecord a ? a.getAddress() : ((AAAARecord) r).getAddress());
                    }
                }
            } catch (LookupFailure e) {
                failure = e;
            }
        }
        if (addresses.isEmpty() && failure != null) {
            throw failure;
        }
        return addresses;
    }

    /**
     * The records of {@code type} for {@code name}, following CNAMEs: an empty list if the name
     * exists without such records, null if it does not exist (NXDOMAIN).
     */
    private List<Record> query(Name name, int type) throws LookupFailure {
        Name current = name;
        int cnames = 0;
        while (true) {
            Message response;
            try {
                response = resolver.send(Message.newQuery(Record.newRecord(current, type, DClass.IN)));
            } catch (IOException e) { // dnsjava keeps the interrupt status if interrupted
                throw new LookupFailure(describe(current, type, e));
            }
            int rcode = response.getRcode();
            if (rcode == Rcode.NXDOMAIN) {
                return null;
            }
            if (rcode != Rcode.NOERROR) {
                throw new LookupFailure(text(current) + "/" + Type.string(type) + ": " + Rcode.string(rcode));
            }
            // a recursive resolver answers with the CNAME chain and, at its end, the records
            List<Record> answer = response.getSection(Section.ANSWER);
            Name target = current;
            while (true) {
                List<Record> found = new ArrayList<>();
                CNAMERecord alias = null;
                for (Record r : answer) {
                    if (r.getName().equals(target)) {
                        if (r.getType() == type) {
                            found.add(r);
                        } else if (r instanceof CNAMERecord c) {
                            alias = c;
                        }
                    }
                }
                if (!found.isEmpty()) {
                    return found;
                }
                if (alias == null) {
                    break;
                }
                if (++cnames > MAX_CNAMES) {
                    throw new LookupFailure(text(name) + "/" + Type.string(type) + ": more than " + MAX_CNAMES + " CNAMEs");
                }
                target = alias.getTarget();
            }
            if (target.equals(current)) {
                return List.of();
            }
            current = target; // the chain ended without records: ask for its end
        }
    }

    private static Resolution addressLiteral(String literal, int port) {
        if (!literal.endsWith("]")) {
            return badLiteral(literal);
        }
        String inner = literal.substring(1, literal.length() - 1);
        byte[] bytes;
        if (inner.regionMatches(true, 0, "IPv6:", 0, 5)) {
            inner = inner.substring(5);
            bytes = Address.toByteArray(inner, Address.IPv6);
        } else {
            bytes = Address.toByteArray(inner, Address.IPv4);
        }
        if (bytes == null) {
            return badLiteral(literal);
        }
        InetAddress address;
        try {
            address = InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            return badLiteral(literal);
        }
        return new Resolution.Found(List.of(new NextHop(inner.toLowerCase(Locale.ROOT), port, 0, List.of(address))));
    }

    private static Resolution badLiteral(String literal) {
        return new Resolution.PermanentFailure(DeliveryText.DNS_INVALID_LITERAL.reply(clean(literal)));
    }

    private static Resolution temporary(String domain, String detail) {
        return new Resolution.TemporaryFailure(DeliveryText.DNS_FAILED.reply(domain, clean(detail)));
    }

    private static String describe(Name name, int type, IOException e) {
        String what = text(name) + "/" + Type.string(type) + ": ";
        if (e instanceof SocketTimeoutException || String.valueOf(e.getMessage()).startsWith("Timed out")) {
            return what + "timed out";
        }
        return what + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }

    private static void note(StringBuilder problems, String host, String problem) {
        if (!problems.isEmpty()) {
            problems.append("; ");
        }
        problems.append(host).append(": ").append(problem);
    }

    /** A name without its final dot, as mail administrators write it. */
    private static String text(Name name) {
        return name.toString(true);
    }

    /** No line breaks or other controls from DNS or the caller in a reply text. */
    private static String clean(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return sb.toString();
    }

    /** host[:port] or [IPv6][:port], port 53 if none. */
    private static InetSocketAddress serverAddress(String resolver) {
        String host;
        int port = SimpleResolver.DEFAULT_PORT;
        String portText = null;
        if (resolver.startsWith("[")) {
            int close = resolver.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("DNS server \"" + resolver + "\" is not [IPv6][:port]");
            }
            host = resolver.substring(1, close);
            String rest = resolver.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("DNS server \"" + resolver + "\" is not [IPv6][:port]");
                }
                portText = rest.substring(1);
            }
        } else {
            int colon = resolver.indexOf(':');
            if (colon >= 0 && colon != resolver.lastIndexOf(':')) {
                throw new IllegalArgumentException("DNS server \"" + resolver + "\": write an IPv6 address as [address]:port");
            }
            host = colon < 0 ? resolver : resolver.substring(0, colon);
            portText = colon < 0 ? null : resolver.substring(colon + 1);
        }
        if (portText != null) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("DNS server \"" + resolver + "\" has no valid port");
            }
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("DNS server \"" + resolver + "\" has no host");
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("DNS server \"" + resolver + "\": unknown host " + host);
        }
        return address;
    }

    /** A lookup DNS could not answer now; the message says which and why. */
    private static final class LookupFailure extends Exception {
        private static final long serialVersionUID = 1L;

        LookupFailure(String message) {
            super(message, null, false, false);
        }
    }
}
