package dev.baton.smtp;

import dev.baton.mail.LineEndingPolicy;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Reads message data from an {@link SmtpChannel}: DATA (dot-terminated, dot-stuffed) or a BDAT
 * chunk (exact length), into a sink, as canonical CRLF text with stuffing removed.
 * <p>
 * Only CRLF.CRLF ends DATA. Bare CR, bare LF and NUL are found wherever they are, also when a
 * CRLF is split between two BDAT chunks; depending on the policy the message is refused (after
 * reading it to its real end, so nothing smuggled inside runs as a command) or normalized.
 * Past the size limit nothing more is written, but reading continues to the end.
 */
public final class DataReader {

    /**
     * Where in a line the reader is. LINE_START_BARE and DOT_START_BARE follow a bare line ending
     * that the NORMALIZE policy turned into CRLF: a dot there is unstuffed as at any line start
     * (the client that ends lines with LF stuffed it), but ".CRLF" there never ends DATA: only
     * CRLF.CRLF does.
     */
    private enum State { LINE_START, IN_LINE, SAW_CR, DOT_START, DOT_CR, LINE_START_BARE, DOT_START_BARE }

    private final LineEndingPolicy policy;
    private final long maxSize;
    private final int maxLineOctets;
    private final boolean checkText;
    private final byte[] out = new byte[8 * 1024];
    private int outLen;
    private OutputStream sink;
    private State state = State.LINE_START;
    private long size;
    private int lineLength;
    private boolean bareLineEnding;
    private boolean nul;
    private boolean lineTooLong;
    private boolean tooBig;
    private boolean eightBit;
    private IOException storageFailure;
    /** DATA: dots at line starts are stuffing. Not for BDAT. */
    private boolean dotStuffed;

    /**
     * @param maxLineOctets the longest line allowed, CRLF included, or 0 for no limit
     * @param checkText     false for BODY=BINARYMIME chunks: bytes are stored as they come
     */
    public DataReader(OutputStream sink, LineEndingPolicy policy, long maxSize, int maxLineOctets, boolean checkText) {
        this.sink = sink;
        this.policy = policy;
        this.maxSize = maxSize;
        this.maxLineOctets = maxLineOctets;
        this.checkText = checkText;
    }

    /**
     * The sink failed (full disk, I/O error): nothing more is written, but reading goes on to
     * the end of the data so the session stays in step with the client.
     */
    private void sinkFailed(IOException e) {
        storageFailure = e;
        sink = null;
        outLen = 0;
    }

    /** The write error of the sink, or null when everything was stored. */
    public IOException storageFailure() {
        return storageFailure;
    }

    /** Reads DATA content up to and including the terminating CRLF.CRLF. */
    public void readDotTerminated(SmtpChannel ch) throws IOException {
        dotStuffed = true;
        while (true) {
            if (!ch.fill()) {
                throw new EOFException("connection closed during DATA");
            }
            byte[] buf = ch.buf;
            int p = ch.pos;
            int lim = ch.limit;
            while (p < lim) {
                byte b = buf[p++];
                switch (state) {
                    case LINE_START -> {
                        if (b == '.') {
                            state = State.DOT_START;
                        } else {
                            inLine(b);
                        }
                    }
                    case DOT_START -> {
                        if (b == '\r') {
                            state = State.DOT_CR;
                        } else {
                            inLine(b); // the stuffed dot is dropped
                        }
                    }
                    case DOT_CR -> {
                        if (b == '\n') {
                            ch.pos = p;
                            finish();
                            return;
                        }
                        // ".\r" then something else: a bare CR after a dropped dot; b is the
                        // next octet (afterCr would count that CR a second time)
                        bareCr();
                        next(b);
                    }
                    case SAW_CR -> afterCr(b);
                    case IN_LINE -> inLine(b);
                    case LINE_START_BARE -> next(b);
                    case DOT_START_BARE -> inLine(b); // the stuffed dot is dropped; ".CRLF" here is just a line
                }
            }
            ch.pos = p;
        }
    }

