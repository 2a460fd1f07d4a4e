package dev.baton.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.config.EventSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each category at each level writes exactly what the table in docs/events.md says: every event
 * of the category is emitted, and the ids in the file are the rows written from that level or
 * lower.
 */
class EventLevelRulesTest {

    @TempDir
    Path dir;

    static Stream<Arguments> categoriesAndLevels() {
        List<Arguments> all = new ArrayList<>();
        for (Category c : Category.values()) {
            for (DiagnosticLevel l : DiagnosticLevel.values()) {
                all.add(Arguments.of(c, l));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} at {1}")
    @MethodSource("categoriesAndLevels")
    void eachCategoryAtEachLevelWritesExactlyWhatTheTableSays(Category category, DiagnosticLevel level) throws Exception {
        String vs = category.perVirtualServer() ? "default" : null;
        EventLevels levels = EventLevels.NONE.with(category, vs, level);
        EventLog log = new EventLog(dir, "mx", List.of("default", "other"), EventSettings.DEFAULT, Clock.systemUTC(), levels, 1024);
        log.start();
        for (Event e : Event.values()) {
            if (e.category() == category) {
                log.emit(e, new Where(vs, 1, "Q1"), e.fields().stream().map(f -> (Object) ("<" + f + ">")).toArray());
            }
        }
        log.close();

        List<Integer> written = new ArrayList<>();
        new EventFiles(dir).read(e -> written.add(e.id()), bad -> written.add(-1));
        List<Integer> expected = DocumentedEvents.rows().stream()
                .filter(r -> r.category().equals(category.title()) && r.from() <= level.number()).map(DocumentedEvents.Row::id).toList();
        assertThat(written).containsExactlyElementsOf(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("perVirtualServerCategories")
    void aVirtualServersLevelDoesNotWriteTheEventsOfAnother(Category category) throws Exception {
        EventLog log = new EventLog(dir, "mx", List.of("default", "other"), EventSettings.DEFAULT, Clock.systemUTC(),
                EventLevels.NONE.with(category, "default", DiagnosticLevel.MAXIMUM), 1024);
        log.start();
        for (Event e : Event.values()) {
            // events written at every level (7006, 1706: mail stopped) are no level's to hold back
            if (e.category() == category && e.threshold() != DiagnosticLevel.NONE) {
                log.emit(e, new Where("other", 1, null), e.fields().stream().map(f -> (Object) f).toArray());
            }
        }
        log.close();
        List<Integer> written = new ArrayList<>();
        new EventFiles(dir).read(e -> written.add(e.id()), bad -> written.add(-1));
        assertThat(written).isEmpty();
    }

    static Stream<Category> perVirtualServerCategories() {
        return Stream.of(Category.values()).filter(Category::perVirtualServer);
    }
}
