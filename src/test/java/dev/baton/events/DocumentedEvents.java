package dev.baton.events;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The catalogue table of docs/events.md, row by row. */
final class DocumentedEvents {

    static final String HEADER = "| id | name | category | level | written from | text |";

    /** One row: id, entry name, category title, level, "always" or "Medium (3)", text. */
    record Row(int id, String name, String category, String level, String writtenFrom, String text) {

        /** The lowest level number at which the row says the event is written. */
        int from() {
            return writtenFrom.equals("always") ? 0
                    : Integer.parseInt(writtenFrom.substring(writtenFrom.indexOf('(') + 1, writtenFrom.indexOf(')')));
        }
    }

    private DocumentedEvents() {
    }

    static List<String> lines() throws IOException {
        List<String> out = new ArrayList<>();
        boolean inTable = false;
        for (String line : Files.readAllLines(Path.of("docs/events.md"))) {
            if (line.equals(HEADER)) {
                inTable = true;
            } else if (inTable && line.isBlank()) {
                break;
            } else if (inTable && !line.startsWith("| ---")) {
                out.add(line);
            }
        }
        return out;
    }

    static List<Row> rows() throws IOException {
        List<Row> rows = new ArrayList<>();
        for (String line : lines()) {
            String[] c = line.split("\\|");
            rows.add(new Row(Integer.parseInt(c[1].strip()), unquote(c[2]), c[3].strip(), c[4].strip(), c[5].strip(), unquote(c[6])));
        }
        return rows;
    }

    private static String unquote(String cell) {
        String s = cell.strip();
        return s.startsWith("`") && s.endsWith("`") ? s.substring(1, s.length() - 1) : s;
    }

    /** The row as docs/events.md must have it for this entry. */
    static String rowOf(Event e) {
        String from = e.threshold() == DiagnosticLevel.NONE ? "always" : e.threshold().title() + " (" + e.threshold().number() + ")";
        return "| " + e.id() + " | `" + e.name() + "` | " + e.category().title() + " | " + e.severity().key() + " | " + from
                + " | `" + e.text() + "` |";
    }
}
