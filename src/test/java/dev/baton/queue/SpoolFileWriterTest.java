package dev.baton.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SpoolFileWriterTest {
    @TempDir
    Path dir;

    static Stream<Arguments> sizes() {
        // around the buffer size, where an octet to overwrite is in the buffer or already in the file
        int b = SpoolFileWriter.BUFFER_SIZE;
        return Stream.of(0, 1, 100, b - 20, b - 1, b, b + 1, 3 * b + 7, 200_000).map(Arguments::of);
    }

    @ParameterizedTest(name = "content of {0} octets")
    @MethodSource("sizes")
    void theFileHoldsWhatWasWrittenWithTheOverwrittenOctetAndTheContentScanIgnoresTheHeader(int size) throws IOException {
        Random random = new Random(size * 31L + 7);
        byte[] header = "HEAD ?\n\u00ff\u00ff\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1); // 8-bit, but header
        byte[] content = new byte[size];
        for (int i = 0; i < size; i++) {
            content[i] = (byte) ('a' + random.nextInt(26));
        }
        boolean eight = size > 0 && random.nextBoolean();
        if (eight) {
            content[random.nextInt(size)] = (byte) 0xC3;
        }
        Path p = dir.resolve("f");
        SpoolFileWriter w;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            w = new SpoolFileWriter(ch);
            w.write(header, 0, header.length);
            w.contentStartsHere();
            // in uneven pieces, single octets among them, so every path of write() is taken
            int at = 0;
            while (at < size) {
                int n = Math.min(size - at, random.nextInt(5) == 0 ? 1 : 1 + random.nextInt(50_000));
                if (n == 1) {
                    w.write(content[at]);
                } else {
                    w.write(content, at, n);
                }
                at += n;
            }
            w.overwrite(5, (byte) '8');
            w.flush();
        }
        byte[] expected = new byte[header.length + size];
        System.arraycopy(header, 0, expected, 0, header.length);
        System.arraycopy(content, 0, expected, header.length, size);
        expected[5] = '8';
        assertThat(Arrays.equals(Files.readAllBytes(p), expected)).isTrue();
        assertThat(w.eightBit()).isEqualTo(eight);
        assertThat(w.contentStart()).isEqualTo(header.length);
        assertThat(w.written()).isEqualTo(expected.length);
    }

    @ParameterizedTest(name = "content of {0} octets")
    @MethodSource("sizes")
    void anOctetNotYetWrittenCannotBeOverwritten(int size) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve("g"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            SpoolFileWriter w = new SpoolFileWriter(ch);
            w.write(new byte[size], 0, size);
            assertThatThrownBy(() -> w.overwrite(size, (byte) 1)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
