package dev.loomkit.server.http1;

import dev.loomkit.server.Headers;
import dev.loomkit.server.ProtocolException;
import dev.loomkit.server.ServerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads and validates a request head per RFC 9112, strictly: lines end in CRLF; single spaces in
 * the request line; no whitespace before a field's colon; no obsolete line folding; no control
 * characters; one Host on HTTP/1.1; message framing that cannot be read two ways (the guards
 * against request smuggling). Every violation is a {@link ProtocolException} with its status.
 */
public final class RequestHeadParser {
    private static final int MAX_LEADING_EMPTY_LINES = 4;

    private final int maxRequestLine;
    private final int maxHeaderBytes;
    private final int maxHeaderCount;
    private final long maxBody;

    /** Makes a parser with the config's limits on the request line, the fields and the body's declared length. */
    public RequestHeadParser(ServerConfig config) {
        this.maxRequestLine = config.maxRequestLineBytes();
        this.maxHeaderBytes = config.maxHeaderBytes();
        this.maxHeaderCount = config.maxHeaderCount();
        this.maxBody = config.maxBodyBytes();
    }

    /** What the parser tells the connection while it reads one head, on the reading thread. */
    public interface HeadEvents {
        /** The first byte of a head has arrived, so its timeout can start. */
        void headStarted();

        /**
         * The head about to be refused was a HEAD request's, so the error response must have no
         * body (RFC 9110 9.3.2). Called just before the {@link ProtocolException} is thrown; by
         * default, nothing happens.
         */
        default void refusingHeadRequest() {
        }
    }

    /**
     * Reads one head.
     *
     * @return the head, or null if the stream ended cleanly before a request began
     * @throws ProtocolException if the head is malformed or over a limit
     * @throws IOException       if reading fails
     */
    public RequestHead parse(HttpInput in, HeadEvents events) throws IOException {
        if (!in.hasBuffered() && in.fill() < 0) {
            return null;
        }
        events.headStarted();
        for (int empty = 0; ; empty++) {
            int lf = lineEnd(in, maxRequestLine, true);
            if (lf < 0) {
                return null;
            }
            checkLine(in.buf, in.pos, lf, maxRequestLine, true);
            int from = in.pos;
            int to = lf - 1;
            in.pos = lf + 1;
            if (to > from) {
                return parseRequestLine(in.buf, from, to, in, events);
            }
            if (empty >= MAX_LEADING_EMPTY_LINES) {
                throw new ProtocolException(400, "too many empty lines before the request line");
            }
            // RFC 9112 2.2: ignore empty lines before the request line
        }
    }

