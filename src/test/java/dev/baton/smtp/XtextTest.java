package dev.baton.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class XtextTest {

    @Test
    void decodesHexEscapes() {
        assertThat(Xtext.decode("alice+40example.test")).isEqualTo("alice@example.test");
        assertThat(Xtext.decode("a+2Bb+3Dc")).isEqualTo("a+b=c");
        assertThat(Xtext.decode("+41")).isEqualTo("A");
        assertThat(Xtext.decode("")).isEmpty();
    }

    @Test
    void encodesPlusEqualsSpaceAndNonAscii() {
        assertThat(Xtext.encode("a+b=c d")).isEqualTo("a+2Bb+3Dc+20d");
        assertThat(Xtext.encode("é")).isEqualTo("+C3+A9");
        assertThat(Xtext.encode("plain@example.test")).isEqualTo("plain@example.test");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a+b=c d", "jösé@exämple.test", "+++", "x", "\u0001\u007f~!"})
    void roundTrips(String s) {
        assertThat(Xtext.decode(Xtext.encode(s))).isEqualTo(s);
    }

    @ParameterizedTest
    @ValueSource(strings = {"+", "a+4", "+4g", "+4a", "a=b", "a b", "é", "\u0001"})
    void malformedXtextIsRefused(String s) {
        assertThatThrownBy(() -> Xtext.decode(s)).isInstanceOf(IllegalArgumentException.class);
    }
}
