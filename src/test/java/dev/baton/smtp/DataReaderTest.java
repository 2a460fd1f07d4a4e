package dev.baton.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.mail.LineEndingPolicy;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** DataReader on canned bytes: framing, dot-stuffing, bare line endings, limits. */
class DataReaderTest {

    /** A channel over a fixed byte string (an unconnected socket with canned streams). */
    private static SmtpChannel channel(String data) throws IOException {
        byte[] bytes = data.getBytes(StandardCharsets.ISO_8859_1);
        Socket s = new Socket() {
            private final InputStream in = new ByteArrayInputStream(bytes);

            @Override
            public InputStream getInputStream() {
                return in;
            }

            @Override
            public OutputStream getOutputStream() {
                return OutputStream.nullOutputStream();
            }
        };
        return new SmtpChannel(s);
    }

    private record Result(DataReader reader, String stored, String rest) {
    }

    private static Result dot(String data, LineEndingPolicy policy) throws IOException {
        SmtpChannel ch = channel(data);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        DataReader r = new DataReader(sink, policy, 1_000_000, 1000, true);
        r.readDotTerminated(ch);
        byte[] rest = new byte[ch.buffered()];
        ch.read(rest, 0, rest.length);
        return new Result(r, sink.toString(StandardCharsets.ISO_8859_1), new String(rest, StandardCharsets.ISO_8859_1));
    }

    @Test
    void endsAtCrlfDotCrlfAndLeavesWhatFollows() throws IOException {
        Result r = dot("a\r\nb\r\n.\r\nQUIT\r\n", LineEndingPolicy.REJECT);
        assertThat(r.stored()).isEqualTo("a\r\nb\r\n");
        assertThat(r.rest()).isEqualTo("QUIT\r\n");
        assertThat(r.reader().refusal()).isNull();
    }

    @Test
    void emptyMessageIsJustTheDot() throws IOException {
        Result r = dot(".\r\n", LineEndingPolicy.REJECT);
        assertThat(r.stored()).isEmpty();
        assertThat(r.reader().refusal()).isNull();
    }

    @Test
    void dotStuffingIsRemoved() throws IOException {
        assertThat(dot("..a\r\n...\r\n..\r\n.\r\n", LineEndingPolicy.REJECT).stored()).isEqualTo(".a\r\n..\r\n.\r\n");
    }

    @Test
    void dotInsideALineIsKept() throws IOException {
        assertThat(dot("a.b\r\nc..\r\n.\r\n", LineEndingPolicy.REJECT).stored()).isEqualTo("a.b\r\nc..\r\n");
    }

    @Test
    void bareLfDotBareLfDoesNotEndTheData() throws IOException {
        Result r = dot("a\n.\nMAIL FROM:<e@x>\r\n.\r\n", LineEndingPolicy.REJECT);
        assertThat(r.rest()).isEmpty();
        assertThat(r.reader().sawBareLineEnding()).isTrue();
        assertThat(r.reader().refusal().id()).isEqualTo(Reply.BARE_LINE_ENDING);
    }

    @Test
    void bareCrDotBareCrDoesNotEndTheData() throws IOException {
        Result r = dot("a\r.\rMAIL\r\n.\r\n", LineEndingPolicy.REJECT);
        assertThat(r.rest()).isEmpty();
        assertThat(r.reader().refusal().id()).isEqualTo(Reply.BARE_LINE_ENDING);
    }

    @Test
    void crlfDotBareLfDoesNotEndTheData() throws IOException {
        Result r = dot("a\r\n.\nMAIL\r\n.\r\n", LineEndingPolicy.REJECT);
        assertThat(r.rest()).isEmpty();
        assertThat(r.reader().refusal().id()).isEqualTo(Reply.BARE_LINE_ENDING);
    }

    @Test
    void normalizeTurnsEachBareLineEndingIntoOneCrlf() throws IOException {
        Result r = dot("a\nb\rc\r\n.\r\n", LineEndingPolicy.NORMALIZE);
        assertThat(r.stored()).isEqualTo("a\r\nb\r\nc\r\n");
        assertThat(r.reader().refusal()).isNull();
    }

    /** ".\r" then a letter: the dot is stuffing, the CR is one bare line ending, not two. */
    @Test
    void normalizeAfterDotAndBareCrMakesOneLineEnding() throws IOException {
        Result r = dot("a\r\n.\rb\r\n.\r\n", LineEndingPolicy.NORMALIZE);
        assertThat(r.stored()).isEqualTo("a\r\n\r\nb\r\n");
    }

    @Test
    void normalizeAfterDotAndBareCrThenCrlf() throws IOException {
        Result r = dot("a\r\n.\r\r\nb\r\n.\r\n", LineEndingPolicy.NORMALIZE);
        assertThat(r.stored()).isEqualTo("a\r\n\r\n\r\nb\r\n");
    }

