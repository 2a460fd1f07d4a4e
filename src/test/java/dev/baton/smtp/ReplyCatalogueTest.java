package dev.baton.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reply catalogue as docs/protocol.md shows it is the catalogue in the code, entry for entry. */
class ReplyCatalogueTest {

    @Test
    void protocolDocumentListsEveryReplyAsTheCatalogueHasIt() throws Exception {
        List<String> documented = new ArrayList<>();
        boolean inTable = false;
        for (String line : Files.readAllLines(Path.of("docs/protocol.md"))) {
            if (line.equals("| name | code | enhanced | text |")) {
                inTable = true;
            } else if (inTable && line.isBlank()) {
                break;
            } else if (inTable && !line.startsWith("| ---")) {
                documented.add(line);
            }
        }
        List<String> catalogue = new ArrayList<>();
        for (Reply r : Reply.values()) {
            catalogue.add("| `" + r.name() + "` | " + r.code() + " | " + (r.enhanced() == null ? "—" : r.enhanced()) + " | "
                    + r.template() + " |");
        }
        assertThat(documented).containsExactlyElementsOf(catalogue);
    }
}
