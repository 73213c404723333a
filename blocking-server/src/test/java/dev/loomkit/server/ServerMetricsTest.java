package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The server's meters follow Micrometer's HTTP server conventions. */
@Timeout(30)
class ServerMetricsTest {

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testRequestsConnectionsCancellationsAndBytesAreMetered(ThreadMode mode) throws Exception {
        var registry = new SimpleMeterRegistry();
        var router = Router.builder()
                .get("/users/{id}", r -> Response.text(200, "user " + r.pathParam("id")))
                .get("/boom", r -> {
                    throw new IllegalStateException("boom");
                })
                .get("/slow", r -> {
                    Thread.sleep(10_000);
                    return Response.text(200, "late");
                })
                .build();
        var config = TestServer.config(mode).withMeterRegistry(registry).withRequestTimeout(Duration.ofMillis(100)).withMaxConnections(3);
        try (var server = new TestServer(config, router); var c = server.raw()) {
            assertEquals(200, c.exchange("GET /users/1 HTTP/1.1\r\nHost: x\r\n\r\n").status());
            assertEquals(200, c.exchange("GET /users/2 HTTP/1.1\r\nHost: x\r\n\r\n").status());
            assertEquals(404, c.exchange("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n").status());
            assertEquals(500, c.exchange("GET /boom HTTP/1.1\r\nHost: x\r\n\r\n").status());
            assertEquals(503, c.exchange("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").status());
            assertEquals(1.0, registry.get("http.server.connections.active").gauge().value());
            try (var b = server.raw(); var d = server.raw(); var rejected = server.raw()) {
                var refused = rejected.read();
                assertEquals(503, refused.status());
                assertEquals("1", refused.header("retry-after"), "a connection turned away is told when to come back too");
            }
            // The three closed connections release their permits once their threads notice.
            Eventually.until("closed connections released", () -> server.server.openConnections() <= 1);
            try (var bad = server.raw()) {
                assertEquals(400, bad.exchange("GET /users/1 HTTP/1.1\r\n\r\n").status());
            }
        }
        var users = registry.get("http.server.requests").tags("method", "GET", "uri", "/users/{id}", "status", "200",
                "outcome", "SUCCESS", "exception", "none").timer();
        assertEquals(2, users.count());
        assertEquals(1, registry.get("http.server.requests").tags("uri", "NOT_FOUND", "status", "404", "outcome", "CLIENT_ERROR").timer().count());
        assertEquals(1, registry.get("http.server.requests").tags("uri", "/boom", "status", "500", "exception", "IllegalStateException").timer().count());
        assertEquals(1, registry.get("http.server.requests").tags("uri", "/slow", "status", "503").timer().count());
        assertEquals(1.0, registry.get("http.server.requests.cancelled").tag("reason", "deadline").counter().count());
        assertEquals(1.0, registry.get("http.server.connections.rejected").tag("reason", "connection_limit").counter().count());
        assertEquals(1.0, registry.get("http.server.protocol.errors").tag("status", "400").counter().count());
        assertTrue(registry.get("http.server.received").counter().count() > 100);
        assertTrue(registry.get("http.server.sent").counter().count() > 100);
        assertEquals(0.0, registry.get("http.server.connections.active").gauge().value(), "all closed after close()");
        assertEquals(0.0, registry.get("http.server.requests.active").gauge().value());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testMadeUpMethodsShareOneSeriesAndPlainSuccessesOneTimerPerRouteAndMethod(ThreadMode mode) throws Exception {
        var registry = new SimpleMeterRegistry();
        var router = Router.builder().get("/hello", r -> Response.text(200, "hi")).build();
        try (var server = new TestServer(TestServer.config(mode).withMeterRegistry(registry), router); var c = server.raw()) {
            for (int i = 0; i < 40; i++) {
                assertEquals(405, c.exchange("MADEUP" + i + " /hello HTTP/1.1\r\nHost: x\r\n\r\n").status());
            }
            for (int i = 0; i < 5; i++) {
                assertEquals(200, c.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").status());
                assertEquals(200, c.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n").read(true).status());
            }
        }
        var timers = registry.get("http.server.requests").timers();
        assertEquals(3, timers.size(), "one series for every made-up method, one for GET and one for HEAD: " + timers);
        assertEquals(40, registry.get("http.server.requests").tags("method", "_OTHER", "status", "405").timer().count());
        assertEquals(5, registry.get("http.server.requests").tags("method", "GET", "uri", "/hello", "status", "200").timer().count());
        assertEquals(5, registry.get("http.server.requests").tags("method", "HEAD", "uri", "/hello", "status", "200").timer().count());
    }
}
