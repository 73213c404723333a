package dev.loomkit.toolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Deadlines: expiry, nesting, the time remaining, and the helpers that hand it on. */
@Timeout(30)
class ScopeDeadlineTest {

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testMissedDeadlineCancelsWithReasonDeadlineAndOwnerGetsDistinctException(ThreadMode mode) throws Exception {
        var taskReason = new AtomicReference<CancelReason>();
        try (var scope = Scope.open(mode.config("timed").withTimeout(Duration.ofMillis(100)), JoinPolicy.failFast())) {
            scope.fork("too-slow", () -> {
                try {
                    new CountDownLatch(1).await();
                } finally {
                    taskReason.set(Cancellation.reason().orElse(null));
                }
            });
            var e = assertThrows(DeadlineExceededException.class, scope::join);
            assertEquals(CancelReason.Kind.DEADLINE, e.reason().kind());
        }
        assertEquals(CancelReason.Kind.DEADLINE, taskReason.get().kind());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testChildInheritsEarlierParentDeadline(ThreadMode mode) throws Exception {
        var childDeadline = new AtomicReference<Optional<Instant>>();
        var childException = new AtomicReference<Throwable>();
        try (var parent = Scope.open(mode.config("parent").withTimeout(Duration.ofMillis(200)), JoinPolicy.failFast())) {
            Instant parentDeadline = parent.deadline().orElseThrow();
            parent.fork("opens-child", () -> {
                try (var child = Scope.open(ScopeConfig.named("child").withTimeout(Duration.ofMinutes(10)), JoinPolicy.failFast())) {
                    childDeadline.set(child.deadline());
                    child.fork("blocked", () -> new CountDownLatch(1).await());
                    child.join();
                } catch (Throwable t) {
                    childException.set(t);
                    throw t;
                }
            });
            assertThrows(DeadlineExceededException.class, parent::join);
            long skewMs = Math.abs(Duration.between(parentDeadline, childDeadline.get().orElseThrow()).toMillis());
            assertTrue(skewMs < 50, "child deadline is the parent's, off by " + skewMs + " ms");
        }
        // The child's owner also learns it ran out of time: the root of its reason is the deadline.
        var e = (DeadlineExceededException) childException.get();
        assertEquals(CancelReason.Kind.PARENT_CANCELLED, e.reason().kind());
        assertTrue(e.reason().isDeadline());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testChildOwnEarlierDeadlineFiresWithoutCancellingParent(ThreadMode mode) throws Exception {
        var childException = new AtomicReference<Throwable>();
        try (var parent = Scope.open(mode.config("parent").withTimeout(Duration.ofMinutes(10)), JoinPolicy.failFast())) {
            parent.fork("opens-child", () -> {
                try (var child = Scope.open(ScopeConfig.named("child").withTimeout(Duration.ofMillis(50)), JoinPolicy.failFast())) {
                    assertTrue(child.timeRemaining().orElseThrow().compareTo(Duration.ofMillis(50)) <= 0);
                    child.fork("blocked", () -> new CountDownLatch(1).await());
                    child.join();
                } catch (DeadlineExceededException e) {
                    childException.set(e);
                }
            });
            parent.join();
            assertFalse(parent.isCancelled());
        }
        assertEquals(CancelReason.Kind.DEADLINE, ((DeadlineExceededException) childException.get()).reason().kind());
    }

    @Test
    void testWallClockDeadlineAndTimeoutTheEarlierWins() throws Exception {
        var config = ScopeConfig.named("both").withTimeout(Duration.ofMinutes(5)).withDeadline(Instant.now().plusSeconds(2));
        try (var scope = Scope.open(config, JoinPolicy.failFast())) {
            Duration left = scope.timeRemaining().orElseThrow();
            assertTrue(left.compareTo(Duration.ofSeconds(2)) <= 0 && left.compareTo(Duration.ofSeconds(1)) > 0, left.toString());
            scope.join();
        }
    }

    @Test
    void testDeadlineAlreadyPassedCancelsAtOnce() {
        var config = ScopeConfig.named("late").withDeadline(Instant.now().minusSeconds(1));
        try (var scope = Scope.open(config, JoinPolicy.failFast())) {
            assertThrows(DeadlineExceededException.class, scope::join);
            assertEquals(Duration.ZERO, scope.timeRemaining().orElseThrow());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testContextTravelsIntoForksAndNestedScopes(ThreadMode mode) throws Exception {
        var seen = new AtomicReference<String>();
        var remaining = new AtomicReference<Optional<Duration>>();
        try (var outer = Scope.open(mode.config("outer").withTimeout(Duration.ofSeconds(20)), JoinPolicy.failFast())) {
            assertTrue(Scope.current().isEmpty(), "the test thread is not a task");
            outer.fork("task", () -> {
                var here = Scope.current().orElseThrow();
                try (var inner = Scope.open("inner")) {
                    inner.fork("leaf", () -> {
                        var leafScope = Scope.current().orElseThrow();
                        seen.set(here.name() + ">" + leafScope.name() + ">" + leafScope.parent().orElseThrow().name());
                        remaining.set(Deadlines.remaining());
                        assertFalse(Cancellation.isCancelled());
                    });
                    inner.join();
                }
            });
            outer.join();
        }
        assertEquals("outer>inner>outer", seen.get());
        Duration left = remaining.get().orElseThrow();
        assertTrue(left.compareTo(Duration.ofSeconds(20)) <= 0 && left.compareTo(Duration.ofSeconds(10)) > 0, left.toString());
    }

    @Test
    void testDeadlineHelpersHandOnTheTimeRemaining() throws Exception {
        try (var server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             var scope = Scope.open(ScopeConfig.named("helpers").withTimeout(Duration.ofSeconds(3)), JoinPolicy.failFast())) {
            var soTimeout = new AtomicReference<Integer>();
            var requestTimeout = new AtomicReference<Optional<Duration>>();
            scope.fork("client", () -> {
                try (var socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                    soTimeout.set(Deadlines.applyTo(socket).getSoTimeout());
                }
                requestTimeout.set(Deadlines.applyTo(HttpRequest.newBuilder(URI.create("http://127.0.0.1/"))).build().timeout());
            });
            scope.join();
            assertTrue(soTimeout.get() > 1_000 && soTimeout.get() <= 3_000, "SO_TIMEOUT " + soTimeout.get());
            Duration t = requestTimeout.get().orElseThrow();
            assertTrue(t.compareTo(Duration.ofSeconds(3)) <= 0 && t.compareTo(Duration.ofSeconds(1)) > 0, t.toString());
        }
    }

    @Test
    void testDeadlineHelpersChangeNothingWithoutDeadlineAndThrowWhenNoTimeIsLeft() throws Exception {
        try (var server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             var socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            socket.setSoTimeout(1234);
            Deadlines.applyTo(socket); // not in a scope
            assertEquals(1234, socket.getSoTimeout());
            assertTrue(Deadlines.applyTo(HttpRequest.newBuilder(URI.create("http://127.0.0.1/"))).build().timeout().isEmpty());

            var thrown = new AtomicReference<Throwable>();
            try (var scope = Scope.open(ScopeConfig.named("spent").withDeadline(Instant.now().minusMillis(1)), JoinPolicy.supervise())) {
                // forked into an already-expired scope: the task never starts, so test from the owner's view
                scope.join();
            } catch (DeadlineExceededException e) {
                thrown.set(e);
            }
            assertTrue(thrown.get() instanceof DeadlineExceededException);

            var inTask = new AtomicReference<Throwable>();
            var parked = new CountDownLatch(1);
            try (var scope = Scope.open(ScopeConfig.named("runs-out").withTimeout(Duration.ofMillis(50)), JoinPolicy.supervise())) {
                scope.fork("ignores-interrupts", () -> {
                    // Keep running past the deadline without blocking, then ask for the time left.
                    long until = System.nanoTime() + Duration.ofMillis(150).toNanos();
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                    try {
                        Deadlines.applyTo(socket);
                    } catch (Throwable t) {
                        inTask.set(t);
                    }
                    parked.countDown();
                });
                assertThrows(DeadlineExceededException.class, scope::join);
            }
            assertTrue(inTask.get() instanceof DeadlineExceededException, String.valueOf(inTask.get()));
            assertEquals(1234, socket.getSoTimeout());
        }
    }

    @Test
    void testConfigRejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> ScopeConfig.named(" "));
        assertThrows(NullPointerException.class, () -> ScopeConfig.named(null));
        assertThrows(IllegalArgumentException.class, () -> ScopeConfig.named("x").withTimeout(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> ScopeConfig.named("x").withStragglerAfter(Duration.ZERO));
        assertEquals(1, Deadlines.toTimeoutMillis(Duration.ofNanos(1)), "never 0, which would mean forever");
        assertEquals(2, Deadlines.toTimeoutMillis(Duration.ofMillis(1).plusNanos(1)));
    }
}
