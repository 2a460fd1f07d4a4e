package dev.baton.delivery;

import dev.baton.queue.DeliveryOutcome;
import dev.baton.queue.DeliveryText;
import dev.baton.queue.QueuedMessage;
import dev.baton.queue.Recipient;
import dev.baton.queue.RecipientId;
import dev.baton.queue.Spool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Delivers to local Maildirs: {@code <mailboxes>/<domain>/<local part>/}. With a quota, a
 * message that would take a mailbox over it fails for that recipient alone (552 5.2.2), so the
 * sender gets a bounce for that recipient while the others are delivered.
 */
public final class LocalDelivery {

    private final Path root;
    private final Spool spool;
    private final long quota;
    private final Map<String, String> aliases;
    private final java.time.Clock clock;
    private volatile java.util.function.UnaryOperator<String> primaryAddress = a -> null;

    public LocalDelivery(Path root, Spool spool) {
        this(root, spool, 0);
    }

    /** @param quota the largest size of one mailbox in octets (new/ and cur/), 0 for none */
    public LocalDelivery(Path root, Spool spool, long quota) {
        this(root, spool, quota, Map.of());
    }

    /** @param aliases address-to-user map (see {@link dev.baton.config.BatonConfig.MailboxSettings}) */
    public LocalDelivery(Path root, Spool spool, long quota, Map<String, String> aliases) {
        this(root, spool, quota, aliases, spool == null ? java.time.Clock.systemUTC() : spool.clock());
    }

    /** @param clock the server's clock (the names of Maildir files carry the time) */
    public LocalDelivery(Path root, Spool spool, long quota, Map<String, String> aliases, java.time.Clock clock) {
        if (quota < 0) {
            throw new IllegalArgumentException("quota must not be negative: " + quota);
        }
        this.root = root;
        this.spool = spool;
        this.quota = quota;
        this.aliases = Map.copyOf(aliases);
        this.clock = clock;
    }

    /**
     * Where the addresses of a directory's users lead: an address (primary or alias) to the
     * user's primary address, or null for an address that is no user's. Asked after baton.yml's
     * aliases, at each delivery (the directory may change while the server runs).
     */
    public void primaryAddresses(java.util.function.UnaryOperator<String> lookup) {
        this.primaryAddress = lookup;
    }

    /**
     * The address whose mailbox takes mail for this recipient: the recipient, the user an alias
     * of baton.yml names, or the primary address of the directory user it belongs to.
     */
    public String mailboxAddress(Recipient r) {
        String address = r.address().toLowerCase(Locale.ROOT);
        String user = aliases.get(address);
        if (user == null) {
            user = aliases.get(r.localPart().toLowerCase(Locale.ROOT));
        }
        if (user == null) {
            String primary = primaryAddress.apply(address);
            return primary != null ? primary : r.address();
        }
        return user.contains("@") || r.domain().isEmpty() ? user : user + "@" + r.domain();
    }

    public Maildir maildirOf(Recipient r) {
        Recipient box = Recipient.of(mailboxAddress(r));
        String domain = box.domain().isEmpty() ? "localhost" : Maildir.folderName(box.domain());
        return new Maildir(root.resolve(domain).resolve(Maildir.folderName(box.localPart())), clock);
    }

    public DeliveryOutcome deliver(QueuedMessage m, RecipientId id) {
        Recipient r = m.recipient(id);
        String headers = "Return-Path: <" + m.envelope().sender() + ">\r\n" + "Delivered-To: " + mailboxAddress(r) + "\r\n";
        Maildir box = maildirOf(r);
        try (InputStream content = spool.openContent(m)) {
            Path file = box.deliver(headers, content, quota);
            return DeliveryOutcome.delivered(id, DeliveryText.MAILDIR_DELIVERED.reply(file.getParent().getParent()));
        } catch (Maildir.MailboxFullException e) {
            return DeliveryOutcome.failed(id, DeliveryText.MAILBOX_FULL.reply(r.address(), e.quota()));
        } catch (IOException e) {
            return DeliveryOutcome.deferred(id, DeliveryText.MAILDIR_FAILED.reply(box.path(), e.getMessage()));
        }
    }
}
