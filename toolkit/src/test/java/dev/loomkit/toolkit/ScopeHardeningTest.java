package dev.loomkit.toolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.toolkit.sync.AsyncMutex;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Defects found by adversarial use of the toolkit (issue 9), each with the test that caught it. */
@Timeout(60)
class ScopeHardeningTest {

    /** Spins until the current scope's deadline has passed, as a task whose I/O timer fires then would. */
    private static void untilDeadline() {
        while (!Deadlines.remaining().orElseThrow().isZero()) {
            Thread.onSpinWait();
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testATimeoutAtTheDeadlineIsTheDeadlineEveryTime(ThreadMode mode) throws Exception {
        for (int i = 0; i < 100; i++) {
            boolean http = i % 2 == 0;
            try (var scope = Scope.open(mode.config("late-" + i).withTimeout(Duration.ofMillis(2)), JoinPolicy.failFast())) {
                scope.fork("call", () -> {
                    untilDeadline(); // the I/O timer handed the time left fires no earlier than this
                    if (http) {
                        throw new HttpTimeoutException("request timed out");
                    }
                    throw new SocketTimeoutException("Read timed out");
                });
                var e = assertThrows(ScopeCancelledException.class, scope::join, "run " + i);
                assertTrue(e instanceof DeadlineExceededException, "run " + i + ": " + e);
            }
        }
    }

    /** A policy whose onComplete throws: join must report it, not hang. */
    private static final class Broken implements JoinPolicy<Object, Void> {
        @Override
        public Optional<CancelReason> onComplete(Task<?> task) {
            throw new UnsupportedOperationException("policy bug");
        }

        @Override
        public Void result() {
            return null;
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testAPolicyThatThrowsSurfacesFromJoinAndTheScopeStillCloses(ThreadMode mode) throws Exception {
        var siblingWoke = new CountDownLatch(1);
        var slowStarted = new CountDownLatch(1);
        try (var scope = Scope.open(mode.config("broken"), new Broken())) {
            scope.fork("quick", () -> {
                slowStarted.await(); // ends, and so breaks the policy, only once its sibling runs
                return 1;
            });
            scope.fork("slow", () -> {
                slowStarted.countDown();
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    siblingWoke.countDown(); // the broken policy cancelled the siblings
                    throw e;
                }
                return 2;
            });
            var e = assertThrows(IllegalStateException.class, scope::join);
            assertTrue(e.getMessage().contains("join policy failed"), e.getMessage());
            assertTrue(e.getCause() instanceof UnsupportedOperationException, String.valueOf(e.getCause()));
        }
        assertTrue(siblingWoke.await(10, TimeUnit.SECONDS));
    }

    @Test
    void testTimeoutsPastWhatNanosecondsHoldSaturate() throws Exception {
        AsyncMutex mutex = AsyncMutex.create("forever");
        try (var held = mutex.lock()) {
            var waiter = Thread.ofVirtual().start(() -> {
                try {
                    mutex.tryLock(ChronoUnit.FOREVER.getDuration()); // parks "forever": until interrupted
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Await.until("the waiter queued", () -> waiter.getState() == Thread.State.WAITING || waiter.getState() == Thread.State.TIMED_WAITING);
            waiter.interrupt();
            waiter.join();
        }
        try (var scope = Scope.open(ScopeConfig.named("min").withDeadline(Instant.MIN), JoinPolicy.failFast())) {
            assertTrue(scope.isCancelled());
            assertThrows(DeadlineExceededException.class, scope::join);
        }
        try (var scope = Scope.open(ScopeConfig.named("max").withDeadline(Instant.MAX), JoinPolicy.failFast())) {
            assertFalse(scope.isCancelled());
            assertTrue(scope.timeRemaining().orElseThrow().toDays() > 36_000);
            scope.join();
        }
    }

    @Test
    void testCloseWithoutJoinComplainsEvenWhenTheForksWereRefused() {
        var scope = Scope.open("cancelled-first");
        scope.cancel("no more work");
        Task<Object> t = scope.fork("refused", () -> 1);
        assertSame(Task.State.CANCELLED, t.state());
        var e = assertThrows(IllegalStateException.class, scope::close);
        assertTrue(e.getMessage().contains("did not join before close"), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testTaskFailedExceptionNamesTaskAndScope(ThreadMode mode) throws Exception {
        try (var scope = Scope.open(mode.config("checkout"), JoinPolicy.failFast())) {
            scope.fork("payment", () -> {
                throw new IllegalStateException("declined");
            });
            var e = assertThrows(TaskFailedException.class, scope::join);
            assertEquals("task 'payment' of scope 'checkout' failed", e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testAScopeOpenedInsideACancelledOneOpensCancelledAndReportsItAtJoin(ThreadMode mode) throws Exception {
        var started = new CountDownLatch(1);
        try (var parent = Scope.open(mode.config("parent"), JoinPolicy.<Object>supervise())) {
            Task<String> inner = parent.fork("task", () -> {
                started.countDown();
                Await.until("the parent cancelled", parent::isCancelled); // opens its scope only after that
                try (var child = Scope.open("child")) { // does not throw
                    assertTrue(child.isCancelled());
                    assertEquals(CancelReason.Kind.PARENT_CANCELLED, child.cancelReason().orElseThrow().kind());
                    Task<Object> refused = child.fork("work", () -> "never runs");
                    assertSame(Task.State.CANCELLED, refused.state());
                    var e = assertThrows(ScopeCancelledException.class, child::join);
                    return e.reason().root().kind().name();
                }
            });
            started.await();
            parent.cancel("stop");
            assertThrows(ScopeCancelledException.class, parent::join);
            assertSame(Task.State.SUCCEEDED, inner.state(), String.valueOf(inner));
            assertEquals("EXPLICIT", inner.get());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testACallBodyThatReturnsWithAChildScopeOpenCancelsItAndSaysSo(ThreadMode mode) throws Exception {
        var taskWoke = new CountDownLatch(1);
        var started = new CountDownLatch(1);
        var e = assertThrows(RuntimeException.class, () -> Scope.call(mode.config("outer"), JoinPolicy.failFast(), outer -> {
            var child = Scope.open(mode.config("forgotten"), JoinPolicy.failFast()); // never closed: a bug
            child.fork("waits-to-be-cancelled", () -> {
                started.countDown();
                try {
                    new CountDownLatch(1).await();
                } finally {
                    taskWoke.countDown();
                }
                return null;
            });
            started.await();
            return "done"; // returns with the child open
        }));
        assertTrue(taskWoke.await(10, TimeUnit.SECONDS), "the abandoned child's task was cancelled, not waited for");
        assertTrue(e instanceof java.util.concurrent.StructureViolationException || e instanceof IllegalStateException, String.valueOf(e));
    }
}
