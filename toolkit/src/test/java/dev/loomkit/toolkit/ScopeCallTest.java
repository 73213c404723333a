package dev.loomkit.toolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Scope.call: the owner's body runs inside the scope it owns. */
@Timeout(30)
class ScopeCallTest {

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testBodyRunsInsideItsScopeAndMayForkIntoIt(ThreadMode mode) throws Exception {
        var config = mode.config("request").withTimeout(Duration.ofSeconds(20));
        String result = Scope.call(config, JoinPolicy.<String>failFast(), scope -> {
            assertSame(scope, Scope.current().orElseThrow());
            Duration left = Deadlines.remaining().orElseThrow();
            assertTrue(left.compareTo(Duration.ofSeconds(10)) > 0, left.toString());
            Task<String> a = scope.fork("a", () -> Scope.current().orElseThrow().name());
            try (var child = Scope.open("child")) {
                assertSame(scope, child.parent().orElseThrow());
                child.join();
            }
            scope.join();
            return a.get();
        });
        assertEquals("request", result);
        assertTrue(Scope.current().isEmpty());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testCancellingTheScopeCancelsScopesOpenedByTheBody(ThreadMode mode) throws Exception {
        var started = new CountDownLatch(1);
        var leafReason = new AtomicReference<CancelReason>();
        var outer = new AtomicReference<Scope<?, ?>>();
        Thread canceller = Thread.ofPlatform().start(() -> {
            try {
                started.await();
                outer.get().cancel(CancelReason.clientDisconnected("peer reset"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        var e = assertThrows(ScopeCancelledException.class, () -> Scope.call(mode.config("request"), JoinPolicy.failFast(), scope -> {
            outer.set(scope);
            try (var fanout = Scope.open("fanout")) {
                fanout.fork("leaf", () -> {
                    started.countDown();
                    try {
                        new CountDownLatch(1).await();
                    } finally {
                        leafReason.set(Cancellation.reason().orElse(null));
                    }
                });
                fanout.join();
            }
            return null;
        }));
        canceller.join();
        assertEquals(CancelReason.Kind.PARENT_CANCELLED, e.reason().kind());
        assertEquals(CancelReason.Kind.CLIENT_DISCONNECTED, leafReason.get().root().kind());
    }

    @Test
    void testOnCancelHookCanWakeTheBodyItself() throws Exception {
        var owner = Thread.currentThread();
        var e = assertThrows(InterruptedException.class, () -> Scope.call(ScopeConfig.named("self").withTimeout(Duration.ofMillis(50)),
                JoinPolicy.failFast(), scope -> {
                    scope.onCancel(owner::interrupt);
                    new CountDownLatch(1).await(); // the body blocks; the deadline's hook wakes it
                    return null;
                }));
        assertTrue(e instanceof InterruptedException);
        Thread.interrupted();
    }

    @Test
    void testBodyExceptionPassesThroughAndUnjoinedForksAreReported() {
        var failure = new IllegalStateException("handler failed");
        var e = assertThrows(IllegalStateException.class, () -> Scope.call(ScopeConfig.named("sloppy"), JoinPolicy.failFast(), scope -> {
            scope.fork("never-joined", () -> new CountDownLatch(1).await());
            throw failure;
        }));
        assertSame(failure, e);
        assertEquals(1, e.getSuppressed().length);
        assertTrue(e.getSuppressed()[0].getMessage().contains("did not join"));
    }
}
