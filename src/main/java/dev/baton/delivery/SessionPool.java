package dev.baton.delivery;

import dev.baton.config.RouteSettings.TlsPolicy;
import dev.baton.smtp.client.SmtpClient;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Sessions to next hops that are between transactions, kept a few seconds for the next message
 * to the same hop (host, port, TLS policy, LMTP or not). A session is owned by one delivery at a
 * time or lies here; one taken from here may have been closed by the peer meanwhile, which the
 * caller finds out with RSET. A reaper says goodbye to sessions past their idle time and ends
 * when none is left; at most {@code maxIdle} sessions are kept over all hops.
 */
final class SessionPool implements AutoCloseable {

    /** Which sessions are interchangeable. */
    record Key(String host, int port, TlsPolicy tls, boolean lmtp) {
    }

    /** A connected, greeted session, the peer it talks to ("host[addr]:port") and its connection number. */
    static final class Session {
        final SmtpClient client;
        final String peer;
        final long number;
        long idleSince;

        Session(SmtpClient client, String peer, long number) {
            this.client = client;
            this.peer = peer;
            this.number = number;
        }
    }

    private final Duration idleTime;
    private final int maxIdle;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Key, Deque<Session>> idle = new HashMap<>();
    private int idleCount;
    private boolean reaperRunning;
    private boolean closed;

    SessionPool(Duration idleTime, int maxIdle) {
        this.idleTime = idleTime;
        this.maxIdle = maxIdle;
    }

    /** An idle session to this hop, not yet past its idle time, or null. */
    Session take(Key key) {
        Session found = null;
        List<Session> expired = new ArrayList<>();
        lock.lock();
        try {
            Deque<Session> q = idle.get(key);
            while (q != null && !q.isEmpty() && found == null) {
                Session s = q.pollLast();
                idleCount--;
                if (System.nanoTime() - s.idleSince < idleTime.toNanos()) {
                    found = s;
                } else {
                    expired.add(s);
                }
            }
            if (q != null && q.isEmpty()) {
                idle.remove(key);
            }
        } finally {
            lock.unlock();
        }
        expired.forEach(s -> s.client.quitQuietly());
        return found;
    }

    /** Keeps a session that is between transactions, or says goodbye when the pool is full or closed. */
    void put(Key key, Session session) {
        boolean keep;
        boolean startReaper = false;
        lock.lock();
        try {
            keep = !closed && idleCount < maxIdle;
            if (keep) {
                session.idleSince = System.nanoTime();
                idle.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(session);
                idleCount++;
                if (!reaperRunning) {
                    reaperRunning = true;
                    startReaper = true;
                }
            }
        } finally {
            lock.unlock();
        }
        if (!keep) {
            session.client.quitQuietly();
        }
        if (startReaper) {
            Thread.ofVirtual().name("smtp-idle-reaper").start(this::reap);
        }
    }

    /** Says goodbye to idle sessions past their time; ends when none is left. */
    private void reap() {
        while (true) {
            try {
                Thread.sleep(Math.max(50, idleTime.toMillis() / 2));
            } catch (InterruptedException e) {
                return;
            }
            List<Session> expired = new ArrayList<>();
            boolean done;
            lock.lock();
            try {
                long now = System.nanoTime();
                for (Iterator<Deque<Session>> qs = idle.values().iterator(); qs.hasNext();) {
                    Deque<Session> q = qs.next();
                    for (Iterator<Session> it = q.iterator(); it.hasNext();) {
                        Session s = it.next();
                        if (now - s.idleSince >= idleTime.toNanos()) {
                            it.remove();
                            idleCount--;
                            expired.add(s);
                        }
                    }
                    if (q.isEmpty()) {
                        qs.remove();
                    }
                }
                done = idleCount == 0;
                if (done) {
                    reaperRunning = false;
                }
            } finally {
                lock.unlock();
            }
            expired.forEach(s -> s.client.quitQuietly());
            if (done) {
                return;
            }
        }
    }

    /** The number of idle sessions kept now. */
    int size() {
        lock.lock();
        try {
            return idleCount;
        } finally {
            lock.unlock();
        }
    }

    /** Says goodbye to every idle session and keeps no more; sessions in use are closed when their delivery ends. */
    @Override
    public void close() {
        List<Session> all = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            idle.values().forEach(all::addAll);
            idle.clear();
            idleCount = 0;
        } finally {
            lock.unlock();
        }
        all.forEach(s -> s.client.quitQuietly());
    }
}
