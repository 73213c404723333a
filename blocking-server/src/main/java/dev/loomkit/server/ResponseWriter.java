package dev.loomkit.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** Writes responses: the status line and fields, then the body framed by length or in chunks. */
final class ResponseWriter {
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    /** The Date field, formatted once a second: formatting per request costs more than the rest of the head. */
    private static volatile long dateSecond;
    private static volatile String dateValue = "";

    private ResponseWriter() {
    }

    static String date() {
        long now = System.currentTimeMillis() / 1000;
        if (now != dateSecond) {
            dateValue = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
            dateSecond = now;
        }
        return dateValue;
    }

    static void writeContinue(HttpOutput out) throws IOException {
        out.write(CONTINUE);
        out.flush();
    }

    private static boolean bodyless(int status) {
        return status == 204 || status == 304;
    }

    private static StringBuilder head(int status, Headers fields, boolean http11, boolean close) {
        var sb = new StringBuilder(128);
        sb.append("HTTP/1.1 ").append(status).append(' ').append(HttpStatus.reason(status)).append("\r\n");
        for (Headers.Field f : fields.fields()) {
            sb.append(f.name()).append(": ").append(f.value()).append("\r\n");
        }
        sb.append("Date: ").append(date()).append("\r\n");
        if (close) {
            sb.append("Connection: close\r\n");
        } else if (!http11) {
            sb.append("Connection: keep-alive\r\n");
        }
        return sb;
    }

    /** Writes a response whose body is in memory; with {@code headRequest}, the fields but no body. */
    static void writeFixed(HttpOutput out, Response response, boolean http11, boolean close, boolean headRequest)
            throws IOException {
        int status = response.status();
        byte[] body = response.body();
        StringBuilder sb = head(status, response.headers(), http11, close);
        if (!bodyless(status)) {
            sb.append("Content-Length: ").append(body.length).append("\r\n");
        }
        sb.append("\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (!headRequest && !bodyless(status)) {
            out.write(body);
        }
        out.flush();
    }

    /**
     * Writes the head of a streamed response and returns the stream for its body: chunked for
     * HTTP/1.1, raw until close for HTTP/1.0 (which then must close), nothing for HEAD.
     */
    static OutputStream startStreaming(HttpOutput out, Response response, boolean http11, boolean close,
                                       boolean headRequest) throws IOException {
        int status = response.status();
        boolean chunked = http11 && !bodyless(status);
        StringBuilder sb = head(status, response.headers(), http11, close);
        if (chunked) {
            sb.append("Transfer-Encoding: chunked\r\n");
        }
        sb.append("\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (headRequest || bodyless(status)) {
            out.flush();
            return OutputStream.nullOutputStream();
        }
        return chunked ? new ChunkedOutputStream(out) : new RawOutputStream(out);
    }

    /** Each flush sends what was written since the last one as one chunk; close sends the last chunk. */
    static final class ChunkedOutputStream extends OutputStream {
        private final HttpOutput out;
        private final byte[] pending = new byte[8 * 1024];
        private int count;
        private boolean closed;

        ChunkedOutputStream(HttpOutput out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (closed) {
                throw new IOException("response body already closed");
            }
            if (len > pending.length - count) {
                sendChunk();
                if (len > pending.length) {
                    writeChunk(b, off, len);
                    return;
                }
            }
            System.arraycopy(b, off, pending, count, len);
            count += len;
        }

        private void sendChunk() throws IOException {
            if (count > 0) {
                writeChunk(pending, 0, count);
                count = 0;
            }
        }

        private void writeChunk(byte[] b, int off, int len) throws IOException {
            out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(b, off, len);
            out.write(CRLF);
        }

        @Override
        public void flush() throws IOException {
            sendChunk();
            out.flush();
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                sendChunk();
                closed = true;
                out.write(LAST_CHUNK);
                out.flush();
            }
        }

        private static final byte[] CRLF = {'\r', '\n'};
        private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
    }

    /** HTTP/1.0: the body runs until the connection closes. */
    static final class RawOutputStream extends OutputStream {
        private final HttpOutput out;

        RawOutputStream(HttpOutput out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(new byte[] {(byte) b});
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

    /** Writes a short error response with the given status and message, and asks to close. */
    static void writeError(HttpOutput out, int status, String message, boolean http11) throws IOException {
        writeFixed(out, Response.text(status, status + " " + HttpStatus.reason(status) + ": " + message + "\n"), http11, true, false);
    }
}
