package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** BDAT's "size [LAST]" is parsed by hand, exactly as the regular expressions it replaced did. */
class BdatArgumentTest {

    @ParameterizedTest(name = "\"{0}\" -> {1}")
    @CsvSource(delimiter = '|', value = {
        "0|0", "10|10", "10 LAST|10", "10 last|10", "10     LaSt|10", "123456789012345678|123456789012345678",
        "1234567890123456789|-1", "''|-1", "LAST|-1", "10LAST|-1", "10 LAST x|-1", "10 LASTX|-1", "10 LAS|-1",
        "10\tLAST|-1", "-1|-1", "+1|-1", "1 2|-1", "\u0661\u0662|-1", "10 \u00a0|-1"})
    void chunkSizeIsTheNumberOrMinusOneWhenMalformed(String arg, long expected) {
        assertThat(BdatHandler.chunkSize(arg)).isEqualTo(expected);
    }

    @Test
    void chunkSizeAgreesWithTheRegularExpressionsItReplaces() {
        char[] alphabet = {'0', '1', '9', ' ', ' ', 'L', 'A', 'S', 'T', 'l', 'a', 's', 't', 'x', '\t', '\u017f'};
        Random rnd = new Random(3030);
        for (int i = 0; i < 200_000; i++) {
            StringBuilder b = new StringBuilder();
            int n = rnd.nextInt(12);
            for (int k = 0; k < n; k++) {
                b.append(alphabet[rnd.nextInt(alphabet.length)]);
            }
            if (rnd.nextInt(4) == 0) {
                b.append(rnd.nextBoolean() ? " LAST" : " last");
            }
            String arg = b.toString().strip(); // as Command.parse leaves it
            assertThat(BdatHandler.chunkSize(arg)).as("\"%s\"", arg).isEqualTo(byRegex(arg));
        }
    }

    /** The former parse: split(" +"), matches("\\d{1,18}"), equalsIgnoreCase("LAST"). */
    private static long byRegex(String arg) {
        String[] a = arg.split(" +");
        if (arg.isEmpty() || a.length > 2 || !a[0].matches("\\d{1,18}") || a.length == 2 && !a[1].equalsIgnoreCase("LAST")) {
            return -1;
        }
        return Long.parseLong(a[0]);
    }
}
