package dev.loomkit.comparison.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * One connection of the {@link BareServer}, run by its own virtual thread: blocking reads into one
 * 8 KiB buffer, each request head found by its CR LF CR LF, only the request line parsed (plus a
 * glance at Connection, Content-Length and Transfer-Encoding), answers collected in a small buffer
 * and written when the buffered requests are all answered. Pipelined requests are answered in order.
 */
final class BareConnection implements Runnable {
    private static final int OUT_BYTES = 1024;
    /** Room for the longest head this class writes (about 200 bytes), beside the body. */
    private static final int HEAD_ROOM = 256;
    private static final long MAX_SLEEP_MS = 60_000;
    /** After an error answer, unread input is drained for at most this long and this much, then the socket closed. */
    private static final long LINGER_NANOS = 1_000_000_000L;
    private static final int LINGER_BYTES = 64 * 1024;

    private static final byte[] GET = ascii("GET");
    private static final byte[] HTTP_11 = ascii("HTTP/1.1");
    private static final byte[] HTTP_10 = ascii("HTTP/1.0");
    private static final byte[] HELLO_PATH = ascii("/hello");
    private static final byte[] SLEEP_PATH = ascii("/sleep");
    private static final byte[] MS = ascii("ms");
    private static final byte[] CONNECTION = ascii("connection");
    private static final byte[] CONTENT_LENGTH = ascii("content-length");
    private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding");
    private static final byte[] CLOSE = ascii("close");
    private static final byte[] KEEP_ALIVE = ascii("keep-alive");

    private static final byte[] OK = ascii("HTTP/1.1 200 OK\r\n");
    private static final byte[] BAD_REQUEST = ascii("HTTP/1.1 400 Bad Request\r\n");
    private static final byte[] NOT_FOUND_LINE = ascii("HTTP/1.1 404 Not Found\r\n");
    private static final byte[] METHOD_NOT_ALLOWED = ascii("HTTP/1.1 405 Method Not Allowed\r\n");
    private static final byte[] TOO_LARGE = ascii("HTTP/1.1 431 Request Header Fields Too Large\r\n");
    private static final byte[] NOT_IMPLEMENTED = ascii("HTTP/1.1 501 Not Implemented\r\n");
    private static final byte[] VERSION_NOT_SUPPORTED = ascii("HTTP/1.1 505 HTTP Version Not Supported\r\n");
    private static final byte[] CONTENT_TYPE_AND_LENGTH = ascii("Content-Type: text/plain; charset=utf-8\r\nContent-Length: ");
    private static final byte[] CRLF = ascii("\r\n");
    private static final byte[] CONNECTION_CLOSE = ascii("Connection: close\r\n");
    private static final byte[] CONNECTION_KEEP_ALIVE = ascii("Connection: keep-alive\r\n");
    private static final byte[] ALLOW_GET = ascii("Allow: GET\r\n");

    private static final byte[] HELLO = ascii("hello\n");
    private static final byte[] NOT_FOUND = ascii("not found\n");
    private static final byte[] BAD_MS = ascii("ms must be a whole number in [0, " + MAX_SLEEP_MS + "]\n");
    private static final byte[] MALFORMED = ascii("malformed request line\n");
    private static final byte[] BAD_LENGTH = ascii("malformed Content-Length\n");
    private static final byte[] ONLY_GET = ascii("only GET\n");
    private static final byte[] NO_BODIES = ascii("request bodies are not supported: this is a reference, not a server\n");
    private static final byte[] HEAD_TOO_LARGE = ascii("request head larger than " + BareServer.BUFFER_BYTES + " bytes\n");
    private static final byte[] VERSION = ascii("HTTP/1.1 and HTTP/1.0 only\n");

    private final Socket socket;
    private final Consumer<Socket> onEnd;
    private final byte[] in = new byte[BareServer.BUFFER_BYTES];
    private final byte[] out = new byte[OUT_BYTES];
    /** Unanswered input is in[start, end); no head ends before index scanned. */
    private int start;
    private int end;
    private int scanned;
    private int outLength;
    private OutputStream output;
    /** Set when the connection closes on an error with input left unread (a body, a head too large). */
    private boolean unread;

    BareConnection(Socket socket, Consumer<Socket> onEnd) {
        this.socket = socket;
        this.onEnd = onEnd;
    }

