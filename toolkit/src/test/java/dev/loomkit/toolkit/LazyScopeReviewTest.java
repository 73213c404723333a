package dev.loomkit.toolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.loomkit.toolkit.host.HostedScopes;
import java.util.concurrent.StructureViolationException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Review of the lazy-scope / frame-reuse change (f3ee519..): cases where making the JDK scope at
 * the first fork, under whatever binding and container stack the owner has at that moment, differs
 * from making it at open.
 */
@Timeout(30)
class LazyScopeReviewTest {

    /**
     * Before frame reuse, {@code outer.fork} from a nested {@code Scope.call} body failed at once
     * (the nested call had its own ScopedValue binding). Now the binding is the same, so the fork
     * goes through, and if it is the outer scope's first fork its JDK scope opens above the inner
     * one: the inner scope's close then fails with the JDK's StructureViolationException, at a
     * distance from the call that caused it. Either outcome below is acceptable; the third is not.
     */
    @Test
    void testForkIntoOuterScopeFromNestedCallFailsAtTheForkOrWorks() throws Exception {
        var failure = new AtomicReference<Throwable>();
        Scope.call(ScopeConfig.named("outer"), JoinPolicy.failFast(), outer -> {
            try {
                Scope.call(ScopeConfig.named("inner"), JoinPolicy.failFast(), inner -> {
                    inner.fork("a", () -> 1);
                    try {
                        outer.fork("b", () -> 2); // the outer scope's first fork
                    } catch (StructureViolationException | IllegalStateException rejectedAtFork) {
                        inner.join();
                        return null; // the old behaviour: refused where the mistake is
                    }
                    inner.join();
                    return null;
                });
            } catch (Throwable t) {
                failure.set(t);
            }
            try {
                outer.join();
            } catch (Throwable t) {
                if (failure.get() == null) {
                    failure.set(t);
                }
            }
            return null;
        });
        if (failure.get() != null) {
            fail("fork into the outer scope was accepted, then broke a later close/join: " + failure.get(), failure.get());
        }
    }

    /**
     * Follow-on of the case above: the inner close pops the outer scope's JDK container forcefully
     * (it was above the inner one), so a later fork into the outer scope is silently dropped by the
     * JDK and the outer join never returns.
     */
    @Test
    @Timeout(5)
    void testOuterScopeStillWorksAfterTheInnerCloseFailed() throws Exception {
        Scope.call(ScopeConfig.named("outer"), JoinPolicy.failFast(), outer -> {
            try {
                Scope.call(ScopeConfig.named("inner"), JoinPolicy.failFast(), inner -> {
                    inner.fork("a", () -> 1);
                    try {
                        outer.fork("b", () -> 2);
                    } catch (StructureViolationException | IllegalStateException rejectedAtFork) {
                        // old behaviour
                    }
                    inner.join();
                    return null;
                });
            } catch (StructureViolationException afterTheFact) {
                // new behaviour; a caller may well catch and go on
            }
            try {
                outer.fork("c", () -> 3);
            } catch (RuntimeException refused) {
                return null; // refused loudly is fine
            }
            outer.join(); // hangs now: 'c' was dropped by the JDK
            return null;
        });
    }

    /**
     * The JDK scope is opened at the first fork, under whatever ScopedValue bindings the owner has
     * then. If that is inside a user's {@code ScopedValue.where(..).call(..)}, the JDK closes the
     * container forcefully when that call returns (StructureViolationException out of the user's
     * call), and every later fork of the scope is silently dropped by the JDK (its fork swallows the
     * flock's IllegalStateException): the task never runs, and join() waits forever. With the eager
     * JDK scope, the fork inside the binding was refused at once and later forks worked.
     */
    @Test
    @Timeout(5)
    void testFirstForkInsideAUserBindingDoesNotMakeALaterJoinHang() throws Exception {
        ScopedValue<String> user = ScopedValue.newInstance();
        try {
            firstForkInsideAUserBinding(user);
        } catch (IllegalStateException reported) {
            // the broken structure is reported: close says the refused fork was never joined
        }
    }

    private static void firstForkInsideAUserBinding(ScopedValue<String> user) throws Exception {
        Scope.call(ScopeConfig.named("s"), JoinPolicy.failFast(), s -> {
            try {
                ScopedValue.where(user, "u").call(() -> s.fork("inside", () -> 1));
            } catch (StructureViolationException expected) {
                // refused: old behaviour at the fork, new behaviour when the binding ends
            }
            try {
                s.fork("outside", () -> 2);
            } catch (RuntimeException refused) {
                return null; // refused loudly is fine
            }
            s.join(); // hangs now: the 'outside' task was dropped by the JDK and never ends
            return null;
        });
    }

