package dev.loomkit.server;

import dev.loomkit.toolkit.Scope;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A request, as a handler sees it. The body is a bounded stream read on demand; the scope is the
 * request's: subtasks forked into it are cancelled when the client goes away, the deadline passes
 * or the server shuts down.
 * {@snippet :
 * Handler fanout = request -> {
 *     Scope<Object, Void> scope = request.scope();
 *     var a = scope.fork("a", () -> backend.get("/a"));
 *     var b = scope.fork("b", () -> backend.get("/b"));
 *     scope.join();
 *     return Response.text(200, a.get() + b.get());
 * };
 * }
 */
public sealed interface Request permits RequestImpl {

    /** {@return the method, e.g. {@code GET}} */
    String method();

    /** {@return the request target as sent, e.g. {@code /users/7?full=true}} */
    String target();

    /** {@return the path part of the target, still percent-encoded, e.g. {@code /users/7}} */
    String path();

    /** {@return the protocol version, {@code HTTP/1.1} or {@code HTTP/1.0}} */
    String version();

    /** {@return the header fields} */
    Headers headers();

    /**
     * {@return the first value of a query parameter, decoded}
     *
     * @param name the parameter name
     * @throws IllegalArgumentException if the query is not validly percent-encoded (the client then gets 400)
     */
    Optional<String> queryParam(String name);

    /** {@return every query parameter, decoded, in order of first appearance} */
    Map<String, List<String>> queryParams();

    /**
     * {@return a path parameter of the matched route, decoded}
     *
     * @param name the parameter, as in {@code /users/{id}}
     * @throws IllegalArgumentException if the route has no such parameter
     */
    String pathParam(String name);

    /** {@return the matched route's template, e.g. {@code /users/{id}}} */
    String routeTemplate();

    /** {@return the body; empty if there is none. Reading past the body limit throws a 413} */
    InputStream body();

    /**
     * {@return the whole body}
     *
     * @throws IOException if it cannot be read (the client went away, or it is malformed or too large)
     */
    byte[] bodyBytes() throws IOException;

    /** {@return the declared body length, or -1 if chunked} */
    long contentLength();

    /** {@return the request's scope, owned by the handler's thread} */
    Scope<Object, Void> scope();

    /** {@return when the request must be answered} */
    Optional<Instant> deadline();

    /** {@return the time left until the deadline} */
    Optional<Duration> timeRemaining();

    /** {@return the client's address} */
    InetSocketAddress remoteAddress();
}
