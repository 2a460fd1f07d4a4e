package dev.baton.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit of directory entries: every caller that renamed a file into the directory
 * waits until an fsync of the directory that started after its rename has completed. One
 * caller at a time performs the fsync for everybody who arrived before it began.
 */
final class DirectorySync {

    private final Path dir;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition done = lock.newCondition();
    private long requested;
    private long completed;
    private boolean syncing;
    private long syncs;
    /** Kept open: one open and close less per group commit. */
    private volatile FileChannel channel;

    DirectorySync(Path dir) {
        this.dir = dir;
    }

    /** Returns once the directory, with every entry changed before this call, is durable. */
    void sync() throws IOException {
        lock.lock();
        try {
            long ticket = ++requested;
            while (completed < ticket) {
                if (syncing) {
                    done.awaitUninterruptibly();
                    continue;
                }
                syncing = true;
                long upTo = requested;
                IOException failure = null;
                lock.unlock();
                try {
                    channel().force(true);
                } catch (IOException e) {
                    failure = e;
                } finally {
                    lock.lock();
                    syncing = false;
                    if (failure == null) {
                        completed = Math.max(completed, upTo);
                        syncs++;
                    }
                    done.signalAll();
                }
                if (failure != null) {
                    throw failure;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** How many fsyncs were done so far (fewer than callers when commits were grouped). */
    long syncCount() {
        lock.lock();
        try {
            return syncs;
        } finally {
            lock.unlock();
        }
    }

    private FileChannel channel() throws IOException {
        FileChannel ch = channel;
        if (ch == null || !ch.isOpen()) {
            ch = FileChannel.open(dir, StandardOpenOption.READ);
            channel = ch;
        }
        return ch;
    }

    void close() throws IOException {
        FileChannel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }
}
