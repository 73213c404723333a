package dev.loomkit.server.http1;

import dev.loomkit.server.Headers;
import java.util.List;

/**
 * A parsed and validated request head.
 *
 * @param method         the method
 * @param target         the request target as sent
 * @param path           the path, percent-encoded
 * @param query          the query without '?', or null
 * @param http11         HTTP/1.1 (else 1.0)
 * @param fields         the fields in arrival order: a list made for this head alone, which the
 *                       request's {@link Headers} wraps without a copy; nobody modifies it
 * @param contentLength  the declared length, or -1 if none or chunked
 * @param chunked        whether the body is chunked
 * @param expectContinue whether the client waits for 100 Continue before sending the body
 * @param keepAlive      whether the client asked to keep the connection (by version and Connection field)
 */
public record RequestHead(String method, String target, String path, String query, boolean http11,
                          List<Headers.Field> fields, long contentLength, boolean chunked, boolean expectContinue,
                          boolean keepAlive) {

    /** {@return whether a body follows the head} */
    public boolean hasBody() {
        return chunked || contentLength > 0;
    }

    /** {@return the protocol version, as in the request line} */
    public String version() {
        return http11 ? "HTTP/1.1" : "HTTP/1.0";
    }
}
