package dev.loomkit.toolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.toolkit.host.HostedScopes;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A scope pays only for what it uses: no JDK scope until it forks, no deadline timer until
 * something must be woken, no registration with its parent until a cancellation must reach it.
 * What an observer sees stays the same: a passed deadline and a parent's cancellation are applied
 * when anyone looks.
 */
@Timeout(30)
class LazyScopeTest {

    @Test
    void testScopeThatForksNothingHoldsNoJdkScopeNoTimerAndNoRegistration() throws Exception {
        Scope.call(ScopeConfig.named("outer"), JoinPolicy.failFast(), outer -> {
            try (var scope = Scope.open(ScopeConfig.named("plain").withTimeout(Duration.ofSeconds(20)), JoinPolicy.failFast())) {
                var impl = (ScopeImpl<?, ?>) scope;
                assertSame(outer, scope.parent().orElseThrow());
                assertFalse(impl.hasForked());
                assertFalse(impl.hasDeadlineTimer());
                assertFalse(impl.isRegistered());
                scope.join();
                assertFalse(impl.hasForked() || impl.hasDeadlineTimer() || impl.isRegistered());
            }
            return null;
        });
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testFirstForkMakesTheScopeWithItsTimerAndRegistersUpTheChain(ThreadMode mode) throws Exception {
        Scope.call(mode.config("outer"), JoinPolicy.failFast(), outer -> {
            try (var scope = Scope.open(mode.config("forks").withTimeout(Duration.ofSeconds(20)), JoinPolicy.failFast())) {
                var impl = (ScopeImpl<?, ?>) scope;
                Task<String> t = scope.fork("t", () -> "done");
                assertTrue(impl.hasForked());
                assertTrue(impl.hasDeadlineTimer());
                assertTrue(impl.isRegistered());
                assertTrue(((ScopeImpl<?, ?>) outer).isRegistered(), "the parent is reachable from its own parent too");
                scope.join();
                assertEquals("done", t.get());
            }
            return null;
        });
    }

    @Test
    void testPassedDeadlineIsSeenWhenLookedAtWithoutAnyTimer() throws Exception {
        try (var scope = Scope.open(ScopeConfig.named("late").withTimeout(Duration.ofMillis(30)), JoinPolicy.failFast())) {
            var impl = (ScopeImpl<?, ?>) scope;
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(60);
            while (System.nanoTime() - until < 0) {
                Thread.onSpinWait(); // no blocking call: nothing but a look can notice the deadline
            }
            assertFalse(impl.hasDeadlineTimer());
            assertTrue(scope.isCancelled());
            assertEquals(CancelReason.Kind.DEADLINE, scope.cancelReason().orElseThrow().kind());
            var e = assertThrows(DeadlineExceededException.class, scope::join);
            assertTrue(e.getMessage().contains("late"), e.getMessage());
        }
    }

    @Test
    void testTasksThatEndAfterTheDeadlineMakeALateScopeEveryTime() throws Exception {
        // The task ignores interrupts and ends after the deadline: join reports the deadline, never
        // the task's success, however the timer thread is scheduled.
        for (int i = 0; i < 20; i++) {
            try (var scope = Scope.open(ScopeConfig.named("late-" + i).withTimeout(Duration.ofMillis(5)), JoinPolicy.failFast())) {
                scope.fork("busy", () -> {
                    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
                    while (System.nanoTime() - until < 0) {
                        Thread.onSpinWait();
                    }
                    return 1;
                });
                assertThrows(DeadlineExceededException.class, scope::join);
            }
        }
    }

    @Test
    void testUnregisteredChildSeesItsParentsCancellationWhenItLooks() throws Exception {
        Scope.call(ScopeConfig.named("parent"), JoinPolicy.failFast(), parent -> {
            try (var child = Scope.open("child")) {
                var impl = (ScopeImpl<?, ?>) child;
                assertFalse(impl.isRegistered());
                parent.cancel("stop");
                assertTrue(child.isCancelled());
                CancelReason reason = child.cancelReason().orElseThrow();
                assertEquals(CancelReason.Kind.PARENT_CANCELLED, reason.kind());
                assertEquals(CancelReason.Kind.EXPLICIT, reason.root().kind());
                assertThrows(ScopeCancelledException.class, child::join);
            }
            return null;
        });
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testHookRegisteredOnAPlainScopeRunsAtTheDeadlineWithoutAnyoneLooking(ThreadMode mode) throws Exception {
        var ran = new CountDownLatch(1);
        var when = new AtomicReference<Instant>();
        try (var scope = Scope.open(mode.config("hooked").withTimeout(Duration.ofMillis(50)), JoinPolicy.failFast())) {
            scope.onCancel(() -> {
                when.set(Instant.now());
                ran.countDown();
            });
            assertTrue(((ScopeImpl<?, ?>) scope).hasDeadlineTimer());
            assertTrue(ran.await(10, TimeUnit.SECONDS), "the deadline ran the hook");
            assertThrows(DeadlineExceededException.class, scope::join);
        }
    }

    @Test
    void testNestedCallsInOneThreadShareOneFrameAndRestoreTheOuterScope() throws Exception {
        Scope.call(ScopeConfig.named("connection"), JoinPolicy.failFast(), connection -> {
            for (int i = 0; i < 3; i++) {
                String inner = Scope.call(ScopeConfig.named("request-" + i), JoinPolicy.<String>failFast(), request -> {
                    assertSame(request, Scope.current().orElseThrow());
                    assertSame(connection, request.parent().orElseThrow());
                    Task<String> t = request.fork("t", () -> Scope.current().orElseThrow().name());
                    request.join();
                    return t.get();
                });
                assertEquals("request-" + i, inner);
                assertSame(connection, Scope.current().orElseThrow());
            }
            return null;
        });
        assertTrue(Scope.current().isEmpty());
    }

    @Test
    void testHostedScopeArmsNoTimerRunsItsHookOnCancelAndAppliesItsDeadlineWhenLookedAt() throws Exception {
        var hookRuns = new AtomicInteger();
        HostedScopes.call(ScopeConfig.named("request").withTimeout(Duration.ofMillis(30)), hookRuns::incrementAndGet, scope -> {
            var impl = (ScopeImpl<?, ?>) scope;
            assertSame(scope, Scope.current().orElseThrow());
            assertFalse(impl.hasDeadlineTimer());
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(60);
            while (System.nanoTime() - until < 0) {
                Thread.onSpinWait();
            }
            assertEquals(0, hookRuns.get(), "no timer: the host applies the deadline by looking");
            assertTrue(scope.isCancelled());
            // The look records the cancellation; carrying it out is left to the timer thread.
            Await.until("the hook ran", () -> hookRuns.get() == 1);
            assertTrue(Deadlines.remaining().orElseThrow().isZero());
            return null;
        });
        assertEquals(1, hookRuns.get());

        var cancelled = new CountDownLatch(1);
        HostedScopes.call(ScopeConfig.named("request").withTimeout(Duration.ofSeconds(20)), cancelled::countDown, scope -> {
            Thread.ofVirtual().start(() -> scope.cancel("from another thread"));
            assertTrue(cancelled.await(10, TimeUnit.SECONDS));
            return null;
        });
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testCallsNestedInATaskUseTheTasksFrameAndRestoreItsScope(ThreadMode mode) throws Exception {
        try (var outer = Scope.open(mode.config("outer"), JoinPolicy.<String>failFast())) {
            Task<String> task = outer.fork("task", () -> {
                StringBuilder seen = new StringBuilder();
                for (int i = 0; i < 2; i++) {
                    String inner = Scope.call(mode.config("inner-" + i), JoinPolicy.<String>failFast(), scope -> {
                        assertSame(scope, Scope.current().orElseThrow());
                        assertSame(outer, scope.parent().orElseThrow());
                        Task<String> sub = scope.fork("sub", () -> Scope.current().orElseThrow().name());
                        scope.join();
                        return sub.get();
                    });
                    seen.append(inner).append(' ');
                    assertSame(outer, Scope.current().orElseThrow(), "the task's own scope again");
                }
                return seen.toString().strip();
            });
            outer.join();
            assertEquals("inner-0 inner-1", task.get());
        }
    }

    @Test
    void testAHostedHookWakesTheOwnerForOutsideCancellationsEvenAfterThePolicyCancelled() throws Exception {
        Thread owner = Thread.currentThread();
        var hookRuns = new AtomicInteger();
        Runnable hook = () -> {
            hookRuns.incrementAndGet();
            owner.interrupt();
        };
        // A sibling fails (the fail-fast policy cancels, which must not wake the owner), then the
        // host applies the deadline by looking: that must wake the owner, once.
        HostedScopes.call(ScopeConfig.named("request").withTimeout(Duration.ofMillis(200)), hook, scope -> {
            var failed = new CountDownLatch(1);
            scope.fork("fails", () -> {
                failed.countDown();
                throw new IllegalStateException("boom");
            });
            failed.await();
            Await.until("the policy cancelled", scope::isCancelled);
            assertEquals(0, hookRuns.get(), "a policy cancellation does not interrupt the owner");
            // The host looks (as the server's sweeper does) until its look has applied the deadline.
            var host = Thread.ofPlatform().start(() -> Await.until("the deadline applied",
                    () -> scope.isCancelled() && hookRuns.get() == 1));
            assertThrows(InterruptedException.class, () -> new CountDownLatch(1).await(20, TimeUnit.SECONDS));
            host.join();
            assertThrows(TaskFailedException.class, scope::join, "join still reports the failure");
            return null;
        });
        assertEquals(1, hookRuns.get());
        assertFalse(Thread.interrupted());

        // The same with an explicit cancellation after the policy's: the owner is woken, once.
        var runs = new AtomicInteger();
        HostedScopes.call(ScopeConfig.named("request").withTimeout(Duration.ofSeconds(20)), runs::incrementAndGet, scope -> {
            scope.fork("fails", () -> {
                throw new IllegalStateException("boom");
            });
            Await.until("the policy cancelled", scope::isCancelled);
            assertFalse(scope.cancel("client left"));
            assertFalse(scope.cancel("client left again"));
            assertEquals(1, runs.get());
            assertThrows(TaskFailedException.class, scope::join);
            return null;
        });
    }
}
