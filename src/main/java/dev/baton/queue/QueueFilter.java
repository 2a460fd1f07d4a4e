package dev.baton.queue;

import java.util.Locale;

/**
 * Which queued messages a bulk command acts on (postsuper -d ALL deferred, and friends): one
 * message by id, or every message that meets all the criteria given. A filter with no criteria
 * selects nothing unless it says {@code all}, so that a forgotten option never means "everything".
 *
 * @param id              one message; null for a selection by criteria
 * @param all             every message (further narrowed by the criteria given)
 * @param recipientDomain a recipient not yet final in this domain; null: any
 * @param sender          the envelope sender, exactly (case-insensitive; "" for the null sender); null: any
 * @param deferredOnly    only messages with a recipient that was tried and deferred (Postfix's deferred queue)
 */
public record QueueFilter(String id, boolean all, String recipientDomain, String sender, boolean deferredOnly) {

    public static QueueFilter one(String id) {
        return new QueueFilter(id, false, null, null, false);
    }

    /** Whether this filter selects anything at all (an id, --all, or a criterion). */
    public boolean selects() {
        return id != null || all || recipientDomain != null || sender != null || deferredOnly;
    }

    public boolean matches(QueuedMessage m) {
        if (id != null) {
            return m.id().equals(id);
        }
        if (!selects()) {
            return false;
        }
        if (sender != null && !m.envelope().sender().equalsIgnoreCase(sender)) {
            return false;
        }
        boolean domainMet = recipientDomain == null;
        boolean deferredMet = !deferredOnly;
        for (RecipientState s : m.states()) {
            if (s.status().isFinal()) {
                continue;
            }
            if (recipientDomain != null && m.recipient(s.recipient()).domain().equalsIgnoreCase(recipientDomain)) {
                domainMet = true;
            }
            if (deferredOnly && s.attempts() > 0) {
                deferredMet = true;
            }
        }
        return domainMet && deferredMet;
    }

    /** For a person: "message X", "all messages", "messages from <a@b> to domain c deferred". */
    public String describe() {
        if (id != null) {
            return "message " + id;
        }
        StringBuilder b = new StringBuilder(all && recipientDomain == null && sender == null ? "all messages" : "messages");
        if (sender != null) {
            b.append(" from <").append(sender).append('>');
        }
        if (recipientDomain != null) {
            b.append(" to ").append(recipientDomain.toLowerCase(Locale.ROOT));
        }
        if (deferredOnly) {
            b.append(" that were deferred");
        }
        return b.toString();
    }
}
