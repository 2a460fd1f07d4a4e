package dev.baton.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.smtp.Command;
import dev.baton.smtp.Extension;
import dev.baton.smtp.Response;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The table of verbs: what HELP lists, what EHLO offers in which order, what is refused out of sequence. */
class CommandTableTest {

    @Test
    void helpListsTheImplementedVerbsInRegistrationOrder() {
        assertThat(CommandTable.STANDARD.helpList()).isEqualTo("EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH");
    }

    @Test
    void knownButUnimplementedVerbsHaveAHandlerAndUnknownVerbsNone() {
        for (String verb : List.of("EXPN", "TURN", "ETRN", "ATRN")) {
            assertThat(CommandTable.STANDARD.handler(verb)).as(verb).isInstanceOf(UnimplementedVerbsHandler.class);
        }
        assertThat(CommandTable.STANDARD.handler("XEXCH50")).isNull();
        assertThat(CommandTable.STANDARD.handler("")).isNull();
        assertThat(CommandTable.STANDARD.handler("noop")).as("verbs are looked up upper case").isNull();
    }

    @Test
    void everyHandlerHasAnOutOfSequenceReplyForEachPhaseItIsNotAllowedIn() {
        for (CommandHandler h : CommandTable.STANDARD.handlers()) {
            for (Phase p : Phase.values()) {
                if (!h.phases().contains(p)) {
                    Response r = h.outOfSequence(p);
                    assertThat(r.code()).as(h.verbs() + " in " + p).isEqualTo(503);
                }
            }
        }
    }

    @Test
    void aVerbRegisteredTwiceIsRefused() {
        assertThatThrownBy(() -> CommandTable.STANDARD.with(new UnimplementedVerbsHandler()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("EXPN");
    }

    @Test
    void aHandlerRegisteredLastIsListedLastByHelp() {
        CommandHandler xtest = new CommandHandler() {
            @Override
            public List<String> verbs() {
                return List.of("XTEST");
            }

            @Override
            public void handle(Command c, Session s) {
            }
        };
        CommandTable t = CommandTable.STANDARD.with(xtest);
        assertThat(t.handler("XTEST")).isSameAs(xtest);
        assertThat(t.helpList()).endsWith(" STARTTLS AUTH XTEST");
    }

    @Test
    void ehloKeywordsAreListedInExtensionOrderWhateverTheOrderTheyWereOffered() {
        EhloKeywords k = new EhloKeywords();
        k.offer(Extension.HELP);
        k.offer(Extension.DSN);
        k.offer(Extension.SIZE, "4096");
        k.offer(Extension.PIPELINING);
        assertThat(k.lines("mx.example.test Hello")).containsExactly("mx.example.test Hello", "PIPELINING", "SIZE 4096", "DSN", "HELP");
    }
}
