package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.toolkit.CancelReason;
import dev.loomkit.toolkit.Cancellation;
import dev.loomkit.toolkit.Deadlines;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Cancellation reaches the work: a client that leaves, a missed deadline, a shutdown. Both modes. */
@Timeout(60)
class ServerCancellationTest {
    private TestServer server;
    private final CountDownLatch subtasksBlocked = new CountDownLatch(3);
    private final CountDownLatch subtasksEnded = new CountDownLatch(3);
    private final Queue<CancelReason> reasons = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Duration> remainingInHandler = new AtomicReference<>();
    private final CountDownLatch sleepStarted = new CountDownLatch(1);

    private Router router() {
        return Router.builder()
                .get("/fanout", r -> {
                    var scope = r.scope();
                    for (int i = 0; i < 3; i++) {
                        scope.fork("sub-" + i, () -> {
                            try {
                                subtasksBlocked.countDown();
                                Thread.sleep(30_000);
                            } finally {
                                Cancellation.reason().ifPresent(reasons::add);
                                subtasksEnded.countDown();
                            }
                        });
                    }
                    scope.join();
                    return Response.text(200, "done");
                })
                .get("/sleep", r -> {
                    remainingInHandler.set(Deadlines.remaining().orElse(null));
                    sleepStarted.countDown();
                    Thread.sleep(Long.parseLong(r.queryParam("ms").orElse("30000")));
                    return Response.text(200, "slept");
                })
                .route("GET", "/patient", r -> {
                    Thread.sleep(300);
                    return Response.text(200, "patient");
                }, Duration.ofSeconds(5))
                .get("/hello", r -> Response.text(200, "hello"))
                .build();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testClientGoneCancelsTheRequestAndItsBlockedSubtasksWithinOneSecond(ThreadMode mode) throws Exception {
        server = new TestServer(mode, router());
        var c = server.raw();
        c.send("GET /fanout HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(subtasksBlocked.await(10, TimeUnit.SECONDS));
        long closedAt = System.nanoTime();
        c.close();
        assertTrue(subtasksEnded.await(1, TimeUnit.SECONDS), "subtasks blocked for 30 s did not end within 1 s of the client leaving");
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closedAt);
        assertEquals(3, reasons.size());
        for (CancelReason r : reasons) {
            assertEquals(CancelReason.Kind.CLIENT_DISCONNECTED, r.root().kind(), r.toString());
        }
        System.out.printf("%s: subtasks ended %d ms after the client closed%n", mode, took);
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testMissedDeadlineAnswers503AndCancelsTheHandler(ThreadMode mode) throws Exception {
        server = new TestServer(TestServer.config(mode).withRequestTimeout(Duration.ofMillis(200)), router());
        try (var c = server.raw()) {
            long start = System.nanoTime();
            var reply = c.exchange("GET /sleep HTTP/1.1\r\nHost: x\r\n\r\n");
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(503, reply.status());
            assertTrue(reply.body().contains("deadline"), reply.body());
            assertTrue(took < 5_000, "answered after " + took + " ms");
            Duration left = remainingInHandler.get();
            assertTrue(left.compareTo(Duration.ofMillis(200)) <= 0 && !left.isNegative(), "handler saw its deadline: " + left);
            // The connection goes on.
            assertEquals(200, c.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").status());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testRouteDeadlineOverridesTheDefault(ThreadMode mode) throws Exception {
        server = new TestServer(TestServer.config(mode).withRequestTimeout(Duration.ofMillis(100)), router());
        assertEquals(200, server.get("/patient").statusCode(), "the route allows 5 s");
        assertEquals(503, server.get("/sleep?ms=300").statusCode(), "the default allows 100 ms");
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testShutdownLetsInFlightRequestsFinishWithinGrace(ThreadMode mode) throws Exception {
        server = new TestServer(TestServer.config(mode).withShutdownGrace(Duration.ofSeconds(5)), router());
        var reply = new AtomicReference<RawClient.Reply>();
        var started = new CountDownLatch(1);
        Thread client = Thread.ofPlatform().start(() -> {
            try (var c = server.raw()) {
                c.send("GET /sleep?ms=400 HTTP/1.1\r\nHost: x\r\n\r\n");
                started.countDown();
                reply.set(c.read());
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        started.await();
        assertTrue(sleepStarted.await(10, TimeUnit.SECONDS), "the handler is running");
        server.close();
        client.join(10_000);
        assertEquals(200, reply.get().status(), "the in-flight request finished");
        assertEquals("close", reply.get().header("connection"));
        assertEquals(0, server.server.openConnections());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testShutdownCancelsRequestsStillRunningAfterGraceWith503(ThreadMode mode) throws Exception {
        server = new TestServer(TestServer.config(mode).withShutdownGrace(Duration.ofMillis(200)), router());
        var reply = new AtomicReference<RawClient.Reply>();
        Thread client = Thread.ofPlatform().start(() -> {
            try (var c = server.raw()) {
                reply.set(c.exchange("GET /fanout HTTP/1.1\r\nHost: x\r\n\r\n"));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(subtasksBlocked.await(10, TimeUnit.SECONDS));
        try (var idle = server.raw()) {
            assertEquals(200, idle.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").status());
            long start = System.nanoTime();
            server.close(); // returns only when every connection thread has ended
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(took < 5_000, "close took " + took + " ms");
            assertTrue(idle.closedByServer(), "an idle keep-alive connection is closed at shutdown");
        }
        client.join(10_000);
        assertEquals(503, reply.get().status());
        assertEquals(0, subtasksEnded.getCount(), "subtasks ended before close returned");
        for (CancelReason r : reasons) {
            assertEquals(CancelReason.Kind.SHUTDOWN, r.root().kind());
        }
        assertEquals(0, server.server.openConnections());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testSlowHeadIsCutOffByTheHeaderTimeout(ThreadMode mode) throws Exception {
        server = new TestServer(TestServer.config(mode).withHeaderTimeout(Duration.ofMillis(300)), router());
        try (var c = server.raw()) {
            c.send("GET /hello HTTP/1.1\r\n"); // slowloris: a head that never ends
            long start = System.nanoTime();
            assertTrue(c.closedByServer());
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(took >= 250 && took < 3_000, "closed after " + took + " ms");
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testIdleKeepAliveConnectionIsClosedByTheIdleTimeout(ThreadMode mode) throws Exception {
        server = new TestServer(TestServer.config(mode).withIdleTimeout(Duration.ofMillis(300)), router());
        try (var c = server.raw()) {
            assertEquals(200, c.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").status());
            assertTrue(c.stillOpenAfter(100));
            assertTrue(c.closedByServer());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testStalledBodyIsCutOffByTheBodyTimeout(ThreadMode mode) throws Exception {
        server = new TestServer(TestServer.config(mode).withBodyTimeout(Duration.ofMillis(300)),
                Router.builder().post("/echo", r -> Response.bytes(200, "application/octet-stream", r.bodyBytes())).build());
        try (var c = server.raw()) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a little");
            assertTrue(c.closedByServer());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testClientThatStopsReadingIsCutOffByTheWriteTimeout(ThreadMode mode) throws Exception {
        var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        var writing = new CountDownLatch(1);
        var handlerEnded = new CountDownLatch(1);
        server = new TestServer(TestServer.config(mode).withWriteTimeout(Duration.ofMillis(300)).withMeterRegistry(registry),
                Router.builder().get("/firehose", r -> Response.streaming(200, "application/octet-stream", out -> {
                    byte[] block = new byte[64 * 1024];
                    writing.countDown();
                    try {
                        for (int i = 0; i < 10_000; i++) { // 640 MB: far more than socket buffers hold
                            out.write(block);
                        }
                    } finally {
                        handlerEnded.countDown();
                    }
                })).build());
        try (var c = server.raw()) {
            c.socket.setReceiveBufferSize(4096);
            c.send("GET /firehose HTTP/1.1\r\nHost: x\r\n\r\n"); // and never reads
            assertTrue(writing.await(10, TimeUnit.SECONDS));
            assertTrue(handlerEnded.await(10, TimeUnit.SECONDS), "the blocked write was cut off");
        }
        Eventually.until("write timeout counted",
                () -> registry.find("http.server.timeouts").tag("phase", "write").counter() != null);
        assertEquals(1.0, registry.get("http.server.timeouts").tag("phase", "write").counter().count());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testConnectionsOverTheLimitGet503(ThreadMode mode) throws Exception {
        server = new TestServer(TestServer.config(mode).withMaxConnections(2), router());
        try (var a = server.raw(); var b = server.raw()) {
            assertEquals(200, a.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").status());
            assertEquals(200, b.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").status());
            try (var c = server.raw()) {
                var reply = c.read();
                assertEquals(503, reply.status());
                assertTrue(c.closedByServer());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testStopAcceptingPolicyMakesNewConnectionsWait(ThreadMode mode) throws Exception {
        server = new TestServer(TestServer.config(mode).withMaxConnections(1)
                .withOverLimit(ServerConfig.OverLimit.STOP_ACCEPTING), router());
        try (var a = server.raw(); var waiting = new RawClient(server.address(), 300)) {
            assertEquals(200, a.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").status());
            waiting.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
            org.junit.jupiter.api.Assertions.assertThrows(java.net.SocketTimeoutException.class, waiting::read);
            a.close();
            waiting.socket.setSoTimeout(10_000);
            assertEquals(200, waiting.read().status(), "accepted once the first connection closed");
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testLifecycleIsAStateMachineAndDoesNotRestart(ThreadMode mode) throws Exception {
        var s = HttpServer.create(TestServer.config(mode), router());
        var notStarted = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, s::address);
        assertEquals("server not started", notStarted.getMessage());
        s.start();
        var twice = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, s::start);
        assertTrue(twice.getMessage().contains("already running"), twice.getMessage());
        s.close();
        s.close(); // idempotent
        var restart = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, s::start);
        assertTrue(restart.getMessage().contains("does not restart"), restart.getMessage());
        assertFalse(restart.getMessage().isEmpty());
    }
}
