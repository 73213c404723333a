package dev.loomkit.server.http1;

import dev.loomkit.server.ProtocolException;
import java.io.IOException;
import java.io.InputStream;

/**
 * A request body, Content-Length or chunked, bounded by the body limit. Every read from the network
 * goes through a {@link ReadGuard}, the server's exchange, which sends {@code 100 Continue} when the
 * client asked for it, keeps the body timeout, and holds off the cancellation interrupt (which would
 * close the channel under a read).
 */
public abstract sealed class BodyInputStream extends InputStream
        permits BodyInputStream.Fixed, BodyInputStream.Chunked, BodyInputStream.Empty {
    /**
     * What must happen around every body read from the network: the exchange's guards in the
     * server; nothing in the codec's unit tests, which read from byte arrays.
     */
    public interface ReadGuard {
        /** Nothing to guard: for bodies read from memory. */
        ReadGuard NONE = new ReadGuard() {
            @Override
            public void beforeBodyRead() {
            }

            @Override
            public void afterBodyRead() {
            }
        };

        /**
         * Called before each read from the network, on the reading thread.
         *
         * @throws IOException if the read must not happen (the request is cancelled), or the
         *                     {@code 100 Continue} it sends fails
         */
        void beforeBodyRead() throws IOException;

        /** Called after each read from the network, whether it succeeded or not. */
        void afterBodyRead();
    }

    final HttpInput in;
    final ReadGuard exchange;
    boolean done;
    private ProtocolException error;

    BodyInputStream(HttpInput in, ReadGuard exchange) {
        this.in = in;
        this.exchange = exchange;
    }

    /** {@return the framing error a read of this body met, or null} It is the request's answer. */
    public ProtocolException error() {
        return error;
    }

    /** {@return the body that follows the head: chunked, of a length, or empty} */
    public static BodyInputStream of(RequestHead head, HttpInput in, ReadGuard exchange, long maxBody) {
        if (head.chunked()) {
            return new Chunked(in, exchange, maxBody);
        }
        if (head.contentLength() > 0) {
            return new Fixed(in, exchange, head.contentLength());
        }
        return Empty.INSTANCE;
    }

    /** {@return whether the whole body has been read} */
    public boolean isComplete() {
        return done;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (error != null) {
            throw error;
        }
        if (done) {
            return -1;
        }
        if (len == 0) {
            return 0;
        }
        try {
            return readBody(b, off, len);
        } catch (ProtocolException e) {
            error = e;
            throw e;
        }
    }

    abstract int readBody(byte[] b, int off, int len) throws IOException;

    /** Reads from the network with the exchange's guards; -1 at end of stream. */
    int network(byte[] b, int off, int len) throws IOException {
        exchange.beforeBodyRead();
        try {
            return in.read(b, off, len);
        } finally {
            exchange.afterBodyRead();
        }
    }

    /**
     * Reads and discards what is left, up to {@code limit} bytes, so that the connection can serve
     * its next request.
     *
     * @return whether the body was read to its end within the limit
     */
    public boolean drain(long limit) {
        // Counted on the wire, not in body bytes: chunk sizes, extensions and trailers count too,
        // so no framing can make a small body cost a large read.
        long start = in.consumed();
        byte[] skip = new byte[Math.min(8192, (int) Math.max(1, limit))];
        try {
            while (!done) {
                int n = read(skip, 0, skip.length);
                if (in.consumed() - start > limit) {
                    return false;
                }
                if (n < 0) {
                    break;
                }
            }
            // The read that ends a chunked body (the last size line, the trailers) counts too: it
            // returns -1 having read up to 8 KiB.
            return in.consumed() - start <= limit;
        } catch (IOException e) {
            return false;
        }
    }

    /** No body: one shared instance, since it never reads and its state never changes. */
    static final class Empty extends BodyInputStream {
        static final Empty INSTANCE = new Empty();

        private Empty() {
            super(null, null);
            done = true;
        }

        @Override
        int readBody(byte[] b, int off, int len) {
            return -1;
        }
    }

    static final class Fixed extends BodyInputStream {
        private long remaining;

        Fixed(HttpInput in, ReadGuard exchange, long length) {
            super(in, exchange);
            this.remaining = length;
        }

        @Override
        int readBody(byte[] b, int off, int len) throws IOException {
            int n = network(b, off, (int) Math.min(len, remaining));
            if (n < 0) {
                throw new java.io.EOFException("client closed the connection with " + remaining + " body bytes unsent");
            }
            remaining -= n;
            if (remaining == 0) {
                done = true;
            }
            return n;
        }

        @Override
        public int available() {
            return (int) Math.min(in.buffered(), remaining);
        }
    }

    /** RFC 9112 7.1: chunk-size [ extensions ] CRLF data CRLF ... 0 CRLF [ trailers ] CRLF. */
    static final class Chunked extends BodyInputStream {
        private static final int MAX_CHUNK_LINE = 4096;
        private static final int MAX_TRAILER_BYTES = 8192;
        private final long maxBody;
        private long total;
        private long chunkLeft; // bytes left in the current chunk; 0 means a size line comes next
        private boolean first = true;

        Chunked(HttpInput in, ReadGuard exchange, long maxBody) {
            super(in, exchange);
            this.maxBody = maxBody;
        }

        @Override
        int readBody(byte[] b, int off, int len) throws IOException {
            if (chunkLeft == 0) {
                if (!first) {
                    expectCrlf();
                }
                first = false;
                chunkLeft = readChunkSize();
                if (chunkLeft == 0) {
                    readTrailers();
                    done = true;
                    return -1;
                }
                if (total + chunkLeft > maxBody) {
                    throw new ProtocolException(413, "chunked body over the limit of " + maxBody + " bytes");
                }
            }
            int n = network(b, off, (int) Math.min(len, chunkLeft));
            if (n < 0) {
                throw new java.io.EOFException("client closed the connection inside a chunk");
            }
            chunkLeft -= n;
            total += n;
            return n;
        }

        private String line(int limit) throws IOException {
            exchange.beforeBodyRead();
            try {
                return RequestHeadParser.readLine(in, limit, false);
            } catch (ProtocolException e) {
                throw new ProtocolException(400, "malformed chunked body: " + e.getMessage());
            } finally {
                exchange.afterBodyRead();
            }
        }

        private void expectCrlf() throws IOException {
            if (!line(0).isEmpty()) {
                throw new ProtocolException(400, "chunk data not followed by CRLF");
            }
        }

        private long readChunkSize() throws IOException {
            String line = line(MAX_CHUNK_LINE);
            // RFC 9112 7.1: chunk-size [ chunk-ext ] CRLF, chunk-ext = *( BWS ";" BWS ext-name
            // [ BWS "=" BWS ext-val ] ), BWS being spaces and tabs only. Extensions are checked,
            // then ignored.
            int i = 0;
            long n = 0;
            while (i < line.length() && Character.digit(line.charAt(i), 16) >= 0 && line.charAt(i) < 0x80) {
                if (i == 15) {
                    throw new ProtocolException(400, "chunk size too large '" + line + "'");
                }
                n = n << 4 | Character.digit(line.charAt(i), 16);
                i++;
            }
            if (i == 0) {
                throw new ProtocolException(400, "invalid chunk size '" + line + "'");
            }
            while (i < line.length()) {
                i = skipBws(line, i);
                if (i == line.length() || line.charAt(i) != ';') {
                    throw new ProtocolException(400, "invalid chunk size or extension '" + line + "'");
                }
                i = skipBws(line, i + 1);
                int nameStart = i;
                while (i < line.length() && Rfc9110.isTchar(line.charAt(i))) {
                    i++;
                }
                if (i == nameStart) {
                    throw new ProtocolException(400, "chunk extension without a name '" + line + "'");
                }
                int afterName = skipBws(line, i);
                if (afterName < line.length() && line.charAt(afterName) == '=') {
                    i = skipBws(line, afterName + 1);
                    i = extValueEnd(line, i);
                }
            }
            return n;
        }

        private static int skipBws(String line, int i) {
            while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
                i++;
            }
            return i;
        }

        /** The end of the token or quoted-string at {@code i}. */
        private static int extValueEnd(String line, int i) throws ProtocolException {
            if (i < line.length() && line.charAt(i) == '"') {
                for (int j = i + 1; j < line.length(); j++) {
                    char c = line.charAt(j);
                    if (c == '"') {
                        return j + 1;
                    }
                    if (c == '\\') {
                        j++;
                        if (j == line.length() || !Rfc9110.isFieldValueByte(line.charAt(j))) {
                            throw new ProtocolException(400, "malformed quoted chunk extension value");
                        }
                    } else if (!Rfc9110.isFieldValueByte(c)) {
                        throw new ProtocolException(400, "control character in a chunk extension value");
                    }
                }
                throw new ProtocolException(400, "unterminated quoted chunk extension value");
            }
            int start = i;
            while (i < line.length() && Rfc9110.isTchar(line.charAt(i))) {
                i++;
            }
            if (i == start) {
                throw new ProtocolException(400, "chunk extension without a value after '='");
            }
            return i;
        }

        private void readTrailers() throws IOException {
            int bytes = 0;
            while (true) {
                String line = line(MAX_TRAILER_BYTES - bytes);
                if (line.isEmpty()) {
                    return;
                }
                bytes += line.length() + 2;
                RequestHeadParser.checkTrailerField(line); // validated like a header field, then ignored
            }
        }
    }
}
