package dev.baton.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.mail.MailAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PathArgumentTest {

    @Test
    void splitsAddressAndParameters() throws Exception {
        PathArgument p = PathArgument.parse("FROM:<a@b.test> size=100 BODY=8BITMIME SMTPUTF8", "FROM:");
        assertThat(p.address()).hasToString("a@b.test");
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("SIZE", "100");
        expected.put("BODY", "8BITMIME");
        expected.put("SMTPUTF8", null);
        assertThat(p.parameters()).containsExactlyEntriesOf(expected);
    }

    @Test
    void prefixIsCaseInsensitiveAndMayBeFollowedBySpace() throws Exception {
        assertThat(PathArgument.parse("from: <a@b.test>", "FROM:").address().domain()).isEqualTo("b.test");
        assertThat(PathArgument.parse("To:<a@b.test>", "TO:").address().localPart()).isEqualTo("a");
    }

    @Test
    void emptyPathIsTheNullSender() throws Exception {
        assertThat(PathArgument.parse("FROM:<>", "FROM:").address().isNull()).isTrue();
    }

    @Test
    void sourceRouteIsDropped() throws Exception {
        assertThat(PathArgument.parse("TO:<@r1.test,@r2.test:a@b.test>", "TO:").address()).hasToString("a@b.test");
    }

    @Test
    void quotedGreaterThanDoesNotCloseThePath() throws Exception {
        PathArgument p = PathArgument.parse("TO:<\"a>b\"@c.test> NOTIFY=NEVER", "TO:");
        assertThat(p.address().localPart()).isEqualTo("\"a>b\"");
        assertThat(p.parameters()).containsEntry("NOTIFY", "NEVER");
    }

    @Test
    void parameterValueKeepsItsCaseAndEqualsSigns() throws Exception {
        assertThat(PathArgument.parse("FROM:<a@b.test> ENVID=aB=c", "FROM:").parameters()).containsEntry("ENVID", "aB=c");
    }

    @Test
    void pathOfExactly256OctetsIsAllowed() throws Exception {
        String local = "l".repeat(64);
        String domain = ("d".repeat(62) + ".").repeat(2) + "d".repeat(63);
        String inner = local + "@" + domain;
        assertThat(inner.length() + 2).isEqualTo(256);
        assertThat(PathArgument.parse("TO:<" + inner + ">", "TO:").address().domain()).isEqualTo(domain);
        assertThatThrownBy(() -> PathArgument.parse("TO:<" + inner + "d>", "TO:")).hasMessageContaining("256");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "FROM", "FROM:", "FROM:a@b.test", "FROM:<a@b.test", "FROM:<a@b.test>SIZE=1",
        "TO:<a@b.test>", "FROM:<@r.test a@b.test>"})
    void malformedPathsAreAddressErrors(String arg) {
        assertThatThrownBy(() -> PathArgument.parse(arg, "FROM:")).isInstanceOf(MailAddress.AddressException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"FROM:<a@b.test> SIZE=1 size=2", "FROM:<a@b.test> =x", "FROM:<a@b.test> S_Z=1", "FROM:<a@b.test> -X=1"})
    void malformedParametersAreSyntaxErrorsInParameters(String arg) {
        assertThatThrownBy(() -> PathArgument.parse(arg, "FROM:")).isInstanceOf(ParameterException.class)
                .satisfies(e -> assertThat(((ParameterException) e).reply().oneLine(true)).startsWith("501 5.5.4 "));
    }
}
