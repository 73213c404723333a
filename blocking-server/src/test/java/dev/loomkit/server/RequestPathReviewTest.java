package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.toolkit.JoinPolicy;
import dev.loomkit.toolkit.Scope;
import dev.loomkit.toolkit.ScopeConfig;
import dev.loomkit.toolkit.TaskFailedException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Review of the request-path changes (6fdec87..877ba2b): held responses for pipelined requests,
 * the hosted request scope and its per-connection hook. Real loopback sockets; every wait bounded.
 */
@Timeout(30)
class RequestPathReviewTest {
    private TestServer server;
    private final CountDownLatch releaseBlock = new CountDownLatch(1);
    private final CountDownLatch cancelling = new CountDownLatch(1);
    private final CountDownLatch secondHandling = new CountDownLatch(1);
    private final CountDownLatch cancelDone = new CountDownLatch(1);
    private final java.util.concurrent.atomic.AtomicReference<Scope<Object, Void>> requestScope =
            new java.util.concurrent.atomic.AtomicReference<>();

    private Router router() {
        return Router.builder()
                .get("/hello", r -> Response.text(200, "hello"))
                .get("/block", r -> {
                    releaseBlock.await(5, TimeUnit.SECONDS);
                    return Response.text(200, "unblocked");
                })
                .post("/echo", r -> Response.text(200, new String(r.body().readAllBytes())))
                .route("POST", "/upload-then-work", r -> {
                    requestScope.set(r.scope());
                    byte[] body = r.body().readAllBytes(); // the deadline passes during this read
                    try {
                        releaseBlock.await(5, TimeUnit.SECONDS); // the work after the body: must be woken
                        return Response.text(200, "not woken");
                    } catch (InterruptedException e) {
                        return Response.text(200, "woken after " + body.length + " bytes");
                    }
                }, Duration.ofMillis(300))
                .get("/fail-fast", r -> {
                    var scope = r.scope();
                    Thread handler = Thread.currentThread();
                    scope.fork("bad", () -> {
                        // fail once the handler waits in join, as a slower sibling would make it
                        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                        while (handler.getState() != Thread.State.WAITING && System.nanoTime() - until < 0) {
                            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                        }
                        throw new IllegalStateException("boom");
                    });
                    try {
                        scope.join();
                        return Response.text(200, "no failure?");
                    } catch (TaskFailedException e) {
                        return Response.text(200, "fallback: " + e.getCause().getMessage());
                    }
                })
                .get("/first", r -> {
                    Scope<Object, Void> request = r.scope();
                    // A child scope with an on-cancel hook that takes a while (say, a JDBC
                    // Statement.cancel() round trip); the request's own hook runs after it.
                    Scope.call(ScopeConfig.named("db"), JoinPolicy.failFast(), db -> {
                        db.onCancel(() -> {
                            cancelling.countDown();
                            try {
                                secondHandling.await(5, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        });
                        Thread.ofVirtual().start(() -> {
                            request.cancel("explicit, from another thread");
                            cancelDone.countDown();
                        });
                        cancelling.await(5, TimeUnit.SECONDS);
                        return null;
                    });
                    return Response.text(200, "first");
                })
                .get("/second", r -> {
                    secondHandling.countDown();
                    boolean interrupted = false;
                    try {
                        cancelDone.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                    interrupted |= Thread.interrupted();
                    return Response.text(200, interrupted ? "interrupted" : "clean");
                })
                .build();
    }

    @AfterEach
    void stop() {
        releaseBlock.countDown();
        if (server != null) {
            server.close();
        }
    }

    /** Baseline: a head that stalls after its first byte is cut off by the header timeout. */
    @Test
    void testBaselineStalledHeadIsClosedByTheHeaderTimeout() throws Exception {
        server = new TestServer(TestServer.config(ThreadMode.VIRTUAL).withHeaderTimeout(Duration.ofMillis(300)), router());
        try (var c = new RawClient(server.address(), 3_000)) {
            assertEquals(200, c.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").status());
            c.send("G");
            assertTrue(c.closedByServer(), "a stalled head is closed within the header timeout");
        }
    }

    /**
     * A complete request followed, in the same packet, by one byte of the next: the response is held
     * (pipelined), then flushed by HttpInput.fill before the blocking read of the rest of the head.
     * HttpOutput.writeFully ended with Connection.ioEnd() (now ConnectionState.ioEnd), which wiped the HEAD deadline the parser had
     * set: the read that follows has no timeout at all. Failed at 877ba2b; fixed by 21907d1.
     */
    @Test
    void testHeaderTimeoutStillAppliesAfterAHeldResponseIsFlushed() throws Exception {
        server = new TestServer(TestServer.config(ThreadMode.VIRTUAL).withHeaderTimeout(Duration.ofMillis(300)), router());
        try (var c = new RawClient(server.address(), 3_000)) {
            c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\nG");
            assertEquals(200, c.read().status());
            assertTrue(c.closedByServer(), "the stalled second head must be closed by the header timeout (300 ms)");
        }
    }

    /**
     * Same root cause in a body read: the body timeout is wiped, and the request deadline cannot
     * interrupt a body read. Failed at 877ba2b; fixed by 21907d1.
     */
    @Test
    void testBodyTimeoutStillAppliesAfterAHeldResponseIsFlushed() throws Exception {
        server = new TestServer(TestServer.config(ThreadMode.VIRTUAL).withBodyTimeout(Duration.ofMillis(300)), router());
        try (var c = new RawClient(server.address(), 3_000)) {
            c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab");
            assertEquals(200, c.read().status());
            assertTrue(c.closedByServer(), "the stalled body must be cut off by the body timeout (300 ms)");
        }
    }

    /**
     * A cancellation that arrives while the handler is in a body read runs the one-shot hosted hook,
     * which skips the interrupt (it would close the channel). Nothing delivers it after the read: a
     * handler that finishes reading and then blocks on other work is never woken; it runs on past its
     * deadline (here 5 s past a 300 ms route timeout). Pre-existing (b8f33f5 had the same skip);
     * still fails at 21907d1.
     */
    @Test
    void testDeadlineThatPassedDuringABodyReadStillWakesTheHandlerAfterIt() throws Exception {
        server = new TestServer(ThreadMode.VIRTUAL, router());
        try (var c = new RawClient(server.address(), 2_500)) {
            c.send("POST /upload-then-work HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab");
            Eventually.until("handler started", () -> requestScope.get() != null);
            // Looking applies the passed deadline, as the sweeper does; the handler is blocked in its body read.
            Eventually.until("deadline applied", () -> requestScope.get().isCancelled());
            c.send("cd");
            assertEquals(503, c.read().status(), "the handler is woken and the deadline answered within 2.5 s");
        }
    }

    /**
     * The response to a pipelined request that is already complete is held in HttpOutput until the
     * next handler has finished: a slow handler delays an answer that was ready (here by 5 s).
     * Failed at 877ba2b; fixed by 21907d1.
     */
    @Test
    void testReadyResponseIsNotHeldWhileTheNextPipelinedHandlerRuns() throws Exception {
        server = new TestServer(ThreadMode.VIRTUAL, router());
        try (var c = new RawClient(server.address(), 2_000)) {
            c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /block HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("hello", c.read().body(), "response 1 arrives while /block still runs");
            releaseBlock.countDown();
            assertEquals("unblocked", c.read().body());
        }
    }

    /**
     * The hosted hook interrupts the handler on every cancellation, the fail-fast policy's own
     * included: the handler's join() then throws InterruptedException instead of TaskFailedException.
     * (Pre-existing: the onCancel hook before 6fdec87 did the same. Fails at 877ba2b; fixed by 8b3bbf7.)
     */
    @Test
    void testFailFastFailureReachesTheHandlerAsTaskFailedException() throws Exception {
        server = new TestServer(ThreadMode.VIRTUAL, router());
        try (var c = new RawClient(server.address(), 5_000)) {
            var reply = c.exchange("GET /fail-fast HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, reply.status(), reply.body());
            assertEquals("fallback: boom", reply.body());
        }
    }

    /**
     * The hosted hook is one per connection (ConnectionState.interruptHandler) and interrupts whatever
     * request the connection is handling when it runs. A cancellation of request 1 that is still
     * running its hooks when request 1 has ended interrupts request 2's handler. Passed at b8f33f5,
     * failed at 877ba2b; fixed by 21907d1.
     */
    @Test
    void testLateCancellationOfAnEndedRequestDoesNotInterruptTheNextOne() throws Exception {
        server = new TestServer(ThreadMode.VIRTUAL, router());
        try (var c = new RawClient(server.address(), 10_000)) {
            assertEquals("first", c.exchange("GET /first HTTP/1.1\r\nHost: x\r\n\r\n").body());
            assertEquals("clean", c.exchange("GET /second HTTP/1.1\r\nHost: x\r\n\r\n").body());
        }
    }
}
