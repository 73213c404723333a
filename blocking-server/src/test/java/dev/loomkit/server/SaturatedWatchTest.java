package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.toolkit.CancelReason;
import dev.loomkit.toolkit.Scope;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * While the CPUs are saturated, the client-gone watch starts only after ten client-gone delays;
 * otherwise after one. The saturation signal is given (always, or never saturated), so the test
 * does not depend on how busy the machine is; the one duration it asserts is a lower bound, which
 * load can only lengthen.
 */
@Timeout(60)
class SaturatedWatchTest {
    private static final Duration DELAY = Duration.ofMillis(30);

    private record Outcome(long cancelledAfterNanos, CancelReason reason) {
    }

    private static Outcome clientLeavesABlockedHandler(ThreadMode mode, java.util.function.LongPredicate saturated) throws Exception {
        var started = new CountDownLatch(1);
        var cancelled = new CountDownLatch(1);
        var startedAt = new AtomicLong();
        var cancelledAt = new AtomicLong();
        var reason = new AtomicReference<CancelReason>();
        var router = Router.builder().get("/block", r -> {
            startedAt.set(System.nanoTime());
            started.countDown();
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                cancelledAt.set(System.nanoTime());
                reason.set(Scope.current().orElseThrow().cancelReason().orElse(null));
                cancelled.countDown();
                Thread.currentThread().interrupt();
            }
            return Response.text(200, "late");
        }).build();
        var config = TestServer.config(mode).withClientGoneCheckAfter(DELAY);
        try (var server = new TestServer(config, router, saturated)) {
            try (var c = server.raw()) {
                c.send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
                assertTrue(started.await(10, TimeUnit.SECONDS), "the handler did not start");
            } // the client leaves at once
            assertTrue(cancelled.await(20, TimeUnit.SECONDS), "the handler was not cancelled after its client left");
        }
        return new Outcome(cancelledAt.get() - startedAt.get(), reason.get());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testSaturatedTheWatchStartsAfterTenDelays(ThreadMode mode) throws Exception {
        var outcome = clientLeavesABlockedHandler(mode, now -> true);
        assertEquals(CancelReason.Kind.CLIENT_DISCONNECTED, outcome.reason().root().kind(), outcome.reason().toString());
        long afterMs = TimeUnit.NANOSECONDS.toMillis(outcome.cancelledAfterNanos());
        // Ten delays are 300 ms from when handling began, which is just before the handler's first line.
        assertTrue(afterMs >= 10 * DELAY.toMillis() - 20, "watched " + afterMs + " ms into the handler, before ten delays");
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testNotSaturatedTheClientLeavingStillCancels(ThreadMode mode) throws Exception {
        var outcome = clientLeavesABlockedHandler(mode, TestServer.NEVER_SATURATED);
        assertEquals(CancelReason.Kind.CLIENT_DISCONNECTED, outcome.reason().root().kind(), outcome.reason().toString());
    }
}
