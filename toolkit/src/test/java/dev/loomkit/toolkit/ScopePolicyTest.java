package dev.loomkit.toolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The built-in join policies and a custom one, under both thread modes. */
@Timeout(30)
class ScopePolicyTest {

    static void blockUntilInterrupted() throws InterruptedException {
        new CountDownLatch(1).await();
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testFailFastCancelsSiblingsAndRethrowsFirstFailure(ThreadMode mode) throws Exception {
        var boom = new IllegalStateException("boom");
        var siblingStarted = new CountDownLatch(1);
        Task<Object> sibling;
        try (var scope = Scope.open(mode.config("fail-fast"), JoinPolicy.failFast())) {
            sibling = scope.fork("sibling", () -> {
                siblingStarted.countDown();
                blockUntilInterrupted();
                return "never";
            });
            siblingStarted.await();
            scope.fork("failing", () -> {
                throw boom;
            });
            var e = assertThrows(TaskFailedException.class, scope::join);
            assertSame(boom, e.getCause());
            assertEquals(0, e.getSuppressed().length, "a sibling that was cancelled is not a failure");
            assertEquals(CancelReason.Kind.SIBLING_FAILED, scope.cancelReason().orElseThrow().kind());
        }
        assertEquals(Task.State.CANCELLED, sibling.state());
        assertInstanceOf(InterruptedException.class, sibling.exception());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testFailFastAttachesOtherFailuresAsSuppressed(ThreadMode mode) throws Exception {
        var first = new IllegalStateException("first");
        var second = new IllegalArgumentException("second, on its own");
        var secondStarted = new CountDownLatch(1);
        try (var scope = Scope.open(mode.config("fail-fast"), JoinPolicy.failFast())) {
            scope.fork("second", () -> {
                secondStarted.countDown();
                try {
                    blockUntilInterrupted();
                } catch (InterruptedException e) {
                    // Cancelled by the first failure; it then fails for a reason of its own, with the
                    // interrupt handled, so this is a genuine failure and not a cancellation artifact.
                    throw second;
                }
            });
            secondStarted.await();
            scope.fork("first", () -> {
                throw first;
            });
            var e = assertThrows(TaskFailedException.class, scope::join);
            assertSame(first, e.getCause());
            assertEquals(List.of(second), Arrays.asList(e.getSuppressed()));
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testFailFastReturnsWhenAllSucceed(ThreadMode mode) throws Exception {
        try (var scope = Scope.open(mode.config("ok"), JoinPolicy.<Integer>failFast())) {
            var a = scope.fork("a", () -> 1);
            var b = scope.fork("b", () -> 2);
            assertNull(scope.join());
            assertEquals(3, a.get() + b.get());
            assertEquals(Task.State.SUCCEEDED, a.state());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testSuperviseCollectsEveryOutcomeAndSiblingsRunOn(ThreadMode mode) throws Exception {
        var failure = new RuntimeException("one fails");
        var failed = new CountDownLatch(1);
        try (var scope = Scope.open(mode.config("supervise"), JoinPolicy.<String>supervise())) {
            scope.fork("fails", () -> {
                try {
                    throw failure;
                } finally {
                    failed.countDown();
                }
            });
            scope.fork("runs-on", () -> {
                failed.await(); // still running after its sibling failed: nothing cancelled it
                return "done";
            });
            List<Task<String>> tasks = scope.join();
            assertEquals(2, tasks.size());
            assertEquals(Task.State.FAILED, tasks.get(0).state());
            assertSame(failure, tasks.get(0).exception());
            assertEquals(Task.State.SUCCEEDED, tasks.get(1).state());
            assertEquals("done", tasks.get(1).get());
            assertTrue(!scope.isCancelled());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testRaceFirstSuccessWinsAndCancelsTheRest(ThreadMode mode) throws Exception {
        Task<String> slow;
        try (var scope = Scope.open(mode.config("race"), JoinPolicy.<String>race())) {
            slow = scope.fork("slow", () -> {
                blockUntilInterrupted();
                return "slow";
            });
            scope.fork("failing", () -> {
                throw new RuntimeException("a failure does not end a race");
            });
            scope.fork("fast", () -> "fast");
            assertEquals("fast", scope.join());
            assertEquals(CancelReason.Kind.RACE_WON, scope.cancelReason().orElseThrow().kind());
        }
        assertEquals(Task.State.CANCELLED, slow.state());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testRaceReportsAllFailuresWhenNoneSucceeds(ThreadMode mode) throws Exception {
        try (var scope = Scope.open(mode.config("race"), JoinPolicy.<String>race())) {
            for (int i = 0; i < 3; i++) {
                int n = i;
                scope.fork("t" + i, () -> {
                    throw new IllegalStateException("failure " + n);
                });
            }
            var e = assertThrows(TaskFailedException.class, scope::join);
            assertEquals(2, e.getSuppressed().length);
            assertTrue(e.getMessage().contains("all 3 tasks failed"), e.getMessage());
        }
    }

    /** Done when two tasks have succeeded: the third, blocked, is cancelled by the policy. */
    static final class FirstTwo implements JoinPolicy<String, List<String>> {
        private final Queue<String> results = new ConcurrentLinkedQueue<>();

        @Override
        public Optional<CancelReason> onComplete(Task<? extends String> task) {
            if (task.state() == Task.State.SUCCEEDED) {
                results.add(task.get());
            }
            return results.size() >= 2 ? Optional.of(new CancelReason(CancelReason.Kind.POLICY, "have two", null, null))
                    : Optional.empty();
        }

        @Override
        public List<String> result() {
            return List.copyOf(results);
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testCustomPolicyDecidesWhenTheScopeIsDone(ThreadMode mode) throws Exception {
        Task<String> blocked;
        try (var scope = Scope.open(mode.config("custom"), new FirstTwo())) {
            blocked = scope.fork("blocked", () -> {
                blockUntilInterrupted();
                return "never";
            });
            scope.fork("a", () -> "a");
            scope.fork("b", () -> "b");
            List<String> result = scope.join();
            assertEquals(2, result.size());
            assertTrue(result.containsAll(List.of("a", "b")));
        }
        assertEquals(Task.State.CANCELLED, blocked.state());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testJoinWaitsForEveryTaskToEnd(ThreadMode mode) throws Exception {
        var release = new CountDownLatch(1);
        try (var scope = Scope.open(mode.config("waits"), JoinPolicy.failFast())) {
            var task = scope.fork("slow", () -> release.await(10, TimeUnit.SECONDS));
            scope.fork("releaser", release::countDown);
            scope.join();
            assertEquals(Task.State.SUCCEEDED, task.state());
        }
    }
}
