package dev.baton.queue;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * Tells a message's sender what happened to some of its recipients: the delivery status
 * notifications of RFC 3464, queued like any other message. Implemented above the queue
 * (node), so the queue knows nothing of MIME.
 */
@FunctionalInterface
public interface Notifier {

    /**
     * Queues the notifications these events call for (the implementation applies RFC 3461:
     * no DSN to the null sender, NOTIFY decides which events are reported). Returns once they
     * are durable; throws when they could not be stored, and the caller keeps the message.
     */
    void notify(QueuedMessage message, List<Notice> notices) throws IOException;

    /** One event of one recipient: what happened, why, and when delivery was last tried (null: never). */
    record Notice(RecipientId recipient, Event event, DeliveryReply reply, Instant when) {
    }

    /** The DSN actions of RFC 3464 2.3.3 that the queue produces. */
    enum Event { FAILED, DELAYED, DELIVERED, RELAYED }
}
