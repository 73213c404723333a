package dev.loomkit.server.http1;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The connection's write side: a small buffer for heads and short bodies over a blocking channel.
 * Each channel write arms the write timeout, which the sweeper enforces; no timer is set per write.
 */
public final class HttpOutput {
    /**
     * Room for a typical response head and a short body, written in one call. A larger body goes
     * out in one gathering write with whatever is buffered, so a bigger buffer would save nothing,
     * and a small one keeps an idle connection small. A head that does not fit grows the buffer, up
     * to {@link #MAX_SIZE}, for the connection's life.
     */
    private static final int SIZE = 512;
    private static final int MAX_SIZE = 8 * 1024;

    private final SocketChannel channel;
    private final WriteTimer timer;
    private byte[] buf = new byte[SIZE];
    private ByteBuffer view = ByteBuffer.wrap(buf);
    private ByteBuffer[] viewOnly = {view};
    private int count;
    private long bytesWritten;

    /**
     * The connection's I/O clock, as the output sees it: each blocking write is timed. Called on the
     * writing thread.
     */
    public interface WriteTimer {
        /**
         * A write call is about to block: the write timeout runs from now. Called before each call,
         * so a slow reader that keeps taking bytes is not cut off; the first of a write remembers
         * the I/O it interrupted.
         */
        void writeStarts();

        /** The write ended, done or failed: the timed I/O it interrupted, if any, is put back. */
        void writeEnded();
    }

    /** {@return bytes written to the channel so far} */
    public long bytesWritten() {
        return bytesWritten;
    }

    /** Makes an output for the channel, whose blocking writes {@code timer} times. */
    public HttpOutput(SocketChannel channel, WriteTimer timer) {
        this.channel = channel;
        this.timer = timer;
    }

    void write(byte[] b, int off, int len) throws IOException {
        if (len <= buf.length - count) {
            System.arraycopy(b, off, buf, count, len);
            count += len;
            return;
        }
        if (count > 0) {
            // One gathering write for what is buffered (a head) and the large body behind it.
            view.clear().limit(count);
            count = 0;
            writeFully(new ByteBuffer[] {view, ByteBuffer.wrap(b, off, len)});
        } else {
            writeFully(new ByteBuffer[] {ByteBuffer.wrap(b, off, len)});
        }
    }

    void write(byte[] b) throws IOException {
        write(b, 0, b.length);
    }

    /** Writes a string of ISO-8859-1 characters (a response head's text), one byte each. */
    void writeLatin1(String s) throws IOException {
        int len = s.length();
        if (len > buf.length - count) {
            if (count + len <= MAX_SIZE) {
                grow(count + len);
            } else {
                flushBuffer();
                if (len > buf.length) {
                    write(s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                    return;
                }
            }
        }
        s.getBytes(0, len, buf, count); // deprecated for its lossy charset, which is the one wanted here
        count += len;
    }

    /** Writes a non-negative number in decimal. */
    private void grow(int needed) {
        byte[] bigger = java.util.Arrays.copyOf(buf, Math.min(MAX_SIZE, Math.max(needed, buf.length * 2)));
        buf = bigger;
        view = ByteBuffer.wrap(bigger);
        viewOnly = new ByteBuffer[] {view};
    }

    void writeDecimal(long n) throws IOException {
        if (20 > buf.length - count) {
            flushBuffer();
        }
        int digits = 1;
        for (long v = n; v >= 10; v /= 10) {
            digits++;
        }
        int at = count + digits;
        for (long v = n; at > count; v /= 10) {
            buf[--at] = (byte) ('0' + v % 10);
        }
        count += digits;
    }

    private void flushBuffer() throws IOException {
        if (count > 0) {
            view.clear().limit(count);
            count = 0;
            writeFully(viewOnly);
        }
    }

    void flush() throws IOException {
        flushBuffer();
    }

    private void writeFully(ByteBuffer[] buffers) throws IOException {
        // A write may come in the middle of a read's time (the 100 Continue sent as a body read
        // begins): that read's deadline is put back afterwards, not cleared.
        ByteBuffer last = buffers[buffers.length - 1];
        try {
            while (last.hasRemaining()) {
                timer.writeStarts();
                // One buffer (nearly every response): a plain write, not a gathering one, which
                // costs the JDK an I/O vector and more bookkeeping per call.
                bytesWritten += buffers.length == 1 ? channel.write(last) : channel.write(buffers);
            }
        } finally {
            timer.writeEnded();
        }
    }
}
