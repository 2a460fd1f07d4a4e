package dev.baton.queue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable spool. A message is received into {@code incoming/}, then committed by
 * {@link Receipt#commit()}, the one place that decides durability: content and envelope
 * written, the file fsync'd, atomically renamed into {@code queue/}, the directory fsync'd
 * (grouped across sessions). Only after commit returns may a server say 250.
 * <p>
 * Queue file layout (format 2, {@code docs/adr/0007-recipient-identity.md}): the line
 * {@code BATON-SPOOL 2 X}, where X is {@code 8} when the content has an octet above 127 and
 * {@code 7} when not (written at commit, before the fsync), the envelope as one line of JSON
 * (every recipient with its id), then the content (canonical CRLF, not dot-stuffed).
 * Per-recipient delivery state lives beside it in {@code state/ID.json}, replaced atomically,
 * keyed by recipient id; absent means nothing was tried yet. Files of format 1 (no ids, no
 * 8-bit mark, states by position) are read as well. Start-up recovery puts every committed
 * message back and removes leftovers of uncommitted ones.
 */
public final class Spool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);
    static final String MAGIC_V1 = "BATON-SPOOL 1";
    /** Format 2: the last octet of the first line says whether the content is 8-bit. */
    static final String MAGIC_V2 = "BATON-SPOOL 2 ";
    private static final int EIGHT_BIT_MARK_OFFSET = MAGIC_V2.length();
    private static final int STATE_FORMAT = 2;
    private static final int MAX_HEADER = 16 * 1024 * 1024;

    /** Opens files for writing; tests substitute one that fails like a full disk. */
    @FunctionalInterface
    public interface FileOpener {
        FileChannel createNew(Path path) throws IOException;
    }

    private final Path root;
    private final Path incoming;
    private final Path queue;
    private final Path state;
    private final Path control;
    /** Held messages: an empty file named by the queue id (ADR 0016); the queue file itself stays where it is. */
    private final Path hold;
    private final DirectorySync queueSync;
    private final DirectorySync stateSync;
    private final FileOpener opener;
    private final Clock clock;
    private final ObjectMapper json;
    private volatile Consumer<QueuedMessage> onCommit = m -> { };
    private volatile Consumer<String> onRemove = id -> { };

    private Spool(Path root, FileOpener opener, Clock clock) {
        this.root = root;
        this.incoming = root.resolve("incoming");
        this.queue = root.resolve("queue");
        this.state = root.resolve("state");
        this.control = root.resolve("control");
        this.hold = root.resolve("hold");
        this.queueSync = new DirectorySync(queue);
        this.stateSync = new DirectorySync(state);
        this.opener = opener;
        this.clock = clock;
        this.json = new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    public static Spool open(Path root) throws IOException {
        return open(root, Clock.systemUTC());
    }

    /** Opens the spool with the server's clock (arrival times, queue ids, retries read it). */
    public static Spool open(Path root, Clock clock) throws IOException {
        return open(root, p -> FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), clock);
    }

    /** Opens (creating if needed) the spool under root and runs start-up recovery. */
    public static Spool open(Path root, FileOpener opener, Clock clock) throws IOException {
        Spool s = new Spool(root, opener, clock);
        for (Path d : List.of(s.incoming, s.queue, s.state, s.control)) {
            Files.createDirectories(d);
        }
        s.recover();
        return s;
    }

    /**
     * Opens an existing spool without recovery, for tools that look at the queue of a
     * running server (recovery would remove the files of messages being received).
     */
    public static Spool openReadOnly(Path root) throws IOException {
        if (!Files.isDirectory(root.resolve("queue"))) {
            throw new IOException("no spool at " + root);
        }
        return new Spool(root, p -> {
            throw new IOException("the spool was opened for reading only");
        }, Clock.systemUTC());
    }

    public Path root() {
        return root;
    }

    /** Called with each message right after it is committed (the scheduler listens here). */
    public void onCommit(Consumer<QueuedMessage> listener) {
        this.onCommit = listener;
    }

    /**
     * Called with the id of each message {@link #remove} took out of the queue (the delivery log
     * writes its removal line here, whoever removed it: the scheduler or an administrator's tool).
     */
    public void onRemove(Consumer<String> listener) {
        this.onRemove = listener;
    }

    /** Removes leftovers of unacknowledged messages; returns how many were removed. */
    private int recover() throws IOException {
        int removed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(incoming)) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
                removed++;
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(state)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.deleteIfExists(p);
                } else if (name.endsWith(".json") && !Files.exists(queue.resolve(name.substring(0, name.length() - 5)))) {
                    Files.deleteIfExists(p); // the message was removed; its state outlived it
                }
            }
        }
        if (removed > 0) {
            LOG.info("spool recovery: removed {} unacknowledged message(s) from {}", removed, incoming);
        }
        return removed;
    }

    /** Begins receiving a message; the envelope is written first, then the content streams. */
    public Receipt begin(Envelope envelope) throws SpoolException {
        String id;
        FileChannel ch;
        Path path;
        try {
            while (true) {
                id = QueueId.next(clock);
                path = incoming.resolve(id);
                try {
                    ch = opener.createNew(path);
                    break;
                } catch (FileAlreadyExistsException e) {
                    // extremely unlikely collision: draw another id
                }
            }
        } catch (IOException e) {
            throw new SpoolException("cannot create a spool file in " + incoming + ": " + e.getMessage(), e);
        }
        Receipt r = new Receipt(id, path, ch, envelope);
        try {
            r.writeHeader();
        } catch (IOException e) {
            r.abort();
            throw new SpoolException("cannot write to spool file " + path + ": " + e.getMessage(), e);
        }
        return r;
    }

    /** A message being received. Either {@link #commit()} or {@link #abort()} it. */
    public final class Receipt implements AutoCloseable {
        private final String id;
        private final Path path;
        private final FileChannel channel;
        private final Envelope envelope;
        private final SpoolFileWriter out;
        private boolean done;

        private Receipt(String id, Path path, FileChannel channel, Envelope envelope) {
            this.id = id;
            this.path = path;
            this.channel = channel;
            this.envelope = envelope;
            this.out = new SpoolFileWriter(channel);
        }

        public String id() {
            return id;
        }

        private void writeHeader() throws IOException {
            ByteArrayOutputStream h = new ByteArrayOutputStream(512);
            h.write((MAGIC_V2 + "?\n").getBytes(StandardCharsets.US_ASCII));
            h.write(json.writeValueAsBytes(envelope));
            h.write('\n');
            h.writeTo(out);
            out.contentStartsHere();
        }

        /** Where the content goes: canonical CRLF text, not dot-stuffed. */
        public OutputStream content() {
            return out;
        }

        /**
         * Makes the message durable and puts it in the queue. When this returns, the server
         * may acknowledge; when it throws, it must not.
         */
        public QueuedMessage commit() throws SpoolException {
            return commit(m -> { });
        }

        /**
         * As {@link #commit()}, telling {@code first} of the durable message before the queue
         * hears of it (so the delivery log's receipt line comes before any delivery line).
         * {@code first} must not block; what it throws is logged, never turned into a failure.
         */
        public QueuedMessage commit(Consumer<QueuedMessage> first) throws SpoolException {
            if (done) {
                throw new IllegalStateException("receipt already finished");
            }
            try {
                // in the buffer still, unless the message was larger than it
                out.overwrite(EIGHT_BIT_MARK_OFFSET, (byte) (out.eightBit() ? '8' : '7'));
                out.flush();
                channel.force(true);
                channel.close();
                Path target = queue.resolve(id);
                try {
                    Files.move(path, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    throw new IOException("spool directories must be on one file system", e);
                }
                done = true;
                queueSync.sync();
            } catch (IOException e) {
                abortQuietly();
                // the rename may have happened without the directory fsync: take it back
                try {
                    Files.deleteIfExists(queue.resolve(id));
                } catch (IOException ignored) {
                    // nothing more can be done; recovery will deliver it, never acknowledged twice
                }
                throw new SpoolException("cannot commit message " + id + " to the spool: " + e.getMessage(), e);
            }
            long headerLength = out.contentStart();
            QueuedMessage m = new QueuedMessage(id, envelope, QueuedMessage.freshStates(envelope), headerLength, out.written() - headerLength, out.eightBit());
            try {
                first.accept(m);
            } catch (RuntimeException e) {
                LOG.error("message {} is queued, but reporting its receipt failed: {}", id, e.toString());
            }
            try {
                onCommit.accept(m);
            } catch (RuntimeException e) {
                // the message is durable and will be acknowledged; a listener must not turn that into a 451
                LOG.error("message {} is queued, but the commit listener failed (it is taken up at the next start): {}", id, e.toString());
            }
            return m;
        }

        /** Drops the message: nothing of it stays. */
        public void abort() {
            abortQuietly();
        }

        private void abortQuietly() {
            done = true;
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing after a failed write: the file is removed next
            }
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                LOG.warn("cannot remove {} (start-up recovery will): {}", path, e.getMessage());
            }
        }

        @Override
        public void close() {
            if (!done) {
                abortQuietly();
            }
        }
    }

    /** All queued messages, oldest first. */
    public List<QueuedMessage> list() throws IOException {
        List<QueuedMessage> all = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(queue)) {
            for (Path p : ds) {
                String id = p.getFileName().toString();
                if (!QueueId.looksValid(id)) {
                    continue;
                }
                try {
                    load(id).ifPresent(all::add);
                } catch (IOException e) {
                    LOG.error("queue file {} cannot be read, left in place: {}", p, e.getMessage());
                }
            }
        }
        all.sort(Comparator.comparing((QueuedMessage m) -> m.envelope().arrival()).thenComparing(QueuedMessage::id));
        return all;
    }

    public Optional<QueuedMessage> load(String id) throws IOException {
        if (!QueueId.looksValid(id)) {
            return Optional.empty();
        }
        Path p = queue.resolve(id);
        byte[] head;
        long size;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            size = ch.size();
            head = readHeader(ch, p);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        int nl = 0;
        while (nl < head.length && head[nl] != '\n') {
            nl++;
        }
        String first = new String(head, 0, nl, StandardCharsets.US_ASCII);
        Boolean eightBit;
        if (first.equals(MAGIC_V1)) {
            eightBit = null; // format 1 did not record it: a reader looks
        } else if (first.length() == EIGHT_BIT_MARK_OFFSET + 1 && first.startsWith(MAGIC_V2)
                && (first.charAt(EIGHT_BIT_MARK_OFFSET) == '7' || first.charAt(EIGHT_BIT_MARK_OFFSET) == '8')) {
            eightBit = first.charAt(EIGHT_BIT_MARK_OFFSET) == '8';
        } else {
            throw new IOException(p + " is not a Baton spool file");
        }
        Envelope env = json.readValue(head, nl + 1, head.length - nl - 1, Envelope.class);
        long offset = head.length + 1L;
        List<RecipientState> states = readStates(id, env);
        return Optional.of(new QueuedMessage(id, env, states, offset, size - offset, eightBit));
    }

    private static byte[] readHeader(FileChannel ch, Path p) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(8192);
        ByteArrayOutputStream acc = new ByteArrayOutputStream();
        int newlines = 0;
        while (true) {
            buf.clear();
            int n = ch.read(buf);
            if (n < 0) {
                throw new IOException(p + ": truncated spool header");
            }
            byte[] a = buf.array();
            for (int i = 0; i < n; i++) {
                if (a[i] == '\n' && ++newlines == 2) {
                    acc.write(a, 0, i);
                    return acc.toByteArray();
                }
            }
            acc.write(a, 0, n);
            if (acc.size() > MAX_HEADER) {
                throw new IOException(p + ": spool header too large");
            }
        }
    }

    private List<RecipientState> readStates(String id, Envelope env) throws IOException {
        Path sp = state.resolve(id + ".json");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(sp);
        } catch (NoSuchFileException e) {
            return QueuedMessage.freshStates(env); // nothing tried yet
        }
        JsonNode tree = json.readTree(bytes);
        List<RecipientState> s = tree.isArray() ? statesOfFormat1(tree, env) : statesOfFormat2(tree, env);
        if (s != null) {
            return s;
        }
        LOG.error("state file {} does not match its message; starting its recipients afresh", sp);
        return QueuedMessage.freshStates(env);
    }

    /** {"format":2,"recipients":[{"recipient":1,...},...]}: one state per recipient id, in envelope order. */
    private List<RecipientState> statesOfFormat2(JsonNode tree, Envelope env) throws IOException {
        List<RecipientState> saved = json.convertValue(tree.path("recipients"), new TypeReference<List<RecipientState>>() { });
        if (saved == null || saved.size() != env.recipients().size()) {
            return null;
        }
        java.util.Map<RecipientId, RecipientState> byId = new java.util.HashMap<>();
        for (RecipientState r : saved) {
            byId.put(r.recipient(), r);
        }
        List<RecipientState> ordered = new ArrayList<>(saved.size());
        for (Recipient r : env.recipients()) {
            RecipientState st = byId.get(r.id());
            if (st == null) {
                return null;
            }
            ordered.add(st);
        }
        return ordered;
    }

    /** Format 1: a JSON array of states by position, the last reply as text only. */
    private List<RecipientState> statesOfFormat1(JsonNode tree, Envelope env) throws IOException {
        List<StateOfFormat1> old = json.convertValue(tree, new TypeReference<List<StateOfFormat1>>() { });
        if (old.size() != env.recipients().size()) {
            return null;
        }
        List<RecipientState> s = new ArrayList<>(old.size());
        for (int i = 0; i < old.size(); i++) {
            StateOfFormat1 o = old.get(i);
            s.add(new RecipientState(env.recipients().get(i).id(), o.status(), o.attempts(), o.nextAttempt(),
                    o.lastReply() == null ? null : RecordedReply.of(o.lastReply()), o.updated(), o.delayNotified()));
        }
        return s;
    }

    /** A recipient's state as spool format 1 saved it. */
    private record StateOfFormat1(RecipientStatus status, int attempts, Instant nextAttempt, String lastReply, Instant updated,
                                  boolean delayNotified) {
    }

    /** The message content (after the header), for delivery. */
    public InputStream openContent(QueuedMessage m) throws IOException {
        FileChannel ch = FileChannel.open(queue.resolve(m.id()), StandardOpenOption.READ);
        ch.position(m.contentOffset());
        return Channels.newInputStream(ch);
    }

    /** Replaces the per-recipient state of a message durably. */
    public void saveStates(QueuedMessage m) throws IOException {
        Path tmp = state.resolve(m.id() + ".json.tmp");
        Path target = state.resolve(m.id() + ".json");
        java.util.Map<String, Object> file = new java.util.LinkedHashMap<>();
        file.put("format", STATE_FORMAT);
        file.put("recipients", m.states());
        byte[] bytes = json.writeValueAsBytes(file);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        stateSync.sync();
    }

    /** Removes a message whose recipients are all final (or that an administrator deleted). */
    public boolean remove(String id) throws IOException {
        return remove(id, true);
    }

    /**
     * Removes a message; {@code hasState} false says no state file was ever written for it
     * (delivered at the first attempt), which saves two system calls on the hot path.
     */
    public boolean remove(String id, boolean hasState) throws IOException {
        if (!QueueId.looksValid(id)) {
            return false;
        }
        boolean existed = Files.deleteIfExists(queue.resolve(id));
        if (hasState) {
            Files.deleteIfExists(state.resolve(id + ".json"));
            Files.deleteIfExists(hold.resolve(id));
        }
        if (existed) {
            try {
                onRemove.accept(id);
            } catch (RuntimeException e) {
                LOG.error("message {} is removed, but the removal listener failed: {}", id, e.toString());
            }
        }
        return existed;
    }

    /**
     * Holds a message (postsuper -h): nothing delivers it until it is released; the mark is on
     * disk ({@code hold/ID}, the file and its directory fsync'd), so it survives a restart.
     * Returns false when the message is not queued or was held already.
     */
    public boolean hold(String id) throws IOException {
        if (!QueueId.looksValid(id) || !Files.exists(queue.resolve(id))) {
            return false;
        }
        Files.createDirectories(hold);
        Path mark = hold.resolve(id);
        try (FileChannel ch = FileChannel.open(mark, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.force(true);
        } catch (FileAlreadyExistsException e) {
            return false;
        }
        syncDirectory(hold);
        if (!Files.exists(queue.resolve(id))) {
            // removed meanwhile: leave no mark for a message that is gone
            Files.deleteIfExists(mark);
            return false;
        }
        return true;
    }

    /** Releases a held message (postsuper -H); false when it was not held. */
    public boolean release(String id) throws IOException {
        if (!QueueId.looksValid(id)) {
            return false;
        }
        boolean was = Files.deleteIfExists(hold.resolve(id));
        if (was) {
            syncDirectory(hold);
        }
        return was;
    }

    /** Whether an administrator holds this message. */
    public boolean isHeld(String id) {
        return QueueId.looksValid(id) && Files.exists(hold.resolve(id));
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** What an administrator can ask a running (or the next) server to do with a queued message. */
    public enum ControlAction { RETRY, BOUNCE }

    /**
     * Leaves a request for the server that owns this spool (it looks every second, or at its
     * next start): retry or bounce one message, or retry all with id "all".
     */
    public void request(ControlAction action, String id) throws IOException {
        if (!id.equals("all") && !QueueId.looksValid(id)) {
            throw new IOException("\"" + id + "\" is not a queue id");
        }
        Files.createDirectories(control);
        Path tmp = control.resolve("." + action.name().toLowerCase(java.util.Locale.ROOT) + "-" + id + ".tmp");
        Files.write(tmp, new byte[0]);
        Files.move(tmp, control.resolve(action.name().toLowerCase(java.util.Locale.ROOT) + "-" + id),
                StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Takes (and removes) the pending administrator requests, as action and id. */
    public List<java.util.Map.Entry<ControlAction, String>> takeRequests() throws IOException {
        List<java.util.Map.Entry<ControlAction, String>> out = new ArrayList<>();
        if (!Files.isDirectory(control)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(control)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                int dash = name.indexOf('-');
                if (name.startsWith(".") || dash < 0) {
                    continue;
                }
                Files.deleteIfExists(p);
                for (ControlAction a : ControlAction.values()) {
                    if (a.name().equalsIgnoreCase(name.substring(0, dash))) {
                        out.add(java.util.Map.entry(a, name.substring(dash + 1)));
                    }
                }
            }
        }
        return out;
    }

    /** Releases the directory handles kept for group commit. */
    @Override
    public void close() throws IOException {
        queueSync.close();
        stateSync.close();
    }

    public Clock clock() {
        return clock;
    }

    long directorySyncs() {
        return queueSync.syncCount();
    }
}
