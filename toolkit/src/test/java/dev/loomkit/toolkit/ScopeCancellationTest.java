package dev.loomkit.toolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Cancellation: reasons, nesting, watchers, hooks, and that no thread outlives its scope. */
@Timeout(60)
class ScopeCancellationTest {

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testCancelFromWatcherThreadReachesTasksAndOwner(ThreadMode mode) throws Exception {
        var started = new CountDownLatch(1);
        var seenByTask = new AtomicReference<CancelReason>();
        try (var scope = Scope.open(mode.config("watched"), JoinPolicy.failFast())) {
            scope.fork("blocked", () -> {
                started.countDown();
                try {
                    new CountDownLatch(1).await();
                } catch (InterruptedException e) {
                    seenByTask.set(Cancellation.reason().orElse(null));
                    throw e;
                }
            });
            started.await();
            Thread watcher = Thread.ofPlatform().start(() -> scope.cancel("watcher says stop"));
            var e = assertThrows(ScopeCancelledException.class, scope::join);
            watcher.join();
            assertEquals(CancelReason.Kind.EXPLICIT, e.reason().kind());
            assertEquals("watcher says stop", e.reason().message());
            assertEquals(e.reason(), seenByTask.get(), "the task sees the same reason");
            assertFalse(scope.cancel("again"), "only the first reason is kept");
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testCancellingRootCancelsEveryDescendantAndNoThreadOutlivesTheScope(ThreadMode mode) throws Exception {
        int fan = mode == ThreadMode.VIRTUAL ? 22 : 10; // 22^3 = 10,648 leaves; 10^3 = 1,000 platform threads
        int leaves = fan * fan * fan;
        var allStarted = new CountDownLatch(leaves);
        Queue<Thread> threads = new ConcurrentLinkedQueue<>();
        Queue<CancelReason> leafReasons = new ConcurrentLinkedQueue<>();
        try (var root = Scope.open(mode.config("root"), JoinPolicy.failFast())) {
            for (int i = 0; i < fan; i++) {
                root.fork("a" + i, () -> {
                    threads.add(Thread.currentThread());
                    try (var child = Scope.open("child", JoinPolicy.failFast())) {
                        for (int j = 0; j < fan; j++) {
                            child.fork("b" + j, () -> {
                                threads.add(Thread.currentThread());
                                try (var grandchild = Scope.open("grandchild", JoinPolicy.failFast())) {
                                    for (int k = 0; k < fan; k++) {
                                        grandchild.fork("c" + k, () -> {
                                            threads.add(Thread.currentThread());
                                            allStarted.countDown();
                                            try {
                                                new CountDownLatch(1).await();
                                            } catch (InterruptedException e) {
                                                leafReasons.add(Cancellation.reason().orElseThrow());
                                                throw e;
                                            }
                                        });
                                    }
                                    grandchild.join();
                                }
                            });
                        }
                        child.join();
                    }
                });
            }
            assertTrue(allStarted.await(40, TimeUnit.SECONDS), "all leaves started");
            root.cancel("shutting the tree down");
            var e = assertThrows(ScopeCancelledException.class, root::join);
            assertEquals("shutting the tree down", e.reason().message());
        }
        assertEquals(leaves + fan + fan * fan, threads.size());
        assertAllEnded(threads);
        assertEquals(leaves, leafReasons.size());
        for (CancelReason r : leafReasons) {
            assertEquals(CancelReason.Kind.PARENT_CANCELLED, r.kind());
            assertEquals(CancelReason.Kind.PARENT_CANCELLED, r.parent().kind());
            assertEquals("shutting the tree down", r.root().message());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testNormalCompletionOfThousandsOfTasksLeavesNoThread(ThreadMode mode) throws Exception {
        int n = mode.scale(10_000);
        Queue<Thread> threads = new ConcurrentLinkedQueue<>();
        var sum = new AtomicInteger();
        try (var scope = Scope.open(mode.config("many"), JoinPolicy.failFast())) {
            for (int i = 0; i < n; i++) {
                int v = i;
                scope.fork("t" + i, () -> {
                    threads.add(Thread.currentThread());
                    sum.addAndGet(v);
                });
            }
            scope.join();
        }
        assertEquals(n, threads.size());
        assertEquals((long) n * (n - 1) / 2, sum.get());
        assertAllEnded(threads);
    }

    /**
     * Every task body has returned once the scope closes; a platform thread may still be unwinding
     * its exit in the VM for a moment, so allow a short, bounded join. A leaked task, blocked or
     * running, would still be alive after it.
     */
    static void assertAllEnded(Queue<Thread> threads) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (Thread t : threads) {
            t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        }
        List<Thread> alive = threads.stream().filter(Thread::isAlive).toList();
        assertEquals(List.of(), alive, "threads left after the scope closed");
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testScopeOpenedInCancelledParentIsBornCancelled(ThreadMode mode) throws Exception {
        var reason = new AtomicReference<CancelReason>();
        var state = new AtomicReference<Task.State>();
        try (var root = Scope.open(mode.config("root"), JoinPolicy.supervise())) {
            root.fork("late", () -> {
                root.cancel("cancelled before the child opened");
                try (var child = Scope.open("child")) {
                    var t = child.fork("never-started", () -> "x");
                    assertThrows(ScopeCancelledException.class, child::join);
                    reason.set(child.cancelReason().orElseThrow());
                    state.set(t.state());
                }
            });
            assertThrows(ScopeCancelledException.class, root::join);
        }
        assertEquals(CancelReason.Kind.PARENT_CANCELLED, reason.get().kind());
        assertEquals(Task.State.CANCELLED, state.get());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testOnCancelHookRunsOnceOnCancellation(ThreadMode mode) throws Exception {
        var runs = new AtomicInteger();
        var registered = new CountDownLatch(1);
        try (var scope = Scope.open(mode.config("hooked"), JoinPolicy.failFast())) {
            scope.fork("uses-a-handle", () -> {
                try (var hook = Cancellation.onCancel(runs::incrementAndGet)) {
                    registered.countDown();
                    new CountDownLatch(1).await();
                }
                return null;
            });
            registered.await();
            scope.cancel("stop");
            scope.cancel("stop again");
            assertThrows(ScopeCancelledException.class, scope::join);
        }
        assertEquals(1, runs.get());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testOnCancelHookNeverRunsAfterNormalCloseOrDeregistration(ThreadMode mode) throws Exception {
        var runs = new AtomicInteger();
        Scope<Object, Void> escaped;
        try (var scope = Scope.open(mode.config("calm"), JoinPolicy.failFast())) {
            escaped = scope;
            scope.onCancel(runs::incrementAndGet);
            scope.onCancel(runs::incrementAndGet).close(); // deregistered
            scope.fork("work", () -> "ok");
            scope.join();
        }
        assertFalse(escaped.cancel("after close"), "a closed scope cannot be cancelled");
        assertEquals(0, runs.get());
        assertThrows(IllegalStateException.class, () -> escaped.onCancel(runs::incrementAndGet));

        try (var scope = Scope.open(mode.config("deregistered"), JoinPolicy.failFast())) {
            scope.onCancel(runs::incrementAndGet).close();
            scope.cancel("now");
            assertThrows(ScopeCancelledException.class, scope::join);
        }
        assertEquals(0, runs.get());
    }

    @Test
    void testOnCancelHookRegisteredAfterCancellationRunsAtOnce() throws Exception {
        var runs = new AtomicInteger();
        try (var scope = Scope.open("already")) {
            scope.cancel("first");
            scope.onCancel(runs::incrementAndGet);
            assertEquals(1, runs.get());
            assertThrows(ScopeCancelledException.class, scope::join);
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testOwnerInterruptedInJoinCancelsTheScope(ThreadMode mode) throws Exception {
        var ownerResult = new AtomicReference<Throwable>();
        var taskReason = new AtomicReference<CancelReason>();
        var started = new CountDownLatch(1);
        Thread owner = Thread.ofPlatform().start(() -> {
            try (var scope = Scope.open(mode.config("interrupted-owner"), JoinPolicy.failFast())) {
                scope.fork("blocked", () -> {
                    started.countDown();
                    try {
                        new CountDownLatch(1).await();
                    } finally {
                        taskReason.set(Cancellation.reason().orElse(null));
                    }
                    return null;
                });
                scope.join();
            } catch (Throwable t) {
                ownerResult.set(t);
            }
        });
        started.await();
        owner.interrupt();
        owner.join(10_000);
        assertFalse(owner.isAlive());
        assertTrue(ownerResult.get() instanceof InterruptedException, String.valueOf(ownerResult.get()));
        assertEquals(CancelReason.Kind.OWNER_INTERRUPTED, taskReason.get().kind());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testClosingWithoutJoinCancelsAsAbandonedAndComplains(ThreadMode mode) throws Exception {
        var reason = new AtomicReference<CancelReason>();
        var started = new CountDownLatch(1);
        var failure = new RuntimeException("the block failed before join");
        var thrown = assertThrows(RuntimeException.class, () -> {
            try (var scope = Scope.open(mode.config("abandoned"), JoinPolicy.failFast())) {
                scope.fork("blocked", () -> {
                    started.countDown();
                    try {
                        new CountDownLatch(1).await();
                    } finally {
                        reason.set(Cancellation.reason().orElse(null));
                    }
                    return null;
                });
                started.await();
                throw failure;
            }
        });
        assertEquals(failure, thrown);
        assertEquals(CancelReason.Kind.ABANDONED, reason.get().kind());
        assertEquals(1, thrown.getSuppressed().length);
        assertTrue(thrown.getSuppressed()[0].getMessage().contains("did not join"), thrown.getSuppressed()[0].getMessage());
    }

    @Test
    void testCancelReasonValidatesParentLink() {
        assertThrows(IllegalArgumentException.class,
                () -> new CancelReason(CancelReason.Kind.PARENT_CANCELLED, "no parent", null, null));
        assertThrows(IllegalArgumentException.class,
                () -> new CancelReason(CancelReason.Kind.EXPLICIT, "x", null, CancelReason.explicit("y")));
        var chain = CancelReason.parentCancelled("p", CancelReason.clientDisconnected("client 1 reset"));
        assertEquals(CancelReason.Kind.CLIENT_DISCONNECTED, chain.root().kind());
        assertEquals("client_disconnected", chain.root().kind().tag());
        assertTrue(chain.toString().contains("client 1 reset"));
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testForkIntoCancelledScopeReturnsCancelledTaskWithoutStartingIt(ThreadMode mode) throws Exception {
        var ran = new AtomicInteger();
        List<Task<Object>> tasks = new ArrayList<>();
        try (var scope = Scope.open(mode.config("cancelled-first"), JoinPolicy.failFast())) {
            scope.cancel("before any fork");
            for (int i = 0; i < 5; i++) {
                tasks.add(scope.fork("t" + i, ran::incrementAndGet));
            }
            assertThrows(ScopeCancelledException.class, scope::join);
        }
        assertEquals(0, ran.get());
        assertTrue(tasks.stream().allMatch(t -> t.state() == Task.State.CANCELLED));
    }
}
