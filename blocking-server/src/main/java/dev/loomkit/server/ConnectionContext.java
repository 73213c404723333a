package dev.loomkit.server;

import dev.loomkit.server.http1.RequestHeadParser;
import dev.loomkit.toolkit.ScopeConfig;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What a connection, and each exchange on it, needs of the server: built once when the server
 * starts and handed to every connection, so that nothing reaches back into the server for its
 * parts. (Helidon's webserver does the same with its {@code ConnectionContext}.)
 *
 * @param config       the server's configuration
 * @param router       the routes
 * @param parser       the request head parser, stateless and shared
 * @param metrics      where requests, bytes, timeouts and refusals are counted
 * @param admission    the gate a handler passes before it runs
 * @param watcher      the client-gone watcher
 * @param requestScope the request scope's configuration for routes without a timeout of their own
 * @param threads      the thread mode's source of threads (and, in selector-pool mode, the parker)
 * @param stopping     whether the server has begun to stop
 * @param ended        told once when a connection has closed, for the server's accounting
 */
record ConnectionContext(ServerConfig config, Router router, RequestHeadParser parser, HttpMetrics metrics,
                         Admission admission, ClientGoneWatcher watcher, ScopeConfig requestScope, ThreadSource threads,
                         BooleanSupplier stopping, Consumer<Connection> ended) {
}
