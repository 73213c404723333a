package dev.loomkit.server;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * An HTTP/1.1 server whose blocking handlers run in scope hierarchies: server, connection,
 * request, and the subtasks a handler forks. In {@link ThreadMode#VIRTUAL} every connection has a
 * virtual thread; in {@link ThreadMode#PLATFORM} a fixed pool of platform threads serves them from
 * a bounded queue. Nothing else differs.
 * {@snippet :
 * var router = Router.builder()
 *         .get("/hello", request -> Response.text(200, "hello"))
 *         .get("/sleep", request -> {
 *             Thread.sleep(Long.parseLong(request.queryParam("ms").orElse("100")));
 *             return Response.text(200, "slept");
 *         })
 *         .build();
 * try (HttpServer server = HttpServer.start(ServerConfig.defaults().withPort(8080), router)) {
 *     server.awaitClose();
 * }
 * }
 *
 * <p>Lifecycle: {@code NEW -> RUNNING -> STOPPING -> CLOSED}; a server does not restart.
 * {@link #close()} stops accepting, lets requests in flight finish within the grace period, cancels
 * the rest with reason shutdown (their clients get 503), and returns when every connection thread
 * has ended.
 */
public sealed interface HttpServer extends AutoCloseable permits ServerImpl {

    /**
     * Creates a server; {@link #start()} starts it.
     *
     * @param config the limits and the thread mode
     * @param router the routes
     * @return the server, not yet listening
     */
    static HttpServer create(ServerConfig config, Router router) {
        return new ServerImpl(config, router);
    }

    /**
     * Creates and starts a server.
     *
     * @param config the limits and the thread mode
     * @param router the routes
     * @return the running server
     * @throws IOException if the address cannot be bound
     */
    static HttpServer start(ServerConfig config, Router router) throws IOException {
        HttpServer server = create(config, router);
        server.start();
        return server;
    }

    /**
     * Binds the address and starts accepting.
     *
     * @throws IOException           if the address cannot be bound
     * @throws IllegalStateException if the server was already started or closed
     */
    void start() throws IOException;

    /**
     * {@return the address the server listens on, with the actual port}
     *
     * @throws IllegalStateException if the server has not been started
     */
    InetSocketAddress address();

    /** {@return the thread mode} */
    ThreadMode threadMode();

    /** {@return connections open now} */
    int openConnections();

    /**
     * Blocks until another thread closes the server.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    void awaitClose() throws InterruptedException;

    /**
     * Shuts down gracefully, as described above; returns once every connection thread has ended.
     * Calling it again, or from several threads, waits for the same shutdown.
     */
    @Override
    void close();
}