    /**
     * A hosted scope's hook ran on every cancellation, including the policy's own (fail-fast after a
     * task failed): a host whose hook interrupts the owner (as the server's does) turned the owner's
     * join into an InterruptedException instead of TaskFailedException. Failed at 877ba2b; fixed by
     * 8b3bbf7 (kept as a regression test).
     */
    @Test
    void testFailFastFailureInAHostedScopeWhoseHookInterruptsTheOwner() throws Exception {
        Thread owner = Thread.currentThread();
        Throwable thrown = HostedScopes.call(ScopeConfig.named("request"), owner::interrupt, scope -> {
            scope.fork("bad", () -> {
                // fail once the owner waits in join, as a slower sibling would make it
                Await.until("owner parked in join", () -> owner.getState() == Thread.State.WAITING);
                throw new IllegalStateException("boom");
            });
            try {
                scope.join();
                return null;
            } catch (Throwable t) {
                return t;
            } finally {
                Thread.interrupted();
            }
        });
        assertInstanceOf(TaskFailedException.class, thrown, "join threw " + thrown);
        assertEquals("boom", thrown.getCause().getMessage());
    }

    /**
     * With lazy settling, a read (isCancelled, cancelReason, throwIfCancelled, Deadlines.applyTo)
     * that finds a passed deadline performs the cancellation itself: the claimed on-cancel hooks run
     * synchronously in the reading thread. A task that checks for cancellation while holding a
     * non-reentrant lock that a hook needs then waits on itself. With a timer (the eager scope), the
     * hook ran on the timer thread and simply waited for the lock. A hosted scope has no timer, so
     * this is deterministic there; a plain scope does the same whenever a reader beats its timer.
     */
    @Test
    void testHookDoesNotRunInsideTheReaderThatHoldsTheLockItNeeds() throws Exception {
        var lock = new java.util.concurrent.Semaphore(1);
        var hookGotLock = new java.util.concurrent.atomic.AtomicBoolean();
        var hookThread = new AtomicReference<Thread>();
        var hookDone = new java.util.concurrent.CountDownLatch(1);
        HostedScopes.call(ScopeConfig.named("request").withTimeout(java.time.Duration.ofMillis(20)), () -> { }, scope -> {
            scope.onCancel(() -> {
                hookThread.set(Thread.currentThread());
                try {
                    if (lock.tryAcquire(2, java.util.concurrent.TimeUnit.SECONDS)) { // a real hook would wait for ever
                        hookGotLock.set(true);
                        lock.release();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    hookDone.countDown();
                }
            });
            Task<Thread> worker = scope.fork("worker", () -> {
                lock.acquire();
                try {
                    long until = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(40);
                    while (System.nanoTime() - until < 0) {
                        Thread.onSpinWait(); // CPU-bound work past the deadline
                    }
                    Cancellation.isCancelled(); // the cooperative check the docs recommend
                    return Thread.currentThread();
                } finally {
                    lock.release();
                }
            });
            try {
                scope.join();
            } catch (DeadlineExceededException expected) {
                // the deadline passed
            }
            return null;
        });
        assertTrue(hookDone.await(10, java.util.concurrent.TimeUnit.SECONDS), "the hook ran");
        assertEquals(true, hookGotLock.get(), "the hook ran in " + hookThread.get() + ", the thread holding the lock it needs");
    }

    @Test
    void testSanityNotHostedFailFastThrowsTaskFailed() {
        assertThrows(TaskFailedException.class, () -> Scope.call(ScopeConfig.named("plain"), JoinPolicy.failFast(), scope -> {
            scope.fork("bad", () -> {
                throw new IllegalStateException("boom");
            });
            scope.join();
            return null;
        }));
    }

    /**
     * A deadline applied by a look in a task is carried out on the timer thread while the owner
     * closes the scope: the owner's close must not drop the hooks the timer thread is about to
     * claim (it did, now and then: "the hook ran" above timed out once in five suite runs).
     * Many short rounds make the interleaving likely; every hook must run exactly once.
     */
    @Test
    void testEveryHookRunsWhenCloseRacesTheTimerThreadsCarryOut() throws Exception {
        int rounds = 400;
        var ran = new java.util.concurrent.atomic.AtomicInteger();
        var cancelled = new java.util.concurrent.atomic.AtomicInteger();
        for (int i = 0; i < rounds; i++) {
            HostedScopes.call(ScopeConfig.named("race").withTimeout(java.time.Duration.ofNanos(100_000)), () -> { }, scope -> {
                scope.onCancel(ran::incrementAndGet);
                scope.fork("looker", () -> {
                    long until = System.nanoTime() + 200_000;
                    while (System.nanoTime() - until < 0) {
                        Thread.onSpinWait(); // past the deadline
                    }
                    return Cancellation.isCancelled(); // the look that applies the passed deadline
                });
                try {
                    scope.join();
                } catch (ScopeCancelledException expected) {
                    cancelled.incrementAndGet(); // the deadline passed: the hook must run
                }
                return null;
            });
        }
        // A hosted scope's deadline is applied only by a look; here the looker looks after it passed.
        assertEquals(rounds, cancelled.get(), "rounds cancelled by their deadline");
        Await.until("every hook to run", () -> ran.get() == rounds);
        assertEquals(rounds, ran.get());
    }
}
