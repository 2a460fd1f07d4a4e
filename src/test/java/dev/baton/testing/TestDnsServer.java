package dev.baton.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A DNS server on 127.0.0.1 (UDP, a free port) answering from an in-memory zone, as a
 * recursive resolver would: CNAMEs are followed within the zone and the chain is given with
 * the records at its end; a name with no records at all is NXDOMAIN, a name with records of
 * other types NODATA. Names can be made to answer SERVFAIL, or not at all (a timeout), and
 * every answer can be delayed.
 * <p>
 * Answers are kept under 512 octets, so a client never needs TCP; there is no TCP listener.
 * Queries and answers are real DNS messages, parsed and built with dnsjava.
 */
public final class TestDnsServer implements AutoCloseable {

    private static final long TTL = 300;

    private final DatagramSocket socket;
    private final Thread thread;
    private final Map<Name, List<Record>> zone = new ConcurrentHashMap<>();
    private final Set<Name> servfail = ConcurrentHashMap.newKeySet();
    private final Set<Name> silent = ConcurrentHashMap.newKeySet();
    private final List<String> queries = new CopyOnWriteArrayList<>();
    private volatile Duration delay = Duration.ZERO;
    private volatile boolean followCnames = true;

    private TestDnsServer() throws SocketException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = Thread.ofPlatform().daemon().name("test-dns-" + socket.getLocalPort()).start(this::serve);
    }

    /** Starts a server with an empty zone. */
    public static TestDnsServer start() {
        try {
            return new TestDnsServer();
        } catch (SocketException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** host:port, as {@code delivery.resolver} is written. */
    public String address() {
        return "127.0.0.1:" + socket.getLocalPort();
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** An MX record; {@code host} "." makes a null MX (RFC 7505). */
    public TestDnsServer mx(String domain, int preference, String host) {
        return add(new MXRecord(name(domain), DClass.IN, TTL, preference, name(host)));
    }

    public TestDnsServer a(String host, String... addresses) {
        for (String address : addresses) {
            add(new ARecord(name(host), DClass.IN, TTL, ip(address)));
        }
        return this;
    }

    public TestDnsServer aaaa(String host, String... addresses) {
        for (String address : addresses) {
            add(new AAAARecord(name(host), DClass.IN, TTL, ip(address)));
        }
        return this;
    }

    public TestDnsServer cname(String alias, String target) {
        return add(new CNAMERecord(name(alias), DClass.IN, TTL, name(target)));
    }

    /** A name that exists with records of no type a test asks for (a TXT record), so MX/A/AAAA queries get NODATA. */
    public TestDnsServer exists(String domain) {
        return add(new TXTRecord(name(domain), DClass.IN, TTL, "exists"));
    }

    /** Every query for this name is answered SERVFAIL. */
    public TestDnsServer servfail(String domain) {
        servfail.add(name(domain));
        return this;
    }

    /** Every query for this name goes unanswered, so the client times out. */
    public TestDnsServer silent(String domain) {
        silent.add(name(domain));
        return this;
    }

    /** Every answer is sent this late. */
    public TestDnsServer delay(Duration delay) {
        this.delay = delay;
        return this;
    }

    /** Answers a CNAME alone, as an authoritative server for the alias only would, so the client must ask for its target. */
    public TestDnsServer cnamesUnfollowed() {
        followCnames = false;
        return this;
    }

    /** Queries received so far, as "name/TYPE" with the name's final dot. */
    public List<String> queries() {
        return List.copyOf(queries);
    }

    @Override
    public void close() {
        socket.close();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private TestDnsServer add(Record r) {
        zone.computeIfAbsent(r.getName(), n -> new CopyOnWriteArrayList<>()).add(r);
        return this;
    }

    private void serve() {
        byte[] buffer = new byte[65535];
        while (!socket.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(packet);
            } catch (IOException e) {
                return; // closed
            }
            Message query;
            try {
                query = new Message(Arrays.copyOf(packet.getData(), packet.getLength()));
            } catch (IOException e) {
                continue; // not DNS: ignore, as servers do
            }
            InetSocketAddress client = (InetSocketAddress) packet.getSocketAddress();
            Thread.ofVirtual().start(() -> answer(query, client));
        }
    }

    private void answer(Message query, InetSocketAddress client) {
        Record question = query.getQuestion();
        if (question == null) {
            return;
        }
        queries.add(question.getName() + "/" + Type.string(question.getType()));
        if (silent.contains(question.getName())) {
            return;
        }
        Message response = respond(query, question);
        try {
            Duration d = delay;
            if (!d.isZero()) {
                Thread.sleep(d);
            }
            byte[] wire = response.toWire(512);
            socket.send(new DatagramPacket(wire, wire.length, client));
        } catch (IOException | InterruptedException e) {
            // closed while answering
        }
    }

    private Message respond(Message query, Record question) {
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        if (query.getHeader().getFlag(Flags.RD)) {
            response.getHeader().setFlag(Flags.RD);
        }
        response.getHeader().setFlag(Flags.RA);
        response.addRecord(question, Section.QUESTION);
        Name name = question.getName();
        int type = question.getType();
        for (int hops = 0; hops <= 8; hops++) {
            if (servfail.contains(name)) {
                response.getHeader().setRcode(Rcode.SERVFAIL);
                return response;
            }
            List<Record> records = zone.getOrDefault(name, List.of());
            if (records.isEmpty()) {
                response.getHeader().setRcode(Rcode.NXDOMAIN);
                return response;
            }
            List<Record> matching = new ArrayList<>();
            Record alias = null;
            for (Record r : records) {
                if (r.getType() == type) {
                    matching.add(r);
                } else if (r.getType() == Type.CNAME) {
                    alias = r;
                }
            }
            if (!matching.isEmpty() || alias == null) {
                matching.forEach(r -> response.addRecord(r, Section.ANSWER));
                return response; // the records, or NODATA
            }
            response.addRecord(alias, Section.ANSWER);
            if (!followCnames) {
                return response;
            }
            name = ((CNAMERecord) alias).getTarget();
        }
        response.getHeader().setRcode(Rcode.SERVFAIL); // CNAME loop
        return response;
    }

    private static Name name(String s) {
        try {
            return Name.fromString(s.endsWith(".") ? s : s + ".");
        } catch (TextParseException e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    private static InetAddress ip(String literal) {
        try {
            return org.xbill.DNS.Address.getByAddress(literal.toLowerCase(Locale.ROOT));
        } catch (IOException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