    @Override
    public void run() {
        try {
            socket.setTcpNoDelay(true);
            InputStream input = socket.getInputStream();
            output = socket.getOutputStream();
            while (true) {
                int headEnd = headEnd();
                if (headEnd >= 0) {
                    boolean keep = answer(headEnd);
                    start = headEnd;
                    if (!keep) {
                        flush();
                        if (unread) {
                            linger(input);
                        }
                        return;
                    }
                    continue;
                }
                flush(); // every complete request in the buffer is answered: send, then wait for more
                compact();
                if (end == in.length) {
                    respond(431, HEAD_TOO_LARGE, true, null);
                    flush();
                    linger(input);
                    return;
                }
                int n = input.read(in, end, in.length - end);
                if (n < 0) {
                    return;
                }
                end += n;
            }
        } catch (IOException e) {
            // the client went away, or the server closed the socket: no one to answer
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // a sleeping handler, and the thread is ending anyway
        } finally {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a socket we are done with
            }
            onEnd.accept(socket);
        }
    }

    /** {@return the index just past the next head's CR LF CR LF, or -1 if the buffer holds no whole head} */
    private int headEnd() {
        for (int i = Math.max(scanned, start + 3); i < end; i++) {
            if (in[i] == '\n' && in[i - 1] == '\r' && in[i - 2] == '\n' && in[i - 3] == '\r') {
                scanned = i + 1;
                return i + 1;
            }
        }
        scanned = end;
        return -1;
    }

    private void compact() {
        if (start == end) {
            start = end = scanned = 0;
        } else if (start > 0) {
            System.arraycopy(in, start, in, 0, end - start);
            end -= start;
            scanned = Math.max(0, scanned - start);
            start = 0;
        }
    }

    /** Answers the head in[start, headEnd); {@return whether the connection stays open} */
    private boolean answer(int headEnd) throws IOException, InterruptedException {
        int lineEnd = indexOf((byte) '\r', start, headEnd);
        int sp1 = indexOf((byte) ' ', start, lineEnd);
        int sp2 = sp1 < 0 ? -1 : indexOf((byte) ' ', sp1 + 1, lineEnd);
        if (sp1 <= start || sp2 <= sp1 + 1) {
            return fail(400, MALFORMED);
        }
        boolean http10 = equal(sp2 + 1, lineEnd, HTTP_10);
        if (!http10 && !equal(sp2 + 1, lineEnd, HTTP_11)) {
            return fail(505, VERSION);
        }
        boolean close = false;
        boolean keepAlive = false;
        boolean body = false;
        for (int ls = lineEnd + 2; ls < headEnd - 2; ) {
            int le = indexOf((byte) '\r', ls, headEnd);
            int value;
            if ((value = valueOf(ls, le, CONTENT_LENGTH)) >= 0) {
                long length = digits(value, trimEnd(value, le));
                if (length < 0) {
                    return fail(400, BAD_LENGTH);
                }
                body |= length > 0;
            } else if (valueOf(ls, le, TRANSFER_ENCODING) >= 0) {
                body = true;
            } else if ((value = valueOf(ls, le, CONNECTION)) >= 0) {
                close |= hasToken(value, le, CLOSE);
                keepAlive |= hasToken(value, le, KEEP_ALIVE);
            }
            ls = le + 2;
        }
        if (body) {
            return fail(501, NO_BODIES);
        }
        if (!equal(start, sp1, GET)) {
            respond(405, ONLY_GET, true, ALLOW_GET);
            return false;
        }
        boolean keep = http10 ? keepAlive && !close : !close;
        byte[] keepHeader = http10 && keep ? CONNECTION_KEEP_ALIVE : null;
        int query = indexOf((byte) '?', sp1 + 1, sp2);
        int pathEnd = query < 0 ? sp2 : query;
        if (equal(sp1 + 1, pathEnd, HELLO_PATH)) {
            respond(200, HELLO, !keep, keepHeader);
        } else if (equal(sp1 + 1, pathEnd, SLEEP_PATH)) {
            long ms = query < 0 ? 0 : sleepMillis(query + 1, sp2);
            if (ms < 0) {
                respond(400, BAD_MS, !keep, keepHeader);
            } else {
                flush(); // answers to earlier pipelined requests do not wait for this one
                Thread.sleep(ms);
                respond(200, ascii("slept " + ms + " ms\n"), !keep, keepHeader);
            }
        } else {
            respond(404, NOT_FOUND, !keep, keepHeader);
        }
        return keep;
    }

    /** Answers an error and closes, with input unread. */
    private boolean fail(int status, byte[] body) throws IOException {
        respond(status, body, true, null);
        unread = true;
        return false;
    }

    /** {@return the ms query parameter in in[from, to): 0 if absent, -1 if not a whole number in range} */
    private long sleepMillis(int from, int to) {
        for (int p = from; p < to; ) {
            int amp = indexOf((byte) '&', p, to);
            int pe = amp < 0 ? to : amp;
            if (pe - p > MS.length && in[p + MS.length] == '=' && equal(p, p + MS.length, MS)) {
                long ms = digits(p + MS.length + 1, pe);
                return ms > MAX_SLEEP_MS ? -1 : ms;
            }
            p = pe + 1;
        }
        return 0;
    }

    /** {@return where the value of header {@code name} starts in the line in[ls, le), past blanks, or -1 if the line is another header} */
    private int valueOf(int ls, int le, byte[] name) {
        int colon = ls + name.length;
        if (colon >= le || in[colon] != ':') {
            return -1;
        }
        for (int i = 0; i < name.length; i++) {
            if ((in[ls + i] | 0x20) != name[i]) { // names here are lower-case letters and '-'
                return -1;
            }
        }
        int v = colon + 1;
        while (v < le && (in[v] == ' ' || in[v] == '\t')) {
            v++;
        }
        return v;
    }

    private int trimEnd(int from, int to) {
        while (to > from && (in[to - 1] == ' ' || in[to - 1] == '\t')) {
            to--;
        }
        return to;
    }

    /** {@return whether the comma-separated list in[from, to) holds token, ignoring case} */
    private boolean hasToken(int from, int to, byte[] token) {
        for (int p = from; p < to; ) {
            int comma = indexOf((byte) ',', p, to);
            int pe = comma < 0 ? to : comma;
            int s = p;
            while (s < pe && (in[s] == ' ' || in[s] == '\t')) {
                s++;
            }
            int e = trimEnd(s, pe);
            if (e - s == token.length) {
                boolean same = true;
                for (int i = 0; i < token.length && same; i++) {
                    same = (in[s + i] | 0x20) == token[i];
                }
                if (same) {
                    return true;
                }
            }
            p = pe + 1;
        }
        return false;
    }

    /** {@return the decimal number in[from, to), or -1 if it is empty, not all digits, or too long} */
    private long digits(int from, int to) {
        if (from >= to || to - from > 18) {
            return -1;
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            int d = in[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            n = n * 10 + d;
        }
        return n;
    }

    private int indexOf(byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (in[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private boolean equal(int from, int to, byte[] expected) {
        return to - from == expected.length && Arrays.equals(in, from, to, expected, 0, expected.length);
    }

    /** Adds a response to the output buffer; it is written when the buffer fills or the connection waits. */
    private void respond(int status, byte[] body, boolean close, byte[] extraHeader) throws IOException {
        if (outLength + HEAD_ROOM + body.length > out.length) {
            flush();
        }
        put(statusLine(status));
        put(CONTENT_TYPE_AND_LENGTH);
        putDecimal(body.length);
        put(CRLF);
        put(HttpDate.line());
        if (close) {
            put(CONNECTION_CLOSE);
        }
        if (extraHeader != null) {
            put(extraHeader);
        }
        put(CRLF);
        put(body);
    }

    private void put(byte[] b) {
        System.arraycopy(b, 0, out, outLength, b.length);
        outLength += b.length;
    }

    private void putDecimal(int n) {
        String s = Integer.toString(n);
        for (int i = 0; i < s.length(); i++) {
            out[outLength++] = (byte) s.charAt(i);
        }
    }

    private void flush() throws IOException {
        if (outLength > 0) {
            output.write(out, 0, outLength);
            outLength = 0;
        }
    }

    /**
     * Closes after an error answer with input unread: closing at once would reset the connection,
     * and the client might lose the answer. So: end the output, then read and drop what the client
     * still sends, for at most a second and 64 KiB: a client that lies cannot hold the thread.
     */
    private void linger(InputStream input) {
        try {
            socket.shutdownOutput();
            long deadline = System.nanoTime() + LINGER_NANOS;
            for (int drained = 0; drained < LINGER_BYTES; ) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
                int n = input.read(in, 0, in.length);
                if (n < 0) {
                    return;
                }
                drained += n;
            }
        } catch (IOException e) {
            // timed out, reset or closed: the socket is closed next either way
        }
    }

    private static byte[] statusLine(int status) {
        return switch (status) {
            case 200 -> OK;
            case 400 -> BAD_REQUEST;
            case 404 -> NOT_FOUND_LINE;
            case 405 -> METHOD_NOT_ALLOWED;
            case 431 -> TOO_LARGE;
            case 501 -> NOT_IMPLEMENTED;
            case 505 -> VERSION_NOT_SUPPORTED;
            default -> throw new IllegalArgumentException("no status line for " + status);
        };
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
