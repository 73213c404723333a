package dev.loomkit.server.http1;

import dev.loomkit.server.Headers;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** Writes responses: the status line and fields, then the body framed by length or in chunks. */
public final class ResponseWriter {
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    /** The Date field, formatted once a second: formatting per request costs more than the rest of the head. */
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] CLOSE = "Connection: close\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] KEEP_ALIVE = "Connection: keep-alive\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] CHUNKED = "Transfer-Encoding: chunked\r\n".getBytes(StandardCharsets.ISO_8859_1);
    /** Status lines by status code, made on first use; a benign race may make one twice. */
    private static final byte[][] STATUS_LINES = new byte[600][];

    /** The Date line of the current second; replaced once a second, read by every response. */
    private record DateLine(long second, String value, byte[] line) {
    }

    /** The fields of an error response. */
    private static final List<Headers.Field> TEXT = List.of(new Headers.Field("Content-Type", "text/plain; charset=utf-8"));

    private static volatile DateLine date = new DateLine(-1, "", new byte[0]);

    private ResponseWriter() {
    }

    private static DateLine dateLine() {
        long now = System.currentTimeMillis() / 1000;
        DateLine d = date;
        if (d.second != now) {
            String value = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
            d = new DateLine(now, value, ("Date: " + value + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            date = d;
        }
        return d;
    }

    /** {@return the value of the Date field for the current second} */
    public static String date() {
        return dateLine().value;
    }

    private static byte[] statusLine(int status) {
        byte[] line = STATUS_LINES[status];
        if (line == null) {
            line = ("HTTP/1.1 " + status + ' ' + HttpStatus.reason(status) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
            STATUS_LINES[status] = line;
        }
        return line;
    }

    /** Writes and flushes an interim 100 (Continue), as a request that expects it begins to read its body. */
    public static void writeContinue(HttpOutput out) throws IOException {
        out.write(CONTINUE);
        out.flush();
    }

    private static boolean bodyless(int status) {
        return status == 204 || status == 304;
    }

    /** Writes the status line, the fields, Date and the connection's fate; the caller ends the head. */
    private static void head(HttpOutput out, int status, List<Headers.Field> fields, boolean http11, boolean close)
            throws IOException {
        out.write(statusLine(status));
        for (Headers.Field f : fields) {
            out.writeLatin1(f.name());
            out.writeLatin1(": ");
            out.writeLatin1(f.value()); // validated: every character is in ISO-8859-1
            out.write(CRLF);
        }
        out.write(dateLine().line);
        if (close) {
            out.write(CLOSE);
        } else if (!http11) {
            out.write(KEEP_ALIVE);
        }
    }

    /**
     * Writes a response with a body of known length, and flushes it: each answer leaves as soon as
     * it is made, so that a slow handler for a pipelined request never delays the ones before it.
     */
    public static void writeFixed(HttpOutput out, int status, List<Headers.Field> fields, byte[] body, boolean http11,
                                  boolean close, boolean headRequest) throws IOException {
        head(out, status, fields, http11, close);
        if (!bodyless(status)) {
            out.writeLatin1("Content-Length: ");
            out.writeDecimal(body.length);
            out.write(CRLF);
        }
        out.write(CRLF);
        if (!headRequest && !bodyless(status)) {
            out.write(body);
        }
        out.flush();
    }

    /**
     * Writes the head of a response whose body follows as it is made, and returns the stream for
     * that body: chunked on HTTP/1.1, delimited by the connection's close on HTTP/1.0, discarding
     * for a HEAD request or a bodyless status.
     */
    public static OutputStream startStreaming(HttpOutput out, int status, List<Headers.Field> fields, boolean http11,
                                              boolean close, boolean headRequest) throws IOException {
        boolean chunked = http11 && !bodyless(status);
        head(out, status, fields, http11, close);
        if (chunked) {
            out.write(CHUNKED);
        }
        out.write(CRLF);
        if (headRequest || bodyless(status)) {
            out.flush();
            return OutputStream.nullOutputStream();
        }
        return chunked ? new ChunkedOutputStream(out) : new RawOutputStream(out);
    }

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
    public static void writeError(HttpOutput out, int status, String message, boolean http11, boolean headRequest)
            throws IOException {
        writeFixed(out, status, TEXT, errorText(status, message).getBytes(StandardCharsets.UTF_8), http11, true, headRequest);
    }

    /** {@return the text of an error response: the status, its reason and what was wrong, in a line} */
    public static String errorText(int status, String message) {
        return status + " " + HttpStatus.reason(status) + ": " + message + "\n";
    }
}
