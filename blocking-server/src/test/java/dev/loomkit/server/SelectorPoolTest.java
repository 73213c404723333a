package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What sets {@link ThreadMode#SELECTOR_POOL} apart from a thread per connection: idle keep-alive
 * connections hold no thread, so a small pool serves many of them; and a parked connection still
 * times out, is closed at shutdown, and is finished when its client leaves. (Every protocol,
 * cancellation and metrics test runs in this mode too, through {@code @EnumSource(ThreadMode.class)}.)
 */
@Timeout(60)
class SelectorPoolTest {
    private static final String GET = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n";

    private static Router router(CountDownLatch release) {
        return Router.builder()
                .get("/hello", r -> Response.text(200, "hello\n"))
                .get("/block", r -> {
                    release.await();
                    return Response.text(200, "released\n");
                })
                .build();
    }

    @Test
    void testTwoThreadsServeTwoHundredKeepAliveConnections() throws Exception {
        var config = TestServer.config(ThreadMode.SELECTOR_POOL).withPlatformPoolSize(2);
        try (var server = new TestServer(config, router(new CountDownLatch(0)))) {
            List<RawClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 200; i++) {
                    clients.add(server.raw());
                }
                // Two rounds: each connection is served, parked, and served again. A thread per
                // connection would serve two of them and leave 198 waiting for their idle timeout.
                for (int round = 0; round < 2; round++) {
                    for (RawClient c : clients) {
                        c.send(GET);
                    }
                    for (RawClient c : clients) {
                        assertEquals(200, c.read(false).status());
                    }
                }
                assertEquals(200, server.server.openConnections());
            } finally {
                for (RawClient c : clients) {
                    c.close();
                }
            }
            // Each client closed while parked: the parker hands it to the pool, which reads the end
            // of stream and finishes it.
            Eventually.until("every closed connection finished", () -> server.server.openConnections() == 0);
        }
    }

    @Test
    void testParkedConnectionTimesOutAndIsFinished() throws Exception {
        var config = TestServer.config(ThreadMode.SELECTOR_POOL).withIdleTimeout(Duration.ofMillis(300));
        try (var server = new TestServer(config, router(new CountDownLatch(0))); var c = server.raw()) {
            c.send(GET);
            assertEquals(200, c.read(false).status());
            assertEquals(-1, c.socket.getInputStream().read(), "the idle timeout closes a parked connection");
            Eventually.until("the timed-out connection finished", () -> server.server.openConnections() == 0);
        }
    }

    @Test
    void testNeverSendingConnectionTimesOutToo() throws Exception {
        // Accepted and parked before its first byte: the same idle timeout applies.
        var config = TestServer.config(ThreadMode.SELECTOR_POOL).withIdleTimeout(Duration.ofMillis(300));
        try (var server = new TestServer(config, router(new CountDownLatch(0))); var c = server.raw()) {
            assertEquals(-1, c.socket.getInputStream().read());
            Eventually.until("the silent connection finished", () -> server.server.openConnections() == 0);
        }
    }

    @Test
    void testShutdownClosesParkedConnectionsAtOnce() throws Exception {
        var config = TestServer.config(ThreadMode.SELECTOR_POOL).withShutdownGrace(Duration.ofSeconds(30));
        var server = new TestServer(config, router(new CountDownLatch(0)));
        List<RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                RawClient c = server.raw();
                clients.add(c);
                c.send(GET);
                assertEquals(200, c.read(false).status());
            }
            long start = System.nanoTime();
            server.close();
            // Idle connections lose nothing by closing: the close must not wait out the 30 s grace.
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "close waited for idle connections");
            for (RawClient c : clients) {
                assertEquals(-1, c.socket.getInputStream().read());
            }
            assertEquals(0, server.server.openConnections());
        } finally {
            server.close();
            for (RawClient c : clients) {
                c.close();
            }
        }
    }

    @Test
    void testRequestsBeyondPoolAndQueueWaitTheirTurnInsteadOf503() throws Exception {
        // Pool 1, queue 1, and three requests at once: the queue has room for every connection,
        // as Tomcat's has, so a request that has begun is never refused for want of a place.
        var release = new CountDownLatch(1);
        var config = TestServer.config(ThreadMode.SELECTOR_POOL).withPlatformPoolSize(1).withPlatformQueueSize(1);
        try (var server = new TestServer(config, router(release)); var busy = server.raw(); var a = server.raw();
             var b = server.raw()) {
            busy.send("GET /block HTTP/1.1\r\nHost: t\r\n\r\n");
            awaitWorkerBlocked();
            a.send(GET);
            b.send(GET);
            release.countDown();
            assertEquals(200, busy.read(false).status());
            assertEquals(200, a.read(false).status());
            assertEquals(200, b.read(false).status());
        }
    }

    @Test
    void testSlowHeadHoldsNoPoolThread() throws Exception {
        // One pool thread. A client that sends half a head and stalls must not keep it: the parker
        // reads heads without a thread and hands a connection on only once its head is whole.
        var config = TestServer.config(ThreadMode.SELECTOR_POOL).withPlatformPoolSize(1);
        try (var server = new TestServer(config, router(new CountDownLatch(0))); var slow = server.raw(); var quick = server.raw()) {
            slow.send("GET /hello HTTP/1.1\r\nHo");
            quick.send(GET);
            assertEquals(200, quick.read(false).status(), "served while another head is half sent");
            slow.send("st: t\r\n\r\n");
            assertEquals("hello\n", slow.read(false).body());
        }
    }

    @Test
    void testSlowHeadTimesOutWhileParked() throws Exception {
        var config = TestServer.config(ThreadMode.SELECTOR_POOL).withHeaderTimeout(Duration.ofMillis(300))
                .withIdleTimeout(Duration.ofSeconds(60));
        try (var server = new TestServer(config, router(new CountDownLatch(0))); var c = server.raw()) {
            c.send("GET /hello HTTP/1.1\r\n");
            // The header timeout runs from the head's first byte, not the idle timeout.
            assertEquals(-1, c.socket.getInputStream().read());
            Eventually.until("the slow connection finished", () -> server.server.openConnections() == 0);
        }
    }

    private static void awaitWorkerBlocked() {
        Eventually.until("a worker is blocked in the handler", () -> Thread.getAllStackTraces().entrySet().stream()
                .anyMatch(e -> e.getKey().getName().startsWith("loomkit-worker-")
                        && java.util.Arrays.toString(e.getValue()).contains("CountDownLatch.await")));
    }

    @Test
    void testPipelinedRequestsOnAParkedConnectionAreAnsweredInOrder() throws Exception {
        try (var server = new TestServer(TestServer.config(ThreadMode.SELECTOR_POOL), router(new CountDownLatch(0)));
             var c = server.raw()) {
            c.send(GET + GET + GET);
            for (int i = 0; i < 3; i++) {
                assertEquals("hello\n", c.read(false).body());
            }
            c.send(GET);
            assertEquals(200, c.read(false).status());
        }
    }
}
