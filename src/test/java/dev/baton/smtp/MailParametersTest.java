package dev.baton.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** MAIL FROM parameters (RFC 1870, 6152, 3030, 6531, 3461): what is refused with which reply, what is kept, how it goes back on the wire. */
class MailParametersTest {

    private static final long MAX = 10_485_760;

    /** "K=V" is keyword K with value V, "K" a keyword without value; in the order given, as PathArgument hands them over. */
    static Map<String, String> params(String... given) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String p : given) {
            int eq = p.indexOf('=');
            m.put(eq < 0 ? p : p.substring(0, eq), eq < 0 ? null : p.substring(eq + 1));
        }
        return m;
    }

    private static Response refusal(boolean esmtp, String... given) {
        ParameterException e = catchThrowableOfType(ParameterException.class, () -> MailParameters.parse(params(given), esmtp, MAX));
        assertThat(e).as("refused: %s", String.join(" ", given)).isNotNull();
        return e.reply();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "SIZE=big|SIZE_NOT_A_NUMBER", "SIZE=|SIZE_NOT_A_NUMBER", "SIZE|SIZE_NOT_A_NUMBER", "SIZE=-1|SIZE_NOT_A_NUMBER",
        "SIZE=+1|SIZE_NOT_A_NUMBER", "SIZE=1234567890123456789|SIZE_NOT_A_NUMBER", "SIZE=10485761|MESSAGE_TOO_BIG",
        "BODY=9BIT|BODY_UNKNOWN", "BODY|BODY_UNKNOWN", "BODY=|BODY_UNKNOWN",
        "SMTPUTF8=yes|SMTPUTF8_TAKES_NO_VALUE", "SMTPUTF8=|SMTPUTF8_TAKES_NO_VALUE",
        "RET=BODY|RET_UNKNOWN", "RET|RET_UNKNOWN",
        "ENVID|ENVID_INVALID", "ENVID=|ENVID_INVALID", "ENVID=a+zz|ENVID_INVALID", "ENVID=a+4|ENVID_INVALID", "ENVID=a=b|ENVID_INVALID",
        "XFOO=bar|PARAMETER_UNRECOGNIZED",
        "AUTH|PARAMETER_SYNTAX", "AUTH=|PARAMETER_SYNTAX", "AUTH=a+zz@b.test|PARAMETER_SYNTAX", "AUTH=a+4|PARAMETER_SYNTAX",
        "AUTH=a=b@c.test|PARAMETER_SYNTAX", "AUTH=alice|PARAMETER_SYNTAX", "AUTH=<alice@example.test>|PARAMETER_SYNTAX",
        "AUTH=@example.test|PARAMETER_SYNTAX"})
    void eachBadParameterHasItsReply(String parameter, Reply expected) {
        assertThat(refusal(true, parameter).id()).isEqualTo(expected);
    }

    @Test
    void refusalsSayWhatWasWrong() {
        assertThat(refusal(true, "SIZE=10485761").lines()).containsExactly("Message size exceeds the limit of 10485760 octets");
        assertThat(refusal(true, "SIZE=10485761").enhanced()).isEqualTo("5.3.4");
        assertThat(refusal(true, "ENVID=" + "a".repeat(101)).lines())
                .containsExactly("Invalid parameter: ENVID: ENVID must be 1 to 100 characters of xtext");
        assertThat(refusal(true, "ENVID=a+zz").lines()).containsExactly("Invalid parameter: ENVID: bad xtext escape +zz");
        assertThat(refusal(true, "XFOO=bar").lines()).containsExactly("Unsupported parameter: XFOO");
        assertThat(refusal(true, "XFOO=bar").code()).isEqualTo(555);
        assertThat(refusal(true, "SIZE=big").code()).isEqualTo(501);
    }

    @Test
    void authIsAnXtextMailboxOrTheEmptyPath() throws Exception {
        assertThat(MailParameters.parse(params("AUTH=<>"), true, MAX).auth()).isEmpty();
        assertThat(MailParameters.parse(params("AUTH=alice+2Bsub@example.test"), true, MAX).auth()).isEqualTo("alice+sub@example.test");
        assertThat(MailParameters.parse(params("AUTH=+22a+20b+22@example.test"), true, MAX).auth()).isEqualTo("\"a b\"@example.test");
        assertThat(MailParameters.parse(params("SIZE=10"), true, MAX).auth()).as("not given").isNull();
        assertThat(refusal(true, "AUTH=a+zz@b.test").lines()).containsExactly("Syntax error in parameters: AUTH=: bad xtext escape +zz");
        assertThat(refusal(true, "AUTH=a+zz@b.test").code()).isEqualTo(501);
        assertThat(refusal(false, "AUTH=<>").id()).as("after HELO").isEqualTo(Reply.PARAMETER_UNRECOGNIZED);
    }

    @Test
    void authGoesBackOnTheWireAsXtextOrTheEmptyPath() {
        assertThat(new MailParameters("7BIT", false, null, null, -1, "").appendTo(new StringBuilder()).toString()).isEqualTo(" AUTH=<>");
        assertThat(new MailParameters("8BITMIME", false, "FULL", null, 5, "a+b=c@example.test").appendTo(new StringBuilder()).toString())
                .isEqualTo(" SIZE=5 BODY=8BITMIME RET=FULL AUTH=a+2Bb+3Dc@example.test");
    }

    @Test
    void theFirstBadParameterInTheOrderGivenRefuses() {
        assertThat(refusal(true, "SIZE=big", "XFOO").id()).isEqualTo(Reply.SIZE_NOT_A_NUMBER);
        assertThat(refusal(true, "XFOO", "SIZE=big").id()).isEqualTo(Reply.PARAMETER_UNRECOGNIZED);
        assertThat(refusal(true, "BODY=8BITMIME", "RET=NONE", "ENVID=").id()).isEqualTo(Reply.RET_UNKNOWN);
        assertThat(refusal(true, "SMTPUTF8", "SIZE=99999999999", "BODY=9BIT").id()).isEqualTo(Reply.MESSAGE_TOO_BIG);
    }

    @Test
    void afterHeloEveryParameterIsUnrecognized() throws Exception {
        for (String p : new String[] {"SIZE=10", "BODY=8BITMIME", "SMTPUTF8", "RET=FULL", "ENVID=x"}) {
            Response r = refusal(false, p);
            assertThat(r.id()).as(p).isEqualTo(Reply.PARAMETER_UNRECOGNIZED);
            assertThat(r.lines().get(0)).endsWith(": " + p.split("=")[0]);
        }
        assertThat(MailParameters.parse(Map.of(), false, MAX)).isEqualTo(MailParameters.NONE);
    }

    @Test
    void noParametersMeanSevenBitAndNoSize() throws Exception {
        MailParameters p = MailParameters.parse(Map.of(), true, MAX);
        assertThat(p).isEqualTo(MailParameters.NONE);
        assertThat(p.body()).isEqualTo("7BIT");
        assertThat(p.size()).isEqualTo(-1);
        assertThat(p.declaredSize()).isZero();
    }

    @Test
    void valuesAreNormalizedAndDecoded() throws Exception {
        MailParameters p = MailParameters.parse(params("SIZE=10485760", "BODY=8bitmime", "SMTPUTF8", "RET=hdrs", "ENVID=QQ+2B314+20x"), true, MAX);
        assertThat(p).isEqualTo(new MailParameters("8BITMIME", true, "HDRS", "QQ+314 x", 10_485_760));
        assertThat(p.declaredSize()).isEqualTo(10_485_760);
        assertThat(MailParameters.parse(params("SIZE=0", "BODY=BinaryMIME"), true, MAX))
                .isEqualTo(new MailParameters("BINARYMIME", false, null, null, 0));
        assertThat(MailParameters.parse(params("ENVID=+C3+A9t+C3+A9"), true, MAX).envid()).isEqualTo("été");
    }

    @Test
    void appendToRendersTheWireFormInOneFixedOrder() {
        assertThat(MailParameters.NONE.appendTo(new StringBuilder()).toString()).isEmpty();
        assertThat(new MailParameters("7BIT", false, null, null, 100).appendTo(new StringBuilder("MAIL FROM:<a@b.test>")).toString())
                .isEqualTo("MAIL FROM:<a@b.test> SIZE=100");
        assertThat(new MailParameters("8BITMIME", true, "FULL", "id+1 é=", 0).appendTo(new StringBuilder()).toString())
                .isEqualTo(" SIZE=0 BODY=8BITMIME SMTPUTF8 RET=FULL ENVID=id+2B1+20+C3+A9+3D");
        assertThat(new MailParameters("BINARYMIME", false, "HDRS", null, -1).appendTo(new StringBuilder()).toString())
                .isEqualTo(" BODY=BINARYMIME RET=HDRS");
    }

    @Test
    void whatAppendToRendersParsesBackToTheSameParameters() throws Exception {
        String[] bodies = {"7BIT", "8BITMIME", "BINARYMIME"};
        String[] rets = {null, "FULL", "HDRS"};
        String alphabet = "abcXYZ019+=-_.@~! \t\u00e9\u4e2d";
        Random rnd = new Random(3461);
        for (int i = 0; i < 5000; i++) {
            String envid = null;
            if (rnd.nextBoolean()) {
                StringBuilder b = new StringBuilder();
                int n = 1 + rnd.nextInt(30);
                for (int k = 0; k < n; k++) {
                    b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
                }
                envid = Xtext.encode(b.toString()).length() <= 100 ? b.toString() : null;
            }
            long size = rnd.nextInt(3) == 0 ? -1 : (long) (rnd.nextDouble() * MAX);
            String[] auths = {null, "", "a+b=c@sender.test", "\u00e9t\u00e9@sender.test"};
            MailParameters p = new MailParameters(bodies[rnd.nextInt(3)], rnd.nextBoolean(), rets[rnd.nextInt(3)], envid, size,
                    auths[rnd.nextInt(auths.length)]);
            String wire = p.appendTo(new StringBuilder("FROM:<a@sender.test>")).toString();
            Map<String, String> sent = PathArgument.parse(wire, "FROM:").parameters();
            assertThat(MailParameters.parse(sent, true, MAX)).as(wire).isEqualTo(p);
        }
    }
}
