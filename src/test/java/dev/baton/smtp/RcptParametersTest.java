package dev.baton.smtp;

import static dev.baton.smtp.MailParametersTest.params;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RCPT TO parameters (RFC 3461 NOTIFY and ORCPT): what is refused with which reply, what is kept, how it goes back on the wire. */
class RcptParametersTest {

    private static Response refusal(boolean esmtp, String... given) {
        ParameterException e = catchThrowableOfType(ParameterException.class, () -> RcptParameters.parse(params(given), esmtp));
        assertThat(e).as("refused: %s", String.join(" ", given)).isNotNull();
        return e.reply();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "NOTIFY|NOTIFY_UNKNOWN", "NOTIFY=|NOTIFY_UNKNOWN", "NOTIFY=SOMETIMES|NOTIFY_UNKNOWN", "NOTIFY=SUCCESS,SUCCESS|NOTIFY_UNKNOWN",
        "NOTIFY=SUCCESS,|NOTIFY_UNKNOWN", "NOTIFY=,DELAY|NOTIFY_UNKNOWN", "NOTIFY=SUCCESS FAILURE|NOTIFY_UNKNOWN",
        "NOTIFY=NEVER,SUCCESS|NOTIFY_NEVER_COMBINED", "NOTIFY=delay,never|NOTIFY_NEVER_COMBINED",
        "ORCPT|ORCPT_FORMAT", "ORCPT=alice@example.test|ORCPT_FORMAT", "ORCPT=;alice@example.test|ORCPT_FORMAT",
        "ORCPT=rfc822;|ORCPT_FORMAT",
        "ORCPT=rfc_822;alice@example.test|ORCPT_TYPE", "ORCPT=-x;alice@example.test|ORCPT_TYPE", "ORCPT=rfc 822;a@b.test|ORCPT_TYPE",
        "ORCPT=rfc822;alice+4|ORCPT_XTEXT", "ORCPT=rfc822;alice+zz|ORCPT_XTEXT", "ORCPT=rfc822;a=b|ORCPT_XTEXT",
        "XFOO|PARAMETER_UNRECOGNIZED", "RET=FULL|PARAMETER_UNRECOGNIZED"})
    void eachBadParameterHasItsReply(String parameter, Reply expected) {
        assertThat(refusal(true, parameter).id()).isEqualTo(expected);
    }

    @Test
    void refusalsSayWhatWasWrong() {
        assertThat(refusal(true, "ORCPT=rfc822;" + "a".repeat(500)).id()).as("longer than 500 octets").isEqualTo(Reply.ORCPT_FORMAT);
        assertThat(refusal(true, "ORCPT=rfc822;a+zz").lines()).containsExactly("Invalid parameter: bad xtext escape +zz");
        assertThat(refusal(true, "NOTIFY=NEVER,SUCCESS").lines())
                .containsExactly("Invalid parameter: NOTIFY=NEVER cannot be combined with other values");
        assertThat(refusal(true, "XFOO").lines()).containsExactly("Unsupported parameter: XFOO");
        assertThat(refusal(true, "XFOO").code()).isEqualTo(555);
        assertThat(refusal(true, "NOTIFY=X").code()).isEqualTo(501);
    }

    @Test
    void theFirstBadParameterInTheOrderGivenRefuses() {
        assertThat(refusal(true, "NOTIFY=bad", "XFOO").id()).isEqualTo(Reply.NOTIFY_UNKNOWN);
        assertThat(refusal(true, "XFOO", "NOTIFY=bad").id()).isEqualTo(Reply.PARAMETER_UNRECOGNIZED);
        assertThat(refusal(true, "NOTIFY=NEVER", "ORCPT=x").id()).isEqualTo(Reply.ORCPT_FORMAT);
    }

    @Test
    void afterHeloEveryParameterIsUnrecognized() throws Exception {
        assertThat(refusal(false, "NOTIFY=NEVER").lines()).containsExactly("Unsupported parameter: NOTIFY");
        assertThat(refusal(false, "ORCPT=rfc822;a@b.test").lines()).containsExactly("Unsupported parameter: ORCPT");
        assertThat(RcptParameters.parse(Map.of(), false)).isEqualTo(RcptParameters.NONE);
    }

    @Test
    void valuesAreNormalizedAndDecoded() throws Exception {
        RcptParameters p = RcptParameters.parse(params("NOTIFY=failure,Delay", "ORCPT=rfc822;alice+40example.test"), true);
        assertThat(p.notifyOn()).isEqualTo(Set.of("FAILURE", "DELAY"));
        assertThat(p.orcpt()).isEqualTo("rfc822;alice@example.test");
        assertThat(RcptParameters.parse(params("ORCPT=RFC822;bob+2Bx+3D@example.test"), true).orcpt()).isEqualTo("RFC822;bob+x=@example.test");
        assertThat(RcptParameters.parse(params("NOTIFY=NEVER"), true).notifyOn()).containsExactly("NEVER");
        // RFC 6533 utf-8 addresses are kept as sent, not xtext-decoded
        assertThat(RcptParameters.parse(params("ORCPT=utf-8;\u00e4nn\u00e4@example.test"), true).orcpt()).isEqualTo("utf-8;\u00e4nn\u00e4@example.test");
        assertThat(RcptParameters.parse(Map.of(), true)).isEqualTo(RcptParameters.NONE);
    }

    @Test
    void appendToRendersNotifySortedAndOrcptAsTypeAndXtext() {
        assertThat(RcptParameters.NONE.appendTo(new StringBuilder()).toString()).isEmpty();
        assertThat(new RcptParameters(Set.of("SUCCESS", "DELAY", "FAILURE"), "rfc822;bob+x@example.test").appendTo(new StringBuilder("RCPT TO:<b@x.test>"))
                .toString()).isEqualTo("RCPT TO:<b@x.test> NOTIFY=DELAY,FAILURE,SUCCESS ORCPT=rfc822;bob+2Bx@example.test");
        assertThat(new RcptParameters(Set.of(), "bob@example.test").appendTo(new StringBuilder()).toString())
                .as("an ORCPT without a type is rfc822").isEqualTo(" ORCPT=rfc822;bob@example.test");
        assertThat(new RcptParameters(Set.of("NEVER"), null).appendTo(new StringBuilder()).toString()).isEqualTo(" NOTIFY=NEVER");
    }

    @Test
    void whatAppendToRendersParsesBackToTheSameParameters() throws Exception {
        String[] conditions = {"SUCCESS", "FAILURE", "DELAY"};
        String[] types = {"rfc822", "RFC822", "x-local", "x400"};
        String alphabet = "abcXYZ019+=-_.@~!\"\\ ;,\u00e9\u4e2d";
        Random rnd = new Random(6533);
        for (int i = 0; i < 5000; i++) {
            List<String> notify = new ArrayList<>();
            int kind = rnd.nextInt(3);
            if (kind == 1) {
                notify.add("NEVER");
            } else if (kind == 2) {
                for (String c : conditions) {
                    if (rnd.nextBoolean()) {
                        notify.add(c);
                    }
                }
            }
            String orcpt = null;
            if (rnd.nextBoolean()) {
                StringBuilder b = new StringBuilder(types[rnd.nextInt(types.length)]).append(';');
                int n = 1 + rnd.nextInt(40);
                for (int k = 0; k < n; k++) {
                    b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
                }
                orcpt = b.toString();
            }
            RcptParameters p = new RcptParameters(Set.copyOf(notify), orcpt);
            String wire = p.appendTo(new StringBuilder("TO:<alice@example.test>")).toString();
            Map<String, String> sent = PathArgument.parse(wire, "TO:").parameters();
            assertThat(RcptParameters.parse(sent, true)).as(wire).isEqualTo(p);
        }
    }
}
