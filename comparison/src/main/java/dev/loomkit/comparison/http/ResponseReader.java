package dev.loomkit.comparison.http;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads HTTP/1.1 responses from one connection, in a buffer of its own: a response costs a read
 * call per buffer's worth of bytes and no allocation, where reading it a byte at a time through a
 * {@code BufferedInputStream} (whose every {@code read()} takes its lock) into strings cost the
 * load generator about a third of its Java time (a JFR profile at io, 1,000 connections).
 *
 * <p>What a response says is packed in one {@code int} ({@link #readHead}, {@link #read}): its
 * status ({@link #status}), whether the connection ends after it ({@link #closes}), and a
 * {@code Retry-After} in seconds ({@link #retryAfter}). The comparison's clients share it: the
 * load generator, the demo's backend client and the request-path benchmark.
 *
 * <pre>{@code
 * var reader = new ResponseReader(socket.getInputStream(), 8192);
 * int r = reader.read();                       // head and body
 * if (ResponseReader.status(r) == 503) { ... }
 * if (ResponseReader.closes(r)) socket.close();
 * }</pre>
 *
 * <p>Bounded against a server that lies: a line is at most {@value #MAX_LINE} bytes, a head (and
 * a chunked body's trailer section) at most {@value #MAX_HEAD} bytes, and a kept body at most what
 * the caller allows; past them, an {@link IOException}. Interim responses (1xx but 101) are read
 * past. A lone LF ends a line as CR LF does (RFC 9112, section 2.2, allows a recipient this;
 * {@link #bareLineEnds} tells). Not thread-safe: one connection, one reader, one thread at a time.
 */
public final class ResponseReader {
    /** Set in a result when the connection ends after the response. */
    public static final int CLOSE = 1 << 16;
    /** Where a result holds a {@code Retry-After} in seconds (0: none). */
    private static final int RETRY_AFTER_SHIFT = 17;
    /** The longest {@code Retry-After} honoured, in seconds: a point lasts seconds, not hours. */
    public static final int MAX_RETRY_AFTER = 60;
    /** The longest line: a status line, a header field or a chunk's size. */
    public static final int MAX_LINE = 8 * 1024;
    /** The largest head: status line and header fields together. */
    public static final int MAX_HEAD = 64 * 1024;

    private static final byte[] HTTP_1 = ascii("HTTP/1.");
    private static final byte[] CONTENT_LENGTH = ascii("content-length:");
    private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding:");
    private static final byte[] RETRY_AFTER = ascii("retry-after:");
    private static final byte[] CONNECTION = ascii("connection:");
    private static final byte[] CHUNKED = ascii("chunked");
    private static final byte[] CLOSE_TOKEN = ascii("close");
    private static final byte[] KEEP_ALIVE = ascii("keep-alive");

    private final InputStream in;
    private final byte[] buf;
    private int pos;
    private int count;
    /**
     * The current line, without its line end: grown as needed up to {@link #MAX_LINE}, so that a
     * reader costs its buffer and a few hundred bytes (the backend client keeps thousands).
     */
    private byte[] line = new byte[256];
    /** The bytes the current head or trailer section has used, against {@link #MAX_HEAD}. */
    private int sectionBytes;
    /** Whether a line of the last head ended in a lone LF. */
    private boolean bareLf;
    /** The body of the head just read: its length, or -1 with {@link #chunked} or to the connection's end. */
    private long length;
    private boolean chunked;
    private boolean headRead;
    private long bodyLength;

    /**
     * @param in         the connection's input, read in chunks of up to {@code bufferSize} bytes
     * @param bufferSize the buffer's size, at least 64
     * @throws IllegalArgumentException if the buffer is smaller than 64 bytes
     */
    public ResponseReader(InputStream in, int bufferSize) {
        if (bufferSize < 64) {
            throw new IllegalArgumentException("bufferSize must be at least 64, got " + bufferSize);
        }
        this.in = in;
        this.buf = new byte[bufferSize];
    }

    /** {@return the status code in a result} */
    public static int status(int result) {
        return result & 0xFFFF;
    }

    /** {@return whether the connection ends after the response: it must not be reused} */
    public static boolean closes(int result) {
        return (result & CLOSE) != 0;
    }

    /** {@return the {@code Retry-After} seconds in a result, 0 if none or given as a date} */
    public static int retryAfter(int result) {
        return result >>> RETRY_AFTER_SHIFT;
    }

    /**
     * Reads one response and skips its body.
     *
     * @return the result: status, {@link #CLOSE}, Retry-After
     * @throws EOFException if the connection ends first
     * @throws IOException  if reading fails or the response is malformed or past a limit
     */
    public int read() throws IOException {
        int result = readHead();
        skipBody();
        return result;
    }

    /**
     * Reads a response's status line and header fields; its body is next, for {@link #skipBody}
     * or {@link #readBody}.
     *
     * @return the result: the status, {@link #CLOSE} if the connection ends after the response
     *         ({@code Connection: close}, HTTP/1.0 without keep-alive, or a body delimited by the
     *         connection's end, which is then not read), and a {@code Retry-After} in whole seconds
     *         (at most {@link #MAX_RETRY_AFTER}; a date counts as none)
     * @throws EOFException if the connection ends first
     * @throws IOException  if reading fails, the status line or a framing field is malformed, or
     *                      a line or the head is too long
     */
    public int readHead() throws IOException {
        while (true) {
            int result = readOneHead();
            int code = status(result);
            // An interim response (100 Continue, 103 Early Hints) comes before the final one, on
            // the same request: taken as the answer, it would put every later answer on the
            // connection one request behind. 101 ends HTTP on the connection: final, and it closes.
            if (code < 100 || code >= 200 || code == 101) {
                return result;
            }
        }
    }

    private int readOneHead() throws IOException {
        sectionBytes = 0;
        bareLf = false;
        int n = readLine("before a response");
        if (n < 12 || !Arrays.equals(line, 0, HTTP_1.length, HTTP_1, 0, HTTP_1.length) || line[8] != ' '
                || !digit(line[9]) || !digit(line[10]) || !digit(line[11]) || (n > 12 && line[12] != ' ')) {
            throw new IOException("malformed status line: " + text(0, n));
        }
        int code = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
        boolean http10 = line[7] == '0';
        boolean close = http10 || code == 101;
        int retryAfter = 0;
        length = -1;
        chunked = false;
        while ((n = readLine("inside a response head")) > 0) {
            if (startsWithIgnoringCase(n, CONTENT_LENGTH)) {
                length = decimal(CONTENT_LENGTH.length, n);
                if (length < 0 || length == Long.MAX_VALUE) {
                    throw new IOException("malformed Content-Length: " + text(0, n));
                }
            } else if (startsWithIgnoringCase(n, TRANSFER_ENCODING)) {
                chunked = hasToken(TRANSFER_ENCODING.length, n, CHUNKED);
            } else if (startsWithIgnoringCase(n, RETRY_AFTER)) {
                // However many digits: anything past the longest honoured is the longest; a date or a sign is none.
                long seconds = decimal(RETRY_AFTER.length, n);
                retryAfter = seconds < 0 ? 0 : (int) Math.min(MAX_RETRY_AFTER, seconds);
            } else if (startsWithIgnoringCase(n, CONNECTION)) {
                if (hasToken(CONNECTION.length, n, CLOSE_TOKEN)) {
                    close = true;
                } else if (http10 && hasToken(CONNECTION.length, n, KEEP_ALIVE)) {
                    close = false;
                }
            }
        }
        boolean noBody = code == 204 || code == 304 || code / 100 == 1;
        if (noBody) {
            length = 0;
            chunked = false;
        } else if (!chunked && length < 0) {
            close = true; // the body runs to the connection's end
        }
        headRead = true;
        bodyLength = 0;
        return (close ? code | CLOSE : code) | retryAfter << RETRY_AFTER_SHIFT;
    }

    /** {@return the last head's Content-Length, or -1 if its body is chunked or runs to the connection's end} */
    public long contentLength() {
        return chunked ? -1 : length;
    }

    /** {@return whether a line of the last head ended in a lone LF rather than CR LF} */
    public boolean bareLineEnds() {
        return bareLf;
    }

    /**
     * Skips the body of the head just read; a body delimited by the connection's end is left unread.
     *
     * @throws IllegalStateException if no head was read since the last body
     * @throws EOFException          if the connection ends inside the body
     * @throws IOException           if reading fails or a chunk is malformed
     */
    public void skipBody() throws IOException {
        body(null, 0);
    }

    /**
     * Reads the body of the head just read.
     *
     * @param max the most bytes kept; a longer body fails
     * @return the body
     * @throws IllegalStateException if no head was read since the last body
     * @throws EOFException          if the connection ends inside the body
     * @throws IOException           if reading fails, a chunk is malformed, the body is longer
     *                               than {@code max}, or it is delimited by the connection's end
     */
    public byte[] readBody(int max) throws IOException {
        if (!chunked && length < 0) {
            headRead = false;
            throw new IOException("a body delimited by the connection's end (no Content-Length, not chunked)");
        }
        if (!chunked && length > max) {
            headRead = false;
            throw new IOException("a body of " + length + " bytes, more than the " + max + " allowed");
        }
        var sink = new ByteArrayOutputStream(chunked ? 256 : (int) length);
        body(sink, max);
        return sink.toByteArray();
    }

    /** {@return the length of the last body skipped or read, chunked ones included} */
    public long bodyLength() {
        return bodyLength;
    }

    private void body(ByteArrayOutputStream sink, int max) throws IOException {
        if (!headRead) {
            throw new IllegalStateException("no response head read: call readHead() first");
        }
        headRead = false;
        if (!chunked) {
            if (length > 0) {
                take(length, sink, max);
            }
            return;
        }
        while (true) {
            int n = readLine("at a chunk's size");
            int end = 0;
            while (end < n && line[end] != ';') {
                end++;
            }
            long size = hex(0, end);
            if (size < 0) {
                throw new IOException("malformed chunk size: " + text(0, n));
            }
            if (size == 0) {
                sectionBytes = 0; // the trailer section is bounded as a head is
                while (readLine("inside a trailer") > 0) {
                    // trailer fields, not kept
                }
                return;
            }
            take(size, sink, max);
            if (readLine("after a chunk") != 0) {
                throw new IOException("a chunk not followed by CR LF");
            }
        }
    }

    /** Takes {@code n} body bytes, into {@code sink} if there is one. */
    private void take(long n, ByteArrayOutputStream sink, int max) throws IOException {
        if (sink != null && bodyLength + n > max) {
            throw new IOException("a body of more than the " + max + " bytes allowed");
        }
        for (long left = n; left > 0; ) {
            if (pos == count) {
                fill("inside a body");
            }
            int k = (int) Math.min(left, count - pos);
            if (sink != null) {
                sink.write(buf, pos, k);
            }
            pos += k;
            left -= k;
        }
        bodyLength += n;
    }

    /**
     * Reads a line into {@link #line}, counting it against the section's {@link #MAX_HEAD}.
     *
     * @param where what the connection's end here cuts short, for the {@link EOFException}'s message
     * @return its length without CR LF or LF
     */
    private int readLine(String where) throws IOException {
        int n = 0;
        while (true) {
            if (pos == count) {
                fill(where);
            }
            // Scan the buffered bytes for the line's end in one pass, then copy them at once.
            int start = pos;
            int lf = start;
            while (lf < count && buf[lf] != '\n') {
                lf++;
            }
            int k = lf - start;
            if (n + k > MAX_LINE) {
                throw new IOException("a response line longer than " + MAX_LINE + " bytes");
            }
            sectionBytes += k + (lf < count ? 1 : 0);
            if (sectionBytes > MAX_HEAD) {
                throw new IOException("a response head (or trailer section) longer than " + MAX_HEAD + " bytes");
            }
            if (n + k > line.length) {
                line = Arrays.copyOf(line, Math.min(MAX_LINE, Math.max(n + k, 2 * line.length)));
            }
            System.arraycopy(buf, start, line, n, k);
            n += k;
            if (lf < count) {
                pos = lf + 1;
                if (n > 0 && line[n - 1] == '\r') {
                    return n - 1;
                }
                bareLf = true;
                return n;
            }
            pos = count;
        }
    }

    private void fill(String where) throws IOException {
        int r = in.read(buf, 0, buf.length);
        if (r < 0) {
            throw new EOFException("the connection closed " + where);
        }
        pos = 0;
        count = r;
    }

    private boolean startsWithIgnoringCase(int n, byte[] lowerCasePrefix) {
        if (n < lowerCasePrefix.length) {
            return false;
        }
        for (int i = 0; i < lowerCasePrefix.length; i++) {
            if (lower(line[i]) != lowerCasePrefix[i]) {
                return false;
            }
        }
        return true;
    }

    private boolean containsIgnoringCase(int from, int to, byte[] lowerCaseWord) {
        outer:
        for (int i = from; i + lowerCaseWord.length <= to; i++) {
            for (int j = 0; j < lowerCaseWord.length; j++) {
                if (lower(line[i + j]) != lowerCaseWord[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** {@return whether the comma-separated list in line[from, to) holds the token, in any case} */
    private boolean hasToken(int from, int to, byte[] lowerCaseToken) {
        int i = from;
        while (i < to) {
            int end = i;
            while (end < to && line[end] != ',') {
                end++;
            }
            int s = skipBlanks(i, end);
            int e = trimBlanks(s, end);
            if (e - s == lowerCaseToken.length) {
                boolean same = true;
                for (int j = 0; j < lowerCaseToken.length && same; j++) {
                    same = lower(line[s + j]) == lowerCaseToken[j];
                }
                if (same) {
                    return true;
                }
            }
            i = end + 1;
        }
        return false;
    }

    /**
     * {@return the decimal number in line[from, to), blanks around it allowed; -1 if there is none or
     * anything but digits; {@code Long.MAX_VALUE} if it is larger (saturated, not wrapped)}
     */
    private long decimal(int from, int to) {
        int s = skipBlanks(from, to);
        int e = trimBlanks(s, to);
        if (s == e) {
            return -1;
        }
        long value = 0;
        for (int i = s; i < e; i++) {
            if (!digit(line[i])) {
                return -1;
            }
            int d = line[i] - '0';
            value = value > (Long.MAX_VALUE - d) / 10 ? Long.MAX_VALUE : value * 10 + d;
        }
        return value;
    }

    /** {@return the hexadecimal number in line[from, to), blanks around it allowed, or -1 if none or too large} */
    private long hex(int from, int to) {
        int s = skipBlanks(from, to);
        int e = trimBlanks(s, to);
        if (s == e || e - s > 15) {
            return -1;
        }
        long value = 0;
        for (int i = s; i < e; i++) {
            int d = Character.digit(line[i], 16);
            if (d < 0) {
                return -1;
            }
            value = value << 4 | d;
        }
        return value;
    }

    /** {@return the first index in line[from, to) that is not a blank, or {@code to}} */
    private int skipBlanks(int from, int to) {
        while (from < to && blank(line[from])) {
            from++;
        }
        return from;
    }

    /** {@return the end of line[from, to) without its trailing blanks} */
    private int trimBlanks(int from, int to) {
        while (to > from && blank(line[to - 1])) {
            to--;
        }
        return to;
    }

    private String text(int from, int to) {
        return new String(line, from, Math.max(0, to - from), StandardCharsets.ISO_8859_1);
    }

    private static boolean digit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static boolean blank(byte b) {
        return b == ' ' || b == '\t';
    }

    /** ASCII letters to lower case; other bytes as they are. */
    private static byte lower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
