package dev.loomkit.server.http1;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * The connection's read side: one buffer over a blocking channel. The head parser looks into the
 * buffer directly; bodies read through it. It grows only while a single head needs more room,
 * within the configured limits, so an idle connection holds one small buffer.
 */
public final class HttpInput {
    /** Enough for a typical request head; an idle connection holds this much and no more. */
    static final int INITIAL_SIZE = 512;
    /** A buffer grown for a larger head is kept up to this size, so that such clients do not allocate per request. */
    private static final int KEEP_SIZE = 4 * 1024;

    private final ReadableByteChannel channel;
    private final int maxSize;
    byte[] buf = new byte[INITIAL_SIZE];
    int pos;
    int lim;
    private ByteBuffer view = ByteBuffer.wrap(buf);
    private long bytesRead;

    /**
     * Makes the input.
     *
     * @param channel the connection's socket; any readable channel in the codec's unit tests
     * @param maxSize the most the buffer may grow to: the head limit
     */
    public HttpInput(ReadableByteChannel channel, int maxSize) {
        this.channel = channel;
        this.maxSize = Math.max(INITIAL_SIZE, maxSize);
    }

    /** {@return bytes read from the channel so far} */
    public long bytesRead() {
        return bytesRead;
    }

    /**
     * {@return the buffer, as scratch space for a read that discards} For the lingering close, when
     * nothing buffered matters any more: what it holds is overwritten.
     */
    public ByteBuffer discardSpace() {
        return ByteBuffer.wrap(buf);
    }

    /** {@return bytes taken from the buffer or the channel so far: read, less what is still buffered} */
    public long consumed() {
        return bytesRead - (lim - pos);
    }

    /** {@return whether bytes read from the channel wait in the buffer} */
    public boolean hasBuffered() {
        return pos < lim;
    }

    /** {@return how many bytes read from the channel wait in the buffer} */
    public int buffered() {
        return lim - pos;
    }

    /**
     * Reads more bytes into the buffer, keeping the unread ones; grows it if it is full and may grow.
     *
     * @return bytes read, or -1 at end of stream
     * @throws IOException if the read fails, or the buffer is full at its maximum size
     */
    public int fill() throws IOException {
        if (lim == buf.length) {
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                lim -= pos;
                pos = 0;
            } else if (buf.length < maxSize) {
                resize(Math.min(maxSize, buf.length * 2));
            } else {
                throw new IllegalStateException("input buffer full at " + maxSize + " bytes");
            }
        }
        view.limit(buf.length).position(lim);
        int n = channel.read(view);
        if (n > 0) {
            lim += n;
            bytesRead += n;
        }
        return n;
    }

    /**
     * {@return whether the buffer holds the end of a request head: an empty line, CR LF or a bare
     * LF, after at least one other byte} The idle parker reads a head without a thread and hands
     * the connection on only once it is whole, so a slow client never holds a pool thread.
     */
    public boolean hasHeadEnd() {
        for (int i = pos + 1; i < lim; i++) {
            if (buf[i] == '\n' && (buf[i - 1] == '\n' || buf[i - 1] == '\r' && i - 2 >= pos && buf[i - 2] == '\n')) {
                return true;
            }
        }
        return false;
    }

    /** The largest the buffer has been. */
    private int peakSize = INITIAL_SIZE;

    /** {@return the largest the buffer has been} */
    public int peakSize() {
        return peakSize;
    }

    /** {@return the most the buffer may grow to} */
    public int maxSize() {
        return maxSize;
    }

    private void resize(int size) {
        peakSize = Math.max(peakSize, size);
        buf = Arrays.copyOf(buf, size);
        view = ByteBuffer.wrap(buf);
    }

    /** Drops a grown buffer once it is empty, so that one large head does not pin memory for the connection's life. */
    public void shrinkIfIdle() {
        if (pos == lim && buf.length > KEEP_SIZE) {
            buf = new byte[INITIAL_SIZE];
            view = ByteBuffer.wrap(buf);
            pos = 0;
            lim = 0;
        } else if (pos == lim) {
            pos = 0;
            lim = 0;
        }
    }

    /** Reads up to {@code len} body bytes: from the buffer if any, else straight from the channel. */
    public int read(byte[] dst, int off, int len) throws IOException {
        if (pos == lim) {
            if (len >= buf.length) {
                int n = channel.read(ByteBuffer.wrap(dst, off, len));
                if (n > 0) {
                    bytesRead += n;
                }
                return n;
            }
            pos = 0;
            lim = 0;
            if (fill() < 0) {
                return -1;
            }
        }
        int n = Math.min(len, lim - pos);
        System.arraycopy(buf, pos, dst, off, n);
        pos += n;
        return n;
    }

    /**
     * {@return how many more bytes may be buffered: the head limit less what is buffered} The
     * client-gone watcher reads no more than this, so a client that pipelines while its request is
     * being handled cannot grow the buffer past the head limit; what it sends beyond waits in the
     * kernel, where TCP's flow control holds it back.
     */
    public int room() {
        return Math.max(0, maxSize - (lim - pos));
    }

    /** Appends bytes read elsewhere (by the client-gone watcher) as if they had been read here; at most {@link #room()}. */
    public void pushBack(ByteBuffer data) {
        int n = data.remaining();
        if (n > room()) {
            throw new IllegalStateException(n + " bytes pushed back with room for " + room());
        }
        if (lim + n > buf.length) {
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                lim -= pos;
                pos = 0;
            }
            if (lim + n > buf.length) {
                resize(Math.min(maxSize, Math.max(lim + n, buf.length * 2)));
            }
        }
        data.get(buf, lim, n);
        lim += n;
        bytesRead += n;
    }
}
