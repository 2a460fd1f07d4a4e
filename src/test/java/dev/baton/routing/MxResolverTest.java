package dev.baton.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.testing.TestDnsServer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** MxResolver against a real DNS server on loopback (TestDnsServer). */
@Timeout(10)
class MxResolverTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final TestDnsServer dns = TestDnsServer.start();

    @AfterEach
    void stopDns() {
        dns.close();
    }

    private MxResolver resolver() {
        return new MxResolver(dns.address(), TIMEOUT, new Random(1));
    }

    private static List<NextHop> hops(Resolution r) {
        assertThat(r).isInstanceOf(Resolution.Found.class);
        return ((Resolution.Found) r).hops();
    }

    private static String temporary(Resolution r) {
        assertThat(r).isInstanceOf(Resolution.TemporaryFailure.class);
        return ((Resolution.TemporaryFailure) r).reply().text();
    }

    private static String permanent(Resolution r) {
        assertThat(r).isInstanceOf(Resolution.PermanentFailure.class);
        return ((Resolution.PermanentFailure) r).reply().text();
    }

    private static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal); // a literal: no lookup
    }

    @Test
    @Timeout(5)
    void mxHostsInOrderOfPreferenceWithTheirAddressesOnPort25() throws Exception {
        dns.mx("example.test", 20, "backup.example.test")
                .mx("example.test", 10, "mx.example.test")
                .a("mx.example.test", "192.0.2.10")
                .aaaa("mx.example.test", "2001:db8::10")
                .a("backup.example.test", "192.0.2.20");

        List<NextHop> hops = hops(resolver().resolve("example.test"));

        assertThat(hops).containsExactly(
                new NextHop("mx.example.test", 25, 10, List.of(ip("192.0.2.10"), ip("2001:db8::10"))),
                new NextHop("backup.example.test", 25, 20, List.of(ip("192.0.2.20"))));
    }

    @Test
    @Timeout(5)
    void equalPreferencesAreShuffledAndTheSeedMakesTheOrderRepeatable() {
        dns.mx("example.test", 5, "first.example.test").a("first.example.test", "192.0.2.1");
        List<String> equal = List.of("a.example.test", "b.example.test", "c.example.test", "d.example.test", "e.example.test");
        for (int i = 0; i < equal.size(); i++) {
            dns.mx("example.test", 10, equal.get(i)).a(equal.get(i), "192.0.2." + (10 + i));
        }

        Set<List<String>> orders = new HashSet<>();
        for (long seed = 0; seed < 10; seed++) {
            List<String> once = hosts(new MxResolver(dns.address(), TIMEOUT, new Random(seed)).resolve("example.test"));
            List<String> again = hosts(new MxResolver(dns.address(), TIMEOUT, new Random(seed)).resolve("example.test"));
            assertThat(again).as("seed " + seed).isEqualTo(once);
            assertThat(once.get(0)).isEqualTo("first.example.test");
            assertThat(once.subList(1, once.size())).containsExactlyInAnyOrderElementsOf(equal);
            orders.add(once);
        }
        assertThat(orders).as("different seeds, different orders").hasSizeGreaterThan(3);
    }

    private static List<String> hosts(Resolution r) {
        return hops(r).stream().map(NextHop::host).toList();
    }

    @Test
    @Timeout(5)
    void withoutMxTheDomainItselfIsAnImplicitMxOfPreference0() throws Exception {
        dns.a("plain.test", "192.0.2.5").aaaa("plain.test", "2001:db8::5");

        assertThat(hops(resolver().resolve("plain.test.", 2525))).containsExactly(
                new NextHop("plain.test", 2525, 0, List.of(ip("192.0.2.5"), ip("2001:db8::5"))));
    }

    @Test
    @Timeout(5)
    void nullMxIsPermanent() {
        dns.mx("nomail.test", 0, ".").a("nomail.test", "192.0.2.7");

        assertThat(permanent(resolver().resolve("nomail.test")))
                .isEqualTo("556 5.1.10 domain nomail.test does not accept mail (null MX)");
    }

    @Test
    @Timeout(5)
    void nonexistentDomainIsPermanent() {
        assertThat(permanent(resolver().resolve("nowhere.test")))
                .isEqualTo("550 5.1.2 domain nowhere.test does not exist");
    }

    @Test
    @Timeout(5)
    void domainWithNeitherMxNorAddressIsPermanent() {
        dns.exists("empty.test");

        assertThat(permanent(resolver().resolve("empty.test")))
                .isEqualTo("550 5.1.2 domain empty.test has no MX and no address records");
    }

    @Test
    @Timeout(5)
    void servfailIsTemporary() {
        dns.servfail("broken.test");

        assertThat(temporary(resolver().resolve("broken.test")))
                .startsWith("451 4.4.3 DNS lookup of broken.test failed: ")
                .contains("SERVFAIL");
    }

    @Test
    @Timeout(5)
    void aServerThatDoesNotAnswerIsATemporaryFailureWithinTheTimeout() {
        dns.silent("slow.test");
        MxResolver resolver = new MxResolver(dns.address(), Duration.ofMillis(300), new Random(1));

        long start = System.nanoTime();
        String reply = temporary(resolver.resolve("slow.test"));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(reply).isEqualTo("451 4.4.3 DNS lookup of slow.test failed: slow.test/MX: timed out");
    }

    @Test
    @Timeout(5)
    void aSlowAnswerWithinTheTimeoutIsUsed() throws Exception {
        dns.mx("late.test", 10, "mx.late.test").a("mx.late.test", "192.0.2.30").delay(Duration.ofMillis(100));

        assertThat(hops(resolver().resolve("late.test")))
                .containsExactly(new NextHop("mx.late.test", 25, 10, List.of(ip("192.0.2.30"))));
    }

    @Test
    @Timeout(5)
    void mxHostsWithoutAddressesAreSkipped() throws Exception {
        dns.mx("example.test", 10, "gone.example.test")          // NXDOMAIN
                .mx("example.test", 20, "noaddr.example.test")    // NODATA
                .exists("noaddr.example.test")
                .mx("example.test", 30, "failing.example.test")   // SERVFAIL
                .servfail("failing.example.test")
                .mx("example.test", 40, "mx.example.test")
                .a("mx.example.test", "192.0.2.40");

        assertThat(hops(resolver().resolve("example.test")))
                .containsExactly(new NextHop("mx.example.test", 25, 40, List.of(ip("192.0.2.40"))));
    }

    @Test
    @Timeout(5)
    void noMxHostWithAnAddressIsTemporary() {
        dns.mx("example.test", 10, "gone.example.test").mx("example.test", 20, "failing.example.test")
                .servfail("failing.example.test");

        assertThat(temporary(resolver().resolve("example.test")))
                .startsWith("451 4.4.3 DNS lookup of example.test failed: no MX host has an address (")
                .contains("gone.example.test: no address")
                .contains("failing.example.test: ", "SERVFAIL");
    }

    @Test
    @Timeout(5)
    void aCnameIsFollowedForTheMxHostAndTheMxNameKept() throws Exception {
        dns.mx("example.test", 10, "mail.example.test")
                .cname("mail.example.test", "server.hosting.test")
                .a("server.hosting.test", "192.0.2.50");

        assertThat(hops(resolver().resolve("example.test")))
                .containsExactly(new NextHop("mail.example.test", 25, 10, List.of(ip("192.0.2.50"))));
    }

    @Test
    @Timeout(5)
    void aCnameAnsweredAloneIsAskedForByItsTarget() throws Exception {
        dns.mx("example.test", 10, "mail.example.test")
                .cname("mail.example.test", "server.hosting.test")
                .a("server.hosting.test", "192.0.2.51")
                .cnamesUnfollowed();

        assertThat(hops(resolver().resolve("example.test")))
                .containsExactly(new NextHop("mail.example.test", 25, 10, List.of(ip("192.0.2.51"))));
        assertThat(dns.queries()).contains("mail.example.test./A", "server.hosting.test./A");
    }

    @Test
    @Timeout(5)
    void aCnameLoopIsNotFollowedForever() {
        dns.mx("example.test", 10, "a.example.test")
                .cname("a.example.test", "b.example.test")
                .cname("b.example.test", "a.example.test")
                .cnamesUnfollowed();

        assertThat(temporary(resolver().resolve("example.test")))
                .contains("a.example.test: ", "CNAMEs");
    }

    @Test
    @Timeout(5)
    void addressLiteralsNeedNoLookup() throws Exception {
        MxResolver resolver = resolver();

        assertThat(hops(resolver.resolve("[192.0.2.60]")))
                .containsExactly(new NextHop("192.0.2.60", 25, 0, List.of(ip("192.0.2.60"))));
        assertThat(hops(resolver.resolve("[IPv6:2001:DB8::60]", 587)))
                .containsExactly(new NextHop("2001:db8::60", 587, 0, List.of(ip("2001:db8::60"))));
        assertThat(permanent(resolver.resolve("[192.0.2]"))).isEqualTo("550 5.1.2 [192.0.2] is not a valid address literal");
        assertThat(permanent(resolver.resolve("[2001:db8::60]"))).startsWith("550 5.1.2 ");
        assertThat(dns.queries()).isEmpty();
    }

    @Test
    @Timeout(5)
    void malformedResolverAddressesAreRejected() {
        assertThatThrownBy(() -> new MxResolver("127.0.0.1:99999", TIMEOUT)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MxResolver("::1", TIMEOUT)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MxResolver("127.0.0.1", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        new MxResolver("[::1]:53", TIMEOUT);
        new MxResolver("127.0.0.1", TIMEOUT);
    }
}
