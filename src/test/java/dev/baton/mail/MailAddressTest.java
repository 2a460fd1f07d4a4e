package dev.baton.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MailAddressTest {

    @Test
    void parsesLocalPartAndDomain() throws Exception {
        MailAddress a = MailAddress.parse("Alice.B+tag@Example.Test");
        assertThat(a.localPart()).isEqualTo("Alice.B+tag");
        assertThat(a.domain()).isEqualTo("Example.Test");
        assertThat(a.domainKey()).isEqualTo("example.test");
        assertThat(a).hasToString("Alice.B+tag@Example.Test");
    }

    @Test
    void quotedLocalPartMayHoldSpacesAndAt() throws Exception {
        MailAddress a = MailAddress.parse("\"john doe@home\"@example.test");
        assertThat(a.localPart()).isEqualTo("\"john doe@home\"");
        assertThat(a.domain()).isEqualTo("example.test");
    }

    @Test
    void postmasterWithoutDomainIsAllowedInAnyCase() throws Exception {
        assertThat(MailAddress.parse("PostMaster").domain()).isEmpty();
        assertThat(MailAddress.parse("\"postmaster\"").domain()).isEmpty();
    }

    @Test
    void addressLiteralsAreAllowed() throws Exception {
        assertThat(MailAddress.parse("a@[192.0.2.1]").domain()).isEqualTo("[192.0.2.1]");
        assertThat(MailAddress.parse("a@[IPv6:2001:db8::1]").domain()).isEqualTo("[IPv6:2001:db8::1]");
    }

    @Test
    void utf8AddressIsNotAscii() throws Exception {
        MailAddress a = MailAddress.parse("jösé@exämple.test");
        assertThat(a.isAscii()).isFalse();
        assertThat(MailAddress.parse("a@b.test").isAscii()).isTrue();
    }

    @Test
    void nullSenderIsNull() {
        assertThat(MailAddress.NULL_SENDER.isNull()).isTrue();
        assertThat(MailAddress.NULL_SENDER).hasToString("");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "alice", "@example.test", "alice@", ".a@b.test", "a.@b.test", "a..b@b.test",
        "a b@b.test", "a@b..test", "a@-b.test", "a@b-.test", "a@b_c.test", "a@[300.1.1.1]", "a@[1.2.3]", "a@[]",
        "a@[IPv6:zz::1]", "\"unterminated@b.test", "\"a\"b@c.test", "\"a\u0001\"@b.test", "a@b.test\u0000",
        "a<b@c.test", "a\u0001@b.test"})
    void invalidAddressesAreRefused(String s) {
        assertThatThrownBy(() -> MailAddress.parse(s)).isInstanceOf(MailAddress.AddressException.class);
    }

    @Test
    void localPartOver64OctetsIsRefused() throws Exception {
        assertThat(MailAddress.parse("x".repeat(64) + "@b.test").localPart()).hasSize(64);
        assertThatThrownBy(() -> MailAddress.parse("x".repeat(65) + "@b.test")).hasMessageContaining("64");
    }

    @Test
    void domainLabelOver63OctetsIsRefused() throws Exception {
        assertThat(MailAddress.parse("a@" + "d".repeat(63) + ".test").domain()).startsWith("ddd");
        assertThatThrownBy(() -> MailAddress.parse("a@" + "d".repeat(64) + ".test")).hasMessageContaining("63");
    }

    @Test
    void domainOver255OctetsIsRefused() {
        String domain = ("d".repeat(60) + ".").repeat(5) + "test";
        assertThatThrownBy(() -> MailAddress.parse("a@" + domain)).hasMessageContaining("255");
    }

    @ParameterizedTest
    @ValueSource(strings = {"::1", "::", "2001:db8::1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6::", "::3:4:5:6:7:8", "FFFF::ffff",
        "::ffff:192.0.2.1", "::192.0.2.1", "1:2:3:4:5:6:192.0.2.1", "1::2:192.0.2.1", "1:2:3:4::192.0.2.1"})
    void ipv6LiteralsOfRfc5321AreAccepted(String literal) throws Exception {
        assertThat(MailAddress.isIpv6Address(literal)).isTrue();
        assertThat(MailAddress.parse("a@[IPv6:" + literal + "]").domain()).isEqualTo("[IPv6:" + literal + "]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ":", ":::", "::::::::::::::", "1::2::3", "12345::1", "g::1", "1:2:3:4:5:6:7", ":1::2", "1::2:",
        "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::", "::1.2.3", "1:2:3:4:5::192.0.2.1", "1:2:3:4:5:6:7:192.0.2.1",
        "::256.0.0.1", "1.2.3.4", "::ffff:192.0.2.1:1"})
    void malformedIpv6LiteralsAreRefused(String literal) {
        assertThat(MailAddress.isIpv6Address(literal)).isFalse();
        assertThatThrownBy(() -> MailAddress.parse("a@[IPv6:" + literal + "]")).isInstanceOf(MailAddress.AddressException.class);
    }
}
