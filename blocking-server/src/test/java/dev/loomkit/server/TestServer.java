package dev.loomkit.server;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Starts a server on 127.0.0.1, any port, with test-sized timeouts, in the given mode. */
final class TestServer implements AutoCloseable {
    final HttpServer server;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static ServerConfig config(ThreadMode mode) {
        return ServerConfig.defaults().withPort(0).withThreadMode(mode).withPlatformPoolSize(16)
                .withShutdownGrace(Duration.ofSeconds(2)).withClientGoneCheckAfter(Duration.ofMillis(20));
    }

    TestServer(ServerConfig config, Router router) throws Exception {
        server = HttpServer.start(config, router);
    }

    /** The sweeper's CPU saturation signal: never saturated, for tests whose clients saturate the CPUs. */
    static final java.util.function.LongPredicate NEVER_SATURATED = now -> false;

    /** With the sweeper's CPU saturation signal given, for tests that depend on it. */
    TestServer(ServerConfig config, Router router, java.util.function.LongPredicate saturated) throws Exception {
        var s = new ServerImpl(config, router, saturated);
        s.start();
        server = s;
    }

    TestServer(ThreadMode mode, Router router) throws Exception {
        this(config(mode), router);
    }

    InetSocketAddress address() {
        return server.address();
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.address().getPort() + pathAndQuery);
    }

    HttpResponse<String> get(String pathAndQuery) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    RawClient raw() throws Exception {
        return new RawClient(address());
    }

    @Override
    public void close() {
        server.close();
        client.close();
    }
}
