package dev.loomkit.server;

/**
 * Blocking-style request handling: a request in, a response out. The handler runs in the
 * connection's thread inside the request's scope, so it may block, fork subtasks into
 * {@link Request#scope()}, and see its deadline with {@link dev.loomkit.toolkit.Deadlines}.
 * {@snippet :
 * Handler hello = request -> Response.text(200, "hello " + request.queryParam("name").orElse("world"));
 * }
 * An exception it throws becomes a 500 (logged once, no stack trace to the client); if the request
 * was cancelled first, the cancellation decides: 503 for a missed deadline or a shutdown, nothing
 * for a client that went away.
 */
@FunctionalInterface
public interface Handler {
    /**
     * Handles one request.
     *
     * @param request the request
     * @return the response
     * @throws Exception anything; see the interface description for what the client then gets
     */
    Response handle(Request request) throws Exception;
}
