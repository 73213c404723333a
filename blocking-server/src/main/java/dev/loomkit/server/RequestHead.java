package dev.loomkit.server;

/**
 * A parsed and validated request head.
 *
 * @param method         the method
 * @param target         the request target as sent
 * @param path           the path, percent-encoded
 * @param query          the query without '?', or null
 * @param http11         HTTP/1.1 (else 1.0)
 * @param headers        the fields
 * @param contentLength  the declared length, or -1 if none or chunked
 * @param chunked        whether the body is chunked
 * @param expectContinue whether the client waits for 100 Continue before sending the body
 * @param keepAlive      whether the client asked to keep the connection (by version and Connection field)
 */
record RequestHead(String method, String target, String path, String query, boolean http11, Headers headers,
                   long contentLength, boolean chunked, boolean expectContinue, boolean keepAlive) {

    boolean hasBody() {
        return chunked || contentLength > 0;
    }

    String version() {
        return http11 ? "HTTP/1.1" : "HTTP/1.0";
    }
}