    private static int indexOf(byte[] b, byte c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private static final byte[] HTTP_11 = "HTTP/1.1".getBytes(StandardCharsets.ISO_8859_1);

    /** Parses the request line in {@code b[from, to)}, where it lies in the buffer, then the fields. */
    private RequestHead parseRequestLine(byte[] b, int from, int to, HttpInput in, HeadEvents events) throws IOException {
        int sp1 = indexOf(b, (byte) ' ', from, to);
        int sp2 = sp1 < 0 ? -1 : indexOf(b, (byte) ' ', sp1 + 1, to);
        if (sp1 <= from || sp2 < 0 || indexOf(b, (byte) ' ', sp2 + 1, to) >= 0) {
            throw new ProtocolException(400, "malformed request line");
        }
        String method = method(b, from, sp1);
        try {
            return parseTargetAndFields(b, from, to, sp1, sp2, method, in);
        } catch (ProtocolException e) {
            if (method.equals("HEAD")) {
                events.refusingHeadRequest();
            }
            throw e;
        }
    }

    private RequestHead parseTargetAndFields(byte[] b, int from, int to, int sp1, int sp2, String method, HttpInput in)
            throws IOException {
        boolean http11 = java.util.Arrays.equals(b, sp2 + 1, to, HTTP_11, 0, HTTP_11.length)
                || parseVersion(new String(b, sp2 + 1, to - sp2 - 1, StandardCharsets.ISO_8859_1));
        if (sp2 == sp1 + 1) {
            throw new ProtocolException(400, "empty request target");
        }
        for (int i = sp1 + 1; i < sp2; i++) {
            int c = b[i] & 0xff;
            if (c <= 0x20 || c >= 0x7f) {
                throw new ProtocolException(400, "invalid character in request target");
            }
        }
        String target = new String(b, sp1 + 1, sp2 - sp1 - 1, StandardCharsets.ISO_8859_1);
        return parseFields(method, target, http11, in);
    }

    private RequestHead parseFields(String method, String target, boolean http11, HttpInput in) throws IOException {
        List<Headers.Field> fields = new ArrayList<>(8);
        int headerBytes = 0;
        while (true) {
            // Fields are parsed where they lie in the input buffer: a name and a value string each,
            // no string for the line between.
            int limit = maxHeaderBytes - headerBytes;
            int lf = lineEnd(in, limit, false);
            int start = in.pos;
            int length = lf - start - 1; // without the CRLF
            checkLine(in.buf, start, lf, limit, false);
            in.pos = lf + 1;
            headerBytes += length + 2;
            if (length == 0) {
                break;
            }
            if (fields.size() == maxHeaderCount) {
                throw new ProtocolException(431, "more than " + maxHeaderCount + " header fields");
            }
            fields.add(parseField(in.buf, start, start + length));
        }
        return frame(method, target, http11, fields);
    }

    private static final String[] COMMON_METHODS = {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"};

    private static final byte[][] COMMON_METHOD_BYTES = java.util.Arrays.stream(COMMON_METHODS)
            .map(m -> m.getBytes(StandardCharsets.ISO_8859_1)).toArray(byte[][]::new);

    /**
     * The method in {@code b[from, to)}, as a shared constant when it is a common one (saves a string
     * per request, and checking a token known to be one).
     *
     * @throws ProtocolException if it is not a token
     */
    private static String method(byte[] b, int from, int to) throws ProtocolException {
        for (int i = 0; i < COMMON_METHOD_BYTES.length; i++) {
            if (java.util.Arrays.equals(b, from, to, COMMON_METHOD_BYTES[i], 0, COMMON_METHOD_BYTES[i].length)) {
                return COMMON_METHODS[i];
            }
        }
        String method = new String(b, from, to - from, StandardCharsets.ISO_8859_1);
        if (!Rfc9110.isToken(method)) {
            throw new ProtocolException(400, "malformed method");
        }
        return method;
    }

    private static boolean parseVersion(String v) throws ProtocolException {
        if (v.length() != 8 || !v.startsWith("HTTP/") || v.charAt(6) != '.'
                || !Character.isDigit(v.charAt(5)) || !Character.isDigit(v.charAt(7))) {
            throw new ProtocolException(400, "malformed HTTP version");
        }
        int major = v.charAt(5) - '0';
        int minor = v.charAt(7) - '0';
        if (major != 1) {
            throw new ProtocolException(505, "HTTP version " + v.substring(5) + " is not supported");
        }
        return minor >= 1; // RFC 9110 2.5: a higher minor version is served as the highest known
    }

    /** Parses the field in {@code b[from, to)}, a line already checked for CR, NUL and its length. */
    private static Headers.Field parseField(byte[] b, int from, int to) throws ProtocolException {
        byte first = b[from];
        if (first == ' ' || first == '\t') {
            throw new ProtocolException(400, "obsolete line folding is not accepted");
        }
        int colon = -1;
        for (int i = from; i < to; i++) {
            if (b[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon <= from) {
            throw new ProtocolException(400, "header field without a name or colon");
        }
        for (int i = from; i < colon; i++) {
            if (!Rfc9110.isTchar(b[i] & 0xff)) {
                throw new ProtocolException(400, b[i] == ' ' || b[i] == '\t'
                        ? "whitespace before the colon of a header field" : "invalid character in a header name");
            }
        }
        int start = colon + 1;
        int end = to;
        while (start < end && (b[start] == ' ' || b[start] == '\t')) {
            start++;
        }
        while (end > start && (b[end - 1] == ' ' || b[end - 1] == '\t')) {
            end--;
        }
        for (int i = start; i < end; i++) {
            if (!Rfc9110.isFieldValueByte(b[i] & 0xff)) {
                throw new ProtocolException(400, "control character in a header field value");
            }
        }
        return new Headers.Field(name(b, from, colon), new String(b, start, end - start, StandardCharsets.ISO_8859_1));
    }

    /** Checks a trailer field as a header field is checked (RFC 9112 7.1.2). */
    static void checkTrailerField(String line) throws ProtocolException {
        byte[] b = line.getBytes(StandardCharsets.ISO_8859_1);
        for (byte c : b) {
            if (c == 0 || c == '\r' || c == '\n') {
                throw new ProtocolException(400, "bare CR, LF or NUL in a trailer field");
            }
        }
        if (b.length == 0) {
            throw new ProtocolException(400, "malformed trailer field");
        }
        try {
            parseField(b, 0, b.length);
        } catch (ProtocolException e) {
            throw new ProtocolException(400, "malformed trailer field: " + e.getMessage());
        }
    }

    /** Field names most requests carry, spelled as clients send them; a name is kept as received. */
    private static final String[] COMMON_NAMES = {"Host", "User-Agent", "Accept", "Accept-Encoding", "Accept-Language",
        "Connection", "Content-Length", "Content-Type", "Cookie", "Authorization", "Cache-Control", "host", "user-agent",
        "accept", "accept-encoding", "connection", "content-length", "content-type"};
    private static final byte[][] COMMON_NAME_BYTES = java.util.Arrays.stream(COMMON_NAMES)
            .map(n -> n.getBytes(StandardCharsets.ISO_8859_1)).toArray(byte[][]::new);

    /** The field name in {@code b[from, to)}: a shared constant when it is a common one, byte for byte. */
    private static String name(byte[] b, int from, int to) {
        int length = to - from;
        for (int i = 0; i < COMMON_NAME_BYTES.length; i++) {
            byte[] known = COMMON_NAME_BYTES[i];
            if (known.length == length && java.util.Arrays.equals(b, from, to, known, 0, length)) {
                return COMMON_NAMES[i];
            }
        }
        return new String(b, from, length, StandardCharsets.ISO_8859_1);
    }

    /** RFC 9112 section 6: how long the body is, decided once, with every ambiguity refused. */
    private RequestHead frame(String method, String target, boolean http11, List<Headers.Field> fields)
            throws ProtocolException {
        // One pass over the fields picks out the few that frame the message; most requests have
        // none of them but Host, so this allocates nothing for them.
        int hosts = 0;
        String hostValue = null;
        List<String> te = null;
        List<String> cl = null;
        boolean expectContinue = false;
        boolean close = false;
        boolean keep = false;
        for (Headers.Field f : fields) {
            String n = f.name();
            switch (n.length()) {
                case 4 -> {
                    if (n.equalsIgnoreCase("Host")) {
                        hosts++;
                        hostValue = f.value();
                    }
                }
                case 6 -> {
                    if (n.equalsIgnoreCase("Expect")) {
                        if (f.value().equalsIgnoreCase("100-continue")) {
                            expectContinue = http11;
                        } else {
                            throw new ProtocolException(417, "unsupported expectation '" + f.value() + "'");
                        }
                    }
                }
                case 10 -> {
                    if (n.equalsIgnoreCase("Connection")) {
                        for (String token : f.value().split(",")) {
                            String t = token.strip();
                            close |= t.equalsIgnoreCase("close");
                            keep |= t.equalsIgnoreCase("keep-alive");
                        }
                    }
                }
                case 14 -> {
                    if (n.equalsIgnoreCase("Content-Length")) {
                        (cl == null ? cl = new ArrayList<>(1) : cl).add(f.value());
                    }
                }
                case 17 -> {
                    if (n.equalsIgnoreCase("Transfer-Encoding")) {
                        (te == null ? te = new ArrayList<>(1) : te).add(f.value());
                    }
                }
                default -> { }
            }
        }
        if (http11 && hosts == 0) {
            throw new ProtocolException(400, "missing Host header");
        }
        if (hosts > 1) {
            throw new ProtocolException(400, "more than one Host header");
        }
        boolean chunked = false;
        long length = -1;
        if (te != null) {
            if (cl != null) {
                throw new ProtocolException(400, "both Transfer-Encoding and Content-Length");
            }
            if (!http11) {
                throw new ProtocolException(400, "Transfer-Encoding in an HTTP/1.0 request");
            }
            List<String> codings = new ArrayList<>();
            for (String value : te) {
                for (String c : value.split(",", -1)) {
                    String coding = c.strip().toLowerCase(Locale.ROOT);
                    if (!coding.isEmpty()) { // RFC 9110 5.6.1: empty list elements are ignored
                        codings.add(coding);
                    }
                }
            }
            if (codings.isEmpty()) {
                throw new ProtocolException(400, "Transfer-Encoding without a coding");
            }
            int chunkedAt = codings.indexOf("chunked");
            if (chunkedAt != codings.size() - 1 || codings.lastIndexOf("chunked") != chunkedAt) {
                throw new ProtocolException(400, "Transfer-Encoding must end with a single chunked");
            }
            if (codings.size() > 1) {
                throw new ProtocolException(501, "transfer coding " + codings.getFirst() + " is not implemented");
            }
            chunked = true;
        } else if (cl != null) {
            for (String value : cl) {
                for (String part : value.split(",", -1)) {
                    long n = parseLength(part.strip());
                    if (length >= 0 && n != length) {
                        throw new ProtocolException(400, "conflicting Content-Length values");
                    }
                    length = n;
                }
            }
            if (length > maxBody) {
                throw new ProtocolException(413, "body of " + length + " bytes is over the limit of " + maxBody);
            }
        }
        if (hostValue != null && !isValidHost(hostValue)) {
            throw new ProtocolException(400, "invalid Host header");
        }
        String path;
        String query = null;
        String t = target;
        if (target.indexOf('#') >= 0) {
            throw new ProtocolException(400, "fragment in request target"); // RFC 9112 3.2: none is sent
        }
        int authorityStart = t.regionMatches(true, 0, "http://", 0, 7) ? 7 : t.regionMatches(true, 0, "https://", 0, 8) ? 8 : -1;
        if (authorityStart > 0) { // absolute-form: route on its path; its authority replaces Host (RFC 9112 3.2.2)
            // RFC 3986 3.2: the authority ends at the first '/', '?' or '#'.
            int end = authorityStart;
            while (end < t.length() && t.charAt(end) != '/' && t.charAt(end) != '?') {
                end++;
            }
            String authority = t.substring(authorityStart, end);
            if (authority.indexOf('@') >= 0) {
                throw new ProtocolException(400, "userinfo in the request target's authority"); // RFC 9110 4.2.4
            }
            if (authority.isEmpty() || !isValidHost(authority)) {
                throw new ProtocolException(400, "invalid authority in the request target");
            }
            t = end == t.length() ? "/" : t.charAt(end) == '?' ? "/" + t.substring(end) : t.substring(end);
        } else if (t.equals("*")) {
            if (!method.equals("OPTIONS")) {
                throw new ProtocolException(400, "asterisk-form target is only for OPTIONS");
            }
        } else if (!t.startsWith("/")) {
            throw new ProtocolException(400, "request target must be a path (origin-form)");
        }
        int q = t.indexOf('?');
        if (q >= 0) {
            path = t.substring(0, q);
            query = t.substring(q + 1);
        } else {
            path = t;
        }
        boolean keepAlive = !close && (http11 || keep);
        return new RequestHead(method, target, path, query, http11, fields, chunked ? -1 : length, chunked,
                expectContinue && (chunked || length > 0), keepAlive);
    }

    /**
     * RFC 9112 3.2 / RFC 3986 3.2.2: {@code uri-host [ ":" port ]}, where the host is an IP literal in
     * brackets or a reg-name (unreserved, percent-encoded and sub-delims characters, which covers
     * IPv4 addresses too). Empty is allowed: a client sends an empty Host when the target has no
     * authority.
     */
    static boolean isValidHost(String v) {
        int end = v.length();
        int colon = v.lastIndexOf(':');
        int close = v.lastIndexOf(']');
        if (colon > close) { // a port
            for (int i = colon + 1; i < end; i++) {
                if (v.charAt(i) < '0' || v.charAt(i) > '9') {
                    return false;
                }
            }
            end = colon;
        }
        if (end > 0 && v.charAt(0) == '[') {
            if (close != end - 1) {
                return false;
            }
            for (int i = 1; i < close; i++) {
                char c = v.charAt(i);
                if (!(Character.isLetterOrDigit(c) && c < 0x80 || c == ':' || c == '.')) {
                    return false;
                }
            }
            return close > 1;
        }
        for (int i = 0; i < end; i++) {
            char c = v.charAt(i);
            if (!Rfc9110.isRegNameChar(c)) {
                return false;
            }
        }
        return true;
    }


    private static long parseLength(String s) throws ProtocolException {
        if (s.isEmpty() || s.length() > 18) {
            throw new ProtocolException(400, "invalid Content-Length");
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new ProtocolException(400, "invalid Content-Length");
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /**
     * Reads one CRLF-terminated line of at most {@code limit} bytes (without the CRLF).
     *
     * @return the line, or null if the stream ended before any byte of it (only where {@code cleanEof})
     */
    static String readLine(HttpInput in, int limit, boolean requestLine) throws IOException {
        int lf = lineEnd(in, limit, requestLine);
        if (lf < 0) {
            return null;
        }
        checkLine(in.buf, in.pos, lf, limit, requestLine);
        String line = new String(in.buf, in.pos, lf - in.pos - 1, StandardCharsets.ISO_8859_1);
        in.pos = lf + 1;
        return line;
    }

    /**
     * Finds the LF that ends the line starting at {@code in.pos}, reading more as needed.
     *
     * @return the LF's index in {@code in.buf}, or -1 if the stream ended before any byte of the line
     *         (only where {@code requestLine})
     */
    private static int lineEnd(HttpInput in, int limit, boolean requestLine) throws IOException {
        int scanned = 0;
        while (true) {
            byte[] b = in.buf;
            for (int i = in.pos + scanned; i < in.lim; i++) {
                if (b[i] == '\n') {
                    return i;
                }
            }
            scanned = in.lim - in.pos;
            if (scanned > limit + 1) {
                throw tooLong(requestLine, limit);
            }
            if (in.fill() < 0) {
                if (scanned == 0 && requestLine) {
                    return -1;
                }
                throw new ProtocolException(400, "connection closed inside the request head");
            }
        }
    }

    /** Checks the line {@code b[start, lf)}: ends in CRLF, within the limit, no bare CR or NUL. */
    private static void checkLine(byte[] b, int start, int lf, int limit, boolean requestLine) throws ProtocolException {
        int len = lf - start;
        if (len == 0 || b[lf - 1] != '\r') {
            throw new ProtocolException(400, "line not terminated by CRLF");
        }
        if (len - 1 > limit) {
            throw tooLong(requestLine, limit);
        }
        for (int j = start; j < lf - 1; j++) {
            if (b[j] == '\r' || b[j] == 0) {
                throw new ProtocolException(400, "bare CR or NUL in the request head");
            }
        }
    }

    private static ProtocolException tooLong(boolean requestLine, int limit) {
        return requestLine
                ? new ProtocolException(414, "request line longer than " + limit + " bytes")
                : new ProtocolException(431, "header section larger than the limit");
    }
}
