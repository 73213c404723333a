package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Admission control: at most {@code maxConcurrentRequests} handlers run at once; the rest wait,
 * first come first served, and get 503 when the admission timeout passes. Both modes.
 */
@Timeout(60)
class AdmissionTest {
    private TestServer server;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** Handlers in /hold wait for a permit from here: the test lets them finish. */
    private final Semaphore release = new Semaphore(0);
    /** One permit per handler that has entered /hold. */
    private final Semaphore entered = new Semaphore(0);
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger mostRunning = new AtomicInteger();
    private final AtomicInteger handled = new AtomicInteger();

    private Router router() {
        return Router.builder()
                .get("/hold", r -> {
                    handled.incrementAndGet();
                    mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                    try {
                        entered.release();
                        release.acquire();
                        return Response.text(200, "held");
                    } finally {
                        running.decrementAndGet();
                    }
                })
                .get("/stubborn", r -> {
                    entered.release();
                    release.acquireUninterruptibly();
                    return Response.text(200, "ignored its cancellation");
                })
                .get("/fail", r -> {
                    throw new IllegalStateException("handler bug");
                })
                .get("/hello", r -> Response.text(200, "hello"))
                .build();
    }

    /** A fixed limit: these tests count permits exactly (the adaptive limit's tests are AdaptiveAdmissionTest). */
    private ServerConfig config(ThreadMode mode, int limit, Duration admissionTimeout) {
        return TestServer.config(mode).withAdaptiveAdmission(false).withMaxConcurrentRequests(limit)
                .withAdmissionTimeout(admissionTimeout).withMeterRegistry(registry);
    }

    @AfterEach
    void stop() {
        release.release(1_000);
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testLimitHoldsAndEveryWaitingRequestIsServedInTurn(ThreadMode mode) throws Exception {
        server = new TestServer(config(mode, 2, Duration.ofSeconds(30)), router());
        List<RawClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                RawClient c = server.raw();
                clients.add(c);
                c.send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            assertTrue(entered.tryAcquire(2, 10, TimeUnit.SECONDS), "two handlers should start");
            Eventually.until("four requests waiting for admission",
                    () -> registry.get("http.server.requests.queued").gauge().value() == 4);
            assertEquals(2, running.get());
            // Let them through one at a time: each release admits exactly one more.
            for (int i = 0; i < 4; i++) {
                release.release();
                assertTrue(entered.tryAcquire(10, TimeUnit.SECONDS), "a waiting request should be admitted");
            }
            release.release(2);
            for (RawClient c : clients) {
                RawClient.Reply reply = c.read();
                assertEquals(200, reply.status());
                assertEquals("held", reply.body());
            }
            assertEquals(2, mostRunning.get(), "never more than the limit at once");
            assertEquals(6, handled.get());
        } finally {
            for (RawClient c : clients) {
                c.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testAdmissionTimeoutAnswers503WithRetryAfterAndKeepsTheConnection(ThreadMode mode) throws Exception {
        server = new TestServer(config(mode, 1, Duration.ofMillis(200)), router());
        try (var holder = server.raw(); var waiter = server.raw()) {
            holder.send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(entered.tryAcquire(10, TimeUnit.SECONDS));
            long start = System.nanoTime();
            var busy = waiter.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(503, busy.status());
            assertEquals("1", busy.header("retry-after"));
            assertTrue(busy.body().contains("busy"), busy.body());
            assertTrue(took >= 150 && took < 5_000, "refused after " + took + " ms, the admission timeout is 200 ms");
            assertEquals(1.0, registry.get("http.server.requests.refused").tag("reason", "admission_timeout").counter().count());
            var waited = registry.get("http.server.admission.wait").tag("outcome", "timed_out").timer();
            assertEquals(1, waited.count());
            assertTrue(waited.totalTime(TimeUnit.MILLISECONDS) >= 150, "waited " + waited.totalTime(TimeUnit.MILLISECONDS) + " ms");
            release.release();
            assertEquals(200, holder.read().status());
            // The refused client's connection is still good, and the permit came back.
            assertEquals(200, waiter.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").status());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testClientThatLeavesWhileWaitingIsNeverHandled(ThreadMode mode) throws Exception {
        server = new TestServer(config(mode, 1, Duration.ofSeconds(30)), router());
        try (var holder = server.raw()) {
            holder.send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(entered.tryAcquire(10, TimeUnit.SECONDS));
            var leaver = server.raw();
            leaver.send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
            Eventually.until("one request waiting", () -> registry.get("http.server.requests.queued").gauge().value() == 1);
            leaver.close();
            // The client-gone watcher cancels the waiting request: it leaves the queue, recorded as 499.
            Eventually.until("the abandoned request to end", () -> registry.find("http.server.requests")
                    .tag("status", "499").timer() != null);
            assertEquals(0.0, registry.get("http.server.requests.queued").gauge().value());
            release.release();
            assertEquals(200, holder.read().status());
            assertEquals(200, holder.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").status());
            assertEquals(1, handled.get(), "the abandoned request never reached its handler");
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testRequestDeadlineEndsTheWaitForAdmission(ThreadMode mode) throws Exception {
        server = new TestServer(config(mode, 1, Duration.ofSeconds(30)).withRequestTimeout(Duration.ofMillis(300)), router());
        try (var holder = server.raw(); var waiter = server.raw()) {
            holder.send("GET /stubborn HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(entered.tryAcquire(10, TimeUnit.SECONDS));
            var reply = waiter.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(503, reply.status());
            assertTrue(reply.body().contains("deadline"), reply.body());
            // The holder passed its own deadline too, but its handler ignores cancellation: it
            // ends when released, and the permit comes back either way.
            release.release();
            assertEquals(503, holder.read().status());
            assertEquals(200, waiter.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").status());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testFailingHandlerGivesItsPermitBack(ThreadMode mode) throws Exception {
        server = new TestServer(config(mode, 1, Duration.ofMillis(500)), router());
        try (var c = server.raw()) {
            for (int i = 0; i < 3; i++) {
                assertEquals(500, c.exchange("GET /fail HTTP/1.1\r\nHost: x\r\n\r\n").status());
            }
            assertEquals(200, c.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").status());
        }
    }

    @Test
    void testConfigRejectsAnUnboundedOrEmptyLimit() {
        var e = assertThrows(IllegalArgumentException.class, () -> ServerConfig.defaults().withMaxConcurrentRequests(0));
        assertTrue(e.getMessage().contains("maxConcurrentRequests"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.defaults().withAdmissionTimeout(Duration.ZERO));
        assertEquals(10_000, ServerConfig.defaults().maxConcurrentRequests());
    }
}
