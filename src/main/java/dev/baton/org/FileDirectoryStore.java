package dev.baton.org;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * The embedded backend: one {@code org.yml}. A change is written to a temporary file beside it
 * and moved over it, so a server never reads half a file; the previous text is kept as
 * {@code org.yml~}. Writers take a lock on {@code org.yml.lock} and check that the file is still
 * what they read, so two administrators' changes do not overwrite each other.
 */
public final class FileDirectoryStore implements DirectoryStore {

    private final Path file;
    private final Duration poll;

    public FileDirectoryStore(Path file, Duration poll) {
        this.file = file.toAbsolutePath();
        this.poll = poll;
    }

    public FileDirectoryStore(Path file) {
        this(file, Duration.ofSeconds(1));
    }

    public Path file() {
        return file;
    }

    @Override
    public String describe() {
        return "file " + file;
    }

    @Override
    public Directory load() throws IOException, DirectoryException {
        return OrgFile.parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    private record Stat(Object key, long size, java.nio.file.attribute.FileTime modified) {
    }

    private volatile Stat lastStat;
    private volatile String lastDigest;

    /**
     * The file's SHA-256. It is read only when its size, modification time or identity (inode)
     * changed since the last call, so polling a large directory costs a stat, not a read.
     */
    @Override
    public String fingerprint() throws IOException {
        java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
        Stat now = new Stat(a.fileKey(), a.size(), a.lastModifiedTime());
        String digest = lastDigest;
        if (digest != null && now.equals(lastStat)) {
            return digest;
        }
        try {
            digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        lastStat = now;
        lastDigest = digest;
        return digest;
    }

    @Override
    public Duration pollInterval() {
        return poll;
    }

    @Override
    @SuppressWarnings("try") // the lock is held for the block and never referenced in it
    public void store(Directory current, Directory next) throws IOException, DirectoryException {
        Path lock = file.resolveSibling(file.getFileName() + ".lock");
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            if (current != null && Files.exists(file)) {
                Directory now = load();
                if (!now.equals(current)) {
                    throw new DirectoryException(file + " changed while this change was being made; nothing was written (run the command again)");
                }
                Files.copy(file, file.resolveSibling(file.getFileName() + "~"), StandardCopyOption.REPLACE_EXISTING);
            }
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                out.write(StandardCharsets.UTF_8.encode(OrgFile.format(next)));
                out.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
