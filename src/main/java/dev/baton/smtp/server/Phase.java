package dev.baton.smtp.server;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Where a session stands in the sequence of commands (RFC 5321 4.1.4), as the command table's
 * sequence rule sees it. A handler names the phases its verbs are allowed in.
 */
enum Phase {
    /** Connected, no HELO or EHLO yet; again so after STARTTLS until the next EHLO. */
    CONNECTED,
    /** HELO or EHLO given, no transaction open. */
    GREETED,
    /** MAIL given: RCPT, DATA or BDAT may follow. */
    TRANSACTION,
    /** The first BDAT chunk has arrived: only BDAT goes on with the transaction. */
    CHUNKING;

    static final Set<Phase> ALL = Collections.unmodifiableSet(EnumSet.allOf(Phase.class));

    static Set<Phase> only(Phase first, Phase... rest) {
        return Collections.unmodifiableSet(EnumSet.of(first, rest));
    }
}
