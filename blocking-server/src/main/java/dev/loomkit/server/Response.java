package dev.loomkit.server;

import dev.loomkit.server.http1.Rfc9110;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * An HTTP response: a status, header fields, and a body that is bytes, a string, or streamed by the
 * handler (sent chunked). Immutable. The server owns the framing: {@code Content-Length},
 * {@code Transfer-Encoding} and {@code Connection} are set by it and may not be set here.
 * {@snippet :
 * Response.text(200, "hello");
 * Response.bytes(200, "application/octet-stream", data).withHeader("Cache-Control", "no-store");
 * Response.streaming(200, "text/plain", out -> {
 *     for (int i = 0; i < 3; i++) {
 *         out.write(("line " + i + "\n").getBytes());
 *         out.flush();                                  // one chunk on the wire
 *     }
 * });
 * }
 */
public final class Response {
    private static final Set<String> MANAGED = Set.of("content-length", "transfer-encoding", "connection");

    /** Writes a streamed body; each {@code flush} sends what was written as one chunk. */
    @FunctionalInterface
    public interface BodyWriter {
        /**
         * Writes the body.
         *
         * @param out the body stream; closing it is allowed and ends the body
         * @throws Exception anything; the response is then cut off and the connection closed
         */
        void writeTo(OutputStream out) throws Exception;
    }

    private final int status;
    private final Headers headers;
    private final byte[] body;
    private final BodyWriter writer;

    private Response(int status, Headers headers, byte[] body, BodyWriter writer) {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("status must be a final status in [200, 599]: " + status);
        }
        this.status = status;
        this.headers = headers;
        this.body = body;
        this.writer = writer;
    }

    /**
     * {@return a response with a UTF-8 text body}
     *
     * @param status the status
     * @param text   the body
     */
    public static Response text(int status, String text) {
        Objects.requireNonNull(text, "text");
        return new Response(status, TEXT, text.getBytes(StandardCharsets.UTF_8), null);
    }

    private static final Headers TEXT = Headers.single("Content-Type", "text/plain; charset=utf-8");

    /**
     * {@return a response with a body of bytes}
     *
     * @param status      the status
     * @param contentType its media type
     * @param body        the body (not copied: do not change it afterwards)
     */
    public static Response bytes(int status, String contentType, byte[] body) {
        Objects.requireNonNull(body, "body");
        return new Response(status, Headers.empty().with("Content-Type", checkValue(contentType)), body, null);
    }

    /**
     * {@return a response with no body}
     *
     * @param status the status
     */
    public static Response empty(int status) {
        return new Response(status, Headers.empty(), new byte[0], null);
    }

    /**
     * {@return a response whose body the handler streams; sent chunked (to HTTP/1.0 clients, until close)}
     *
     * @param status      the status
     * @param contentType its media type
     * @param writer      writes the body, in the request's scope, after the handler returns
     */
    public static Response streaming(int status, String contentType, BodyWriter writer) {
        Objects.requireNonNull(writer, "writer");
        return new Response(status, Headers.empty().with("Content-Type", checkValue(contentType)), null, writer);
    }

    /**
     * {@return a copy with one more header field}
     *
     * @param name  a token
     * @param value no control characters but tab
     * @throws IllegalArgumentException if the name or value is malformed (a guard against response
     *                                  splitting), or names a field the server manages
     */
    public Response withHeader(String name, String value) {
        if (!Rfc9110.isToken(name)) {
            throw new IllegalArgumentException("not a valid header name: '" + name + "'");
        }
        if (MANAGED.contains(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException(name + " is set by the server, not by handlers");
        }
        return new Response(status, headers.with(name, checkValue(value)), body, writer);
    }

    private static String checkValue(String value) {
        Objects.requireNonNull(value, "value");
        if (!Rfc9110.isFieldValue(value)) {
            throw new IllegalArgumentException("header value contains a control character: '" + value.replace("\r", "\\r").replace("\n", "\\n") + "'");
        }
        return value;
    }

    /** {@return the status code} */
    public int status() {
        return status;
    }

    /** {@return the header fields set by the handler} */
    public Headers headers() {
        return headers;
    }

    /** {@return whether the body is streamed} */
    public boolean isStreaming() {
        return writer != null;
    }

    byte[] body() {
        return body;
    }

    BodyWriter writer() {
        return writer;
    }

    @Override
    public String toString() {
        return "Response[" + status + (writer != null ? ", streamed" : ", " + body.length + " bytes") + "]";
    }
}