    /**
     * One rule when normalizing: a bare line ending is a line ending, so the dot that starts the
     * next line is stuffing and is removed, whichever ending came before it; only CRLF.CRLF ends
     * the data.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "crlf then stuffed dot        | a\\r\\n..b\\r\\n.\\r\\n   | a\\r\\n.b\\r\\n",
        "bare lf then stuffed dot     | a\\n..b\\r\\n.\\r\\n     | a\\r\\n.b\\r\\n",
        "bare cr then stuffed dot     | a\\r..b\\r\\n.\\r\\n     | a\\r\\n.b\\r\\n",
        "bare lf, two stuffed lines   | a\\n..\\n..\\r\\n.\\r\\n  | a\\r\\n.\\r\\n.\\r\\n",
        "crlf, dot, bare lf           | a\\r\\n.\\nb\\r\\n.\\r\\n  | a\\r\\n\\r\\nb\\r\\n",
        "bare lf, dot, bare lf        | a\\n.\\nb\\r\\n.\\r\\n    | a\\r\\n\\r\\nb\\r\\n",
        "bare lf, dot, crlf: no end   | a\\n.\\r\\nb\\r\\n.\\r\\n  | a\\r\\n\\r\\nb\\r\\n",
        "bare cr, dot, crlf: no end   | a\\r.\\r\\nb\\r\\n.\\r\\n  | a\\r\\n\\r\\nb\\r\\n"})
    void normalizeUnstuffsTheDotAfterEveryKindOfLineEndingAndOnlyCrlfDotCrlfEnds(String name, String data, String stored)
            throws IOException {
        Result r = dot(unescape(data), LineEndingPolicy.NORMALIZE);
        assertThat(r.stored()).isEqualTo(unescape(stored));
        assertThat(r.rest()).isEmpty();
        assertThat(r.reader().refusal()).isNull();
    }

    private static String unescape(String s) {
        return s.replace("\\r", "\r").replace("\\n", "\n");
    }

    @Test
    void nulIsRefusedEvenWhenNormalizing() throws IOException {
        Result r = dot("a\0b\r\n.\r\n", LineEndingPolicy.NORMALIZE);
        assertThat(r.reader().sawNul()).isTrue();
        assertThat(r.reader().refusal().id()).isEqualTo(Reply.NUL_IN_DATA);
    }

    @Test
    void lineOf1000OctetsIsAllowedAnd1001Refused() throws IOException {
        assertThat(dot("x".repeat(998) + "\r\n.\r\n", LineEndingPolicy.REJECT).reader().refusal()).isNull();
        assertThat(dot("x".repeat(999) + "\r\n.\r\n", LineEndingPolicy.REJECT).reader().refusal().id())
                .isEqualTo(Reply.TEXT_LINE_TOO_LONG);
    }

    @Test
    void overTheSizeLimitStopsStoringButReadsToTheEnd() throws IOException {
        SmtpChannel ch = channel("x".repeat(500) + "\r\n" + "y".repeat(500) + "\r\n.\r\nNOOP\r\n");
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        DataReader r = new DataReader(sink, LineEndingPolicy.REJECT, 600, 1000, true);
        r.readDotTerminated(ch);
        assertThat(r.tooBig()).isTrue();
        assertThat(r.refusal().id()).isEqualTo(Reply.MESSAGE_TOO_BIG);
        assertThat(sink.size()).isLessThanOrEqualTo(600);
        assertThat(ch.readLine(512)).isEqualTo("NOOP");
    }

    @Test
    void endOfStreamDuringDataIsAnError() throws IOException {
        SmtpChannel ch = channel("a\r\nb");
        DataReader r = new DataReader(OutputStream.nullOutputStream(), LineEndingPolicy.REJECT, 1000, 1000, true);
        assertThatThrownBy(() -> r.readDotTerminated(ch)).isInstanceOf(EOFException.class);
    }

    @Test
    void chunkReadsExactlyItsLength() throws IOException {
        SmtpChannel ch = channel("abc\r\nNOOP\r\n");
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        DataReader r = new DataReader(sink, LineEndingPolicy.REJECT, 1000, 0, true);
        r.readChunk(ch, 5);
        r.finish();
        assertThat(sink.toString(StandardCharsets.ISO_8859_1)).isEqualTo("abc\r\n");
        assertThat(ch.readLine(512)).isEqualTo("NOOP");
        assertThat(r.refusal()).isNull();
    }

    @Test
    void crlfSplitAcrossChunksIsNotBare() throws IOException {
        SmtpChannel ch = channel("a\r\nb");
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        DataReader r = new DataReader(sink, LineEndingPolicy.REJECT, 1000, 0, true);
        r.readChunk(ch, 2);
        r.readChunk(ch, 2);
        r.finish();
        assertThat(r.sawBareLineEnding()).isFalse();
        assertThat(sink.toString(StandardCharsets.ISO_8859_1)).isEqualTo("a\r\nb");
    }

    @Test
    void crAtTheVeryEndOfTheLastChunkIsBare() throws IOException {
        SmtpChannel ch = channel("a\r");
        DataReader r = new DataReader(OutputStream.nullOutputStream(), LineEndingPolicy.REJECT, 1000, 0, true);
        r.readChunk(ch, 2);
        r.finish();
        assertThat(r.sawBareLineEnding()).isTrue();
    }

    @Test
    void binaryChunksAreStoredAsTheyCome() throws IOException {
        SmtpChannel ch = channel("\0\n\r\u00ff");
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        DataReader r = new DataReader(sink, LineEndingPolicy.REJECT, 1000, 0, false);
        r.readChunk(ch, 4);
        r.finish();
        assertThat(r.refusal()).isNull();
        assertThat(r.sawEightBit()).isTrue();
        assertThat(sink.toByteArray()).containsExactly(0, '\n', '\r', 0xff);
    }

    @Test
    void failingSinkIsReportedAndReadingGoesOn() throws IOException {
        SmtpChannel ch = channel("x".repeat(40_000) + "\r\n.\r\nNOOP\r\n");
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("disk full");
            }
        };
        DataReader r = new DataReader(broken, LineEndingPolicy.REJECT, 1_000_000, 0, true);
        r.readDotTerminated(ch);
        assertThat(r.storageFailure()).hasMessage("disk full");
        assertThat(ch.readLine(512)).isEqualTo("NOOP");
    }
}
