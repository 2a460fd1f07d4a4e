package dev.baton.smtp.server;

import dev.baton.config.VirtualServerSettings;
import dev.baton.smtp.Reply;
import dev.baton.smtp.SmtpChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accept loop of one virtual server. Each connection runs on its own virtual thread. The
 * total and per-client connection limits are exact: counted at accept, released when the
 * session ends; a client over a limit gets a 421 and is closed. A failure of one socket (a
 * TLS handshake, say) closes that socket, never the listener. {@link #close()} stops
 * accepting, tells idle sessions to go, and after a grace period closes the rest.
 * {@link #replace} gives new connections another context (a reload): each session keeps the
 * context it started with, so sessions in flight finish under their old settings.
 */
public final class SmtpListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpListener.class);

    private volatile ServerContext ctx;
    private final ServerSocket serverSocket;
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("smtp-", 0).factory());
    private final AtomicInteger active = new AtomicInteger();
    private final Map<InetAddress, Integer> perClient = new ConcurrentHashMap<>();
    private final Map<Long, Session> sessions = new ConcurrentHashMap<>();
    private final AtomicLong connections = new AtomicLong();
    private final Thread acceptor;

    private SmtpListener(ServerContext ctx, ServerSocket serverSocket) {
        this.ctx = ctx;
        this.serverSocket = serverSocket;
        this.acceptor = Thread.ofPlatform().name("smtp-accept-" + ctx.settings().name()).daemon(false).unstarted(this::acceptLoop);
    }

    public static SmtpListener start(ServerContext ctx) throws IOException {
        VirtualServerSettings vs = ctx.settings();
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        try {
            ss.bind(new InetSocketAddress(InetAddress.getByName(vs.address()), vs.port()), 4096);
        } catch (IOException e) {
            ss.close();
            throw new IOException("cannot listen on " + vs.address() + ":" + vs.port() + " for virtual server \""
                    + vs.name() + "\": " + e.getMessage() + " (stop what holds it, or give virtual server \"" + vs.name()
                    + "\" another port in baton.yml; 'baton serve --smtp-port N' moves the first virtual server)", e);
        }
        SmtpListener l = new SmtpListener(ctx, ss);
        l.acceptor.start();
        return l;
    }

    public int port() {
        return serverSocket.getLocalPort();
    }

    public InetAddress address() {
        return serverSocket.getInetAddress();
    }

    public int activeConnections() {
        return active.get();
    }

    /** The context new connections get. */
    public ServerContext context() {
        return ctx;
    }

    /**
     * New connections get this context from now on; sessions already running keep theirs. The
     * address and port stay: a changed one needs a listener of its own.
     */
    public void replace(ServerContext next) {
        next.carryThrottleFrom(ctx);
        ctx = next;
        if (serverSocket.isClosed()) {
            next.stop();
        }
    }

    private void acceptLoop() {
        VirtualServerSettings vs = ctx.settings();
        AcceptBackoff backoff = new AcceptBackoff(vs.name(), LOG);
        while (!serverSocket.isClosed()) {
            Socket s;
            try {
                s = serverSocket.accept();
            } catch (IOException e) {
                if (serverSocket.isClosed()) {
                    return;
                }
                // out of descriptors (EMFILE, ENFILE) or buffers: wait, growing, and log once per interval
                if (!backoff.failed(e)) {
                    return;
                }
                continue;
            }
            backoff.succeeded();
            try {
                serve(s, backoff);
            } catch (RuntimeException | Error e) {
                // the accept thread must survive anything one connection brings
                LOG.error("virtual server {}: cannot take a connection: {}", vs.name(), e.toString());
                closeQuietly(s);
                if (!backoff.failed(new IOException(e.toString()))) {
                    return;
                }
            }
        }
    }

    /** One accepted connection: refused (reserve, limits) or given a session on its own virtual thread. */
    private void serve(Socket s, AcceptBackoff backoff) {
        ServerContext ctx = this.ctx; // one context for the whole connection, limits included
        VirtualServerSettings vs = ctx.settings();
        if (!Descriptors.reserveLeft()) {
            // keep descriptors for the spool and delivery: a busy answer, not a broken server
            backoff.refusedForReserve();
            threads.execute(() -> refuse(s, Reply.SERVICE_UNAVAILABLE.with(vs.fqdn()).bytes(true), () -> { }));
            return;
        }
        long number = connections.incrementAndGet();
        InetAddress client = s.getInetAddress();
        int total = active.incrementAndGet();
        int fromClient = perClient.merge(client, 1, Integer::sum);
        Runnable release = () -> {
            active.decrementAndGet();
            perClient.computeIfPresent(client, (k, v) -> v <= 1 ? null : v - 1);
            sessions.remove(number);
        };
        if (total > vs.limits().maxConnections()) {
            threads.execute(() -> refuse(s, Reply.TOO_MANY_CONNECTIONS.with(vs.fqdn()).bytes(true), release));
            return;
        }
        if (fromClient > vs.limits().maxConnectionsPerClient()) {
            threads.execute(() -> refuse(s, Reply.TOO_MANY_CONNECTIONS_FROM_CLIENT.with(vs.fqdn()).bytes(true), release));
            return;
        }
        try {
            s.setTcpNoDelay(true);
            Session session = new Session(ctx, new SmtpChannel(s), number, release);
            sessions.put(number, session);
            threads.execute(session);
        } catch (IOException | RuntimeException e) {
            LOG.warn("virtual server {}: cannot start a session for {}: {}", vs.name(), client.getHostAddress(), e.getMessage());
            closeQuietly(s);
            release.run();
        }
    }

    private void refuse(Socket s, byte[] reply, Runnable release) {
        try (s) {
            s.setSoTimeout(5000);
            SmtpChannel ch = new SmtpChannel(s);
            ch.writeTimeout(Duration.ofSeconds(5));
            ch.write(reply);
            ch.flush();
        } catch (IOException ignored) {
            // a client we refuse anyway
        } finally {
            release.run();
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already broken
        }
    }

    /** Stops accepting at once (the port refuses from now on); the sessions under way go on. */
    public void stopAccepting() {
        closeQuietly(serverSocket);
        try {
            acceptor.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops accepting, lets sessions in the middle of a message finish within the grace period. */
    public void close(Duration grace) {
        ctx.stop();
        stopAccepting();
        // sessions started under an earlier context (before a reload) are told too
        sessions.values().forEach(session -> session.context().stop());
        sessions.values().forEach(Session::closeIfIdle);
        threads.shutdown();
        try {
            if (!threads.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                sessions.values().forEach(Session::abortConnection);
                threads.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeQuietly(ServerSocket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
