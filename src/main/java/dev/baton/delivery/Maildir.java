package dev.baton.delivery;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One Maildir (tmp/, new/, cur/): a message is written under tmp/ with a unique name, fsync'd,
 * then renamed into new/ and the directory fsync'd, so a reader never sees half a message and a
 * crash never loses a delivered one. Lines are stored with LF endings, as mail readers expect.
 */
public final class Maildir {

    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final String HOST = hostName();
    private static final long PID = ProcessHandle.current().pid();

    private final Path dir;
    private final java.time.Clock clock;

    public Maildir(Path dir) {
        this(dir, java.time.Clock.systemUTC());
    }

    /** @param clock gives the time in the names of new files */
    public Maildir(Path dir, java.time.Clock clock) {
        this.clock = clock;
        this.dir = dir;
    }

    public Path path() {
        return dir;
    }

    private void create() throws IOException {
        for (String sub : new String[] {"tmp", "new", "cur"}) {
            Files.createDirectories(dir.resolve(sub));
        }
    }

    /** Delivers: prepends the given header lines (CRLF-terminated), then copies the content. */
    public Path deliver(String prefixHeaders, InputStream content) throws IOException {
        return deliver(prefixHeaders, content, 0);
    }

    /**
     * Delivers as {@link #deliver(String, InputStream)}, refusing a message that would take the
     * mailbox over {@code quota} octets (0: no quota). The size stored is known only once the
     * message is written (line endings become LF), so the message is written under tmp/ and
     * removed again when it does not fit; it never appears in new/. The quota is soft: two
     * deliveries to the same mailbox at the same moment may each see the room for one.
     *
     * @throws MailboxFullException when the message does not fit
     */
    public Path deliver(String prefixHeaders, InputStream content, long quota) throws IOException {
        create();
        if (quota > 0 && usage() >= quota) {
            throw new MailboxFullException(quota);
        }
        long now = clock.millis();
        String unique = (now / 1000) + ".M" + (now % 1000) * 1000 + "P" + PID + "Q" + SEQUENCE.incrementAndGet() + "." + HOST;
        Path tmp = dir.resolve("tmp").resolve(unique);
        long size = 0;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 64 * 1024);
            size += copyWithoutCr(new java.io.ByteArrayInputStream(prefixHeaders.getBytes(StandardCharsets.UTF_8)), out);
            size += copyWithoutCr(content, out);
            out.flush();
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        if (quota > 0 && usage() + size > quota) {
            Files.deleteIfExists(tmp);
            throw new MailboxFullException(quota);
        }
        Path target = dir.resolve("new").resolve(unique + ",S=" + size);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel d = FileChannel.open(dir.resolve("new"), StandardOpenOption.READ)) {
            d.force(true);
        }
        return target;
    }

    /**
     * Octets held by the messages in new/ and cur/: the {@code ,S=} size of a file name where
     * there is one (Maildir++), the file's size otherwise. Sub-folders and tmp/ do not count.
     */
    public long usage() throws IOException {
        long total = 0;
        for (String sub : new String[] {"new", "cur"}) {
            Path d = dir.resolve(sub);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
                for (Path p : ds) {
                    total += sizeOf(p);
                }
            }
        }
        return total;
    }

    private static long sizeOf(Path p) throws IOException {
        String name = p.getFileName().toString();
        int s = name.indexOf(",S=");
        if (s >= 0) {
            int i = s + 3;
            int end = i;
            while (end < name.length() && end - i < 18 && Character.isDigit(name.charAt(end))) {
                end++;
            }
            if (end > i) {
                return Long.parseLong(name, i, end, 10);
            }
        }
        try {
            return Files.size(p);
        } catch (NoSuchFileException e) {
            return 0; // moved from new/ to cur/ by a reader meanwhile (counted there, or about to be)
        }
    }

    /** The message does not fit in the mailbox's quota. */
    public static final class MailboxFullException extends IOException {
        private final long quota;

        MailboxFullException(long quota) {
            super("mailbox is full (quota " + quota + " octets)");
            this.quota = quota;
        }

        public long quota() {
            return quota;
        }
    }

    /** Copies, turning CRLF into LF; returns the octets written. */
    static long copyWithoutCr(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long written = 0;
        boolean pendingCr = false;
        int n;
        while ((n = in.read(buf)) > 0) {
            int w = 0;
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (pendingCr) {
                    pendingCr = false;
                    if (b != '\n') {
                        buf[w++] = '\r';
                    }
                }
                if (b == '\r') {
                    pendingCr = true;
                } else {
                    buf[w++] = b;
                }
            }
            out.write(buf, 0, w);
            written += w;
        }
        if (pendingCr) {
            out.write('\r');
            written++;
        }
        return written;
    }

    /** A file-name-safe form of a local part: lower case, unusual characters hex-escaped. */
    public static String folderName(String localPart) {
        String lp = localPart.startsWith("\"") && localPart.endsWith("\"") && localPart.length() >= 2
                ? localPart.substring(1, localPart.length() - 1) : localPart;
        StringBuilder sb = new StringBuilder();
        for (byte b : lp.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '+' || c == '.' && sb.length() > 0) {
                sb.append((char) c);
            } else {
                sb.append('%').append(String.format("%02X", c));
            }
        }
        // the empty quoted local part ""@domain must not become the domain's own directory
        return sb.length() == 0 ? "%22%22" : sb.toString();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName().replace("/", "\\057").replace(":", "\\072");
        } catch (IOException e) {
            return "localhost";
        }
    }
}