    /** Reads one BDAT chunk of exactly n octets. Call {@link #finish()} after the LAST one. */
    public void readChunk(SmtpChannel ch, long n) throws IOException {
        long left = n;
        while (left > 0) {
            if (!ch.fill()) {
                throw new EOFException("connection closed during BDAT with " + left + " octets still to come");
            }
            byte[] buf = ch.buf;
            int p = ch.pos;
            int end = (int) Math.min(ch.limit, p + left);
            left -= end - p;
            if (!checkText) {
                for (int i = p; i < end; i++) {
                    if (buf[i] < 0) {
                        eightBit = true;
                        break;
                    }
                }
                emitBlock(buf, p, end - p);
                p = end;
            } else {
                while (p < end) {
                    byte b = buf[p++];
                    if (state == State.SAW_CR) {
                        afterCr(b);
                    } else {
                        inLine(b);
                    }
                }
            }
            ch.pos = p;
        }
    }

    private void inLine(byte b) throws IOException {
        switch (b) {
            case '\r' -> state = State.SAW_CR;
            case '\n' -> {
                bareLineEnding = true;
                if (policy == LineEndingPolicy.NORMALIZE) {
                    emitCrlf();
                    state = State.LINE_START_BARE;
                } else {
                    lineLength = 0;
                    state = State.IN_LINE;
                }
            }
            case 0 -> {
                nul = true;
                state = State.IN_LINE;
            }
            default -> {
                if (b < 0) {
                    eightBit = true;
                }
                state = State.IN_LINE;
                if (maxLineOctets > 0 && ++lineLength > maxLineOctets - 2) {
                    lineTooLong = true;
                }
                emit(b);
            }
        }
    }

    private void afterCr(byte b) throws IOException {
        if (b == '\n') {
            emitCrlf();
            state = State.LINE_START;
            return;
        }
        bareCr();
        next(b);
    }

    /** The first octet after a bare line ending: a stuffed dot when DATA normalizes, else an ordinary octet. */
    private void next(byte b) throws IOException {
        if (state == State.LINE_START_BARE && dotStuffed && b == '.') {
            state = State.DOT_START_BARE;
        } else {
            inLine(b);
        }
    }

    private void bareCr() throws IOException {
        bareLineEnding = true;
        if (policy == LineEndingPolicy.NORMALIZE) {
            emitCrlf();
            state = State.LINE_START_BARE;
        } else {
            lineLength = 0;
            state = State.IN_LINE;
        }
    }

    private void emitCrlf() throws IOException {
        lineLength = 0;
        emit((byte) '\r');
        emit((byte) '\n');
    }

    private void emit(byte b) throws IOException {
        if (++size > maxSize) {
            tooBig = true;
            return;
        }
        if (sink == null) {
            return;
        }
        if (outLen == out.length) {
            drain();
        }
        out[outLen++] = b;
    }

    private void emitBlock(byte[] b, int off, int len) throws IOException {
        size += len;
        if (size > maxSize) {
            tooBig = true;
            return;
        }
        if (sink == null) {
            return;
        }
        drain();
        if (sink != null) {
            try {
                sink.write(b, off, len);
            } catch (IOException e) {
                sinkFailed(e);
            }
        }
    }

    private void drain() {
        if (outLen > 0 && sink != null) {
            try {
                sink.write(out, 0, outLen);
            } catch (IOException e) {
                sinkFailed(e);
            }
        }
        outLen = 0;
    }

    /** Ends the content: a CR left pending at the very end of the last chunk is bare. */
    public void finish() throws IOException {
        if (state == State.SAW_CR && checkText) {
            bareCr();
        }
        drain();
    }

    /** Hands what is held in memory to the sink (before a BDAT chunk is acknowledged). */
    public void drainPending() {
        drain();
    }

    public long size() {
        return size;
    }

    public boolean sawBareLineEnding() {
        return bareLineEnding;
    }

    public boolean sawNul() {
        return nul;
    }

    public boolean sawLineTooLong() {
        return lineTooLong;
    }

    public boolean tooBig() {
        return tooBig;
    }

    public boolean sawEightBit() {
        return eightBit;
    }

    /** The reason to refuse the message, or null when it may be accepted. */
    public Response refusal() {
        if (tooBig) {
            return Reply.MESSAGE_TOO_BIG.with(maxSize);
        }
        if (nul) {
            return Reply.NUL_IN_DATA.response();
        }
        if (bareLineEnding && policy == LineEndingPolicy.REJECT) {
            return Reply.BARE_LINE_ENDING.response();
        }
        if (lineTooLong) {
            return Reply.TEXT_LINE_TOO_LONG.with(maxLineOctets);
        }
        return null;
    }
}
