package dev.loomkit.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The connection's write side: a small buffer for heads and short bodies over a blocking channel.
 * Each channel write arms the write timeout, which the sweeper enforces; no timer is set per write.
 */
final class HttpOutput {
    private static final int SIZE = 8 * 1024;

    private final SocketChannel channel;
    private final Connection connection;
    private final byte[] buf = new byte[SIZE];
    private final ByteBuffer view = ByteBuffer.wrap(buf);
    private int count;
    long bytesWritten;

    HttpOutput(SocketChannel channel, Connection connection) {
        this.channel = channel;
        this.connection = connection;
    }

    void write(byte[] b, int off, int len) throws IOException {
        if (len <= SIZE - count) {
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

    void flush() throws IOException {
        if (count > 0) {
            view.clear().limit(count);
            count = 0;
            writeFully(new ByteBuffer[] {view});
        }
    }

    private void writeFully(ByteBuffer[] buffers) throws IOException {
        ByteBuffer last = buffers[buffers.length - 1];
        while (last.hasRemaining()) {
            connection.ioStart(Connection.Io.WRITE);
            try {
                bytesWritten += channel.write(buffers);
            } finally {
                connection.ioEnd();
            }
        }
    }
}
