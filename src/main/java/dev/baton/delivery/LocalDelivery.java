package dev.baton.delivery;

import dev.baton.queue.DeliveryOutcome;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import dev.baton.queue.Spool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/** Delivers to local Maildirs: {@code <mailboxes>/<domain>/<local part>/}. */
public final class LocalDelivery {

    private final Path root;
    private final Spool spool;

    public LocalDelivery(Path root, Spool spool) {
        this.root = root;
        this.spool = spool;
    }

    public Maildir maildirOf(Recipient r) {
        String domain = r.domain().isEmpty() ? "localhost" : Maildir.folderName(r.domain());
        return new Maildir(root.resolve(domain).resolve(Maildir.folderName(r.localPart())));
    }

    public DeliveryOutcome deliver(QueuedMessage m, int index) {
        Recipient r = m.envelope().recipients().get(index);
        String headers = "Return-Path: <" + m.envelope().sender() + ">\r\n" + "Delivered-To: " + r.address() + "\r\n";
        Maildir box = maildirOf(r);
        try (InputStream content = spool.openContent(m)) {
            Path file = box.deliver(headers, content);
            return DeliveryOutcome.delivered(index, "250 2.0.0 delivered to Maildir " + file.getParent().getParent());
        } catch (IOException e) {
            return DeliveryOutcome.deferred(index, "451 4.3.0 cannot write to Maildir " + box.path() + ": " + e.getMessage());
        }
    }
}
