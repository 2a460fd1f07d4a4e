package dev.baton.org;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Argon2id password hashes: our own round trip, and hashes made by the reference implementation. */
class PasswordsTest {

    @Test
    void aHashVerifiesItsPasswordAndNoOtherAndIsSaltedAfresh() {
        String h = Passwords.hash("correct horse".toCharArray());
        assertThat(h).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
        assertThat(Passwords.isHash(h)).isTrue();
        assertThat(Passwords.verify("correct horse".toCharArray(), h)).isTrue();
        assertThat(Passwords.verify("correct horsf".toCharArray(), h)).isFalse();
        assertThat(Passwords.hash("correct horse".toCharArray())).isNotEqualTo(h);
        assertThat(Passwords.verify("p\u00e4ssw\u00f6rd".toCharArray(), Passwords.hash("p\u00e4ssw\u00f6rd".toCharArray()))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"hunter2", "", "$argon2i$v=19$m=16,t=2,p=1$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAA",
        "$argon2id$v=19$m=99999999,t=2,p=1$c29tZXNhbHQ$AAAAAAAAAAAAAAAAAAAAAA", "$argon2id$v=19$m=16,t=2,p=1$!!$AAAA"})
    void anythingElseIsNotAHashAndVerifiesNothing(String s) {
        assertThat(Passwords.isHash(s)).isFalse();
        assertThat(Passwords.verify("hunter2".toCharArray(), s)).isFalse();
    }

    /** Made with the reference implementation (Debian's argon2 tool, e.g. {@code echo -n password | argon2 somesaltsomesalt -id -t 2 -m 10 -p 1 -l 32 -e}). */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "password                     | $argon2id$v=19$m=1024,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$CKGe5/bX9YnCq2rxjW5yQXKxn31v1GKzhDCrMc6r6vA",
        "correct horse battery staple | $argon2id$v=19$m=4096,t=3,p=2$MDEyMzQ1Njc4OWFiY2RlZg$XHSWnmJnXq3/vnb70eHwiFcLCT7tgiB/PhWabfgMxh4",
        "p\u00e4ssw\u00f6rd         | $argon2id$v=19$m=256,t=1,p=1$c2FsdHlzYWx0eXNhbHR5IQ$9hK2qMRM3rV7NUJiY0DgeoaczFniCF9C"})
    void hashesOfTheReferenceImplementationVerify(String password, String stored) {
        assertThat(Passwords.isHash(stored)).isTrue();
        assertThat(Passwords.verify(password.toCharArray(), stored)).isTrue();
        assertThat(Passwords.verify((password + "x").toCharArray(), stored)).isFalse();
    }
}
