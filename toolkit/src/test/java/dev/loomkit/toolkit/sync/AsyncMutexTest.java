package dev.loomkit.toolkit.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.toolkit.Await;
import dev.loomkit.toolkit.ThreadMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(30)
class AsyncMutexTest {

    @Test
    void testLockAndReleaseWithDiagnostics() throws Exception {
        var mutex = AsyncMutex.create("diag");
        assertFalse(mutex.isLocked());
        assertEquals(Optional.empty(), mutex.holder());
        try (var guard = mutex.lock()) {
            assertTrue(mutex.isLocked());
            assertTrue(guard.isHeld());
            assertEquals(Optional.of(Thread.currentThread().getName()), mutex.holder());
            assertEquals(Optional.empty(), mutex.lockedSince(), "an uncontended hold reads no clock");
            assertEquals(0, mutex.queueLength());
            assertTrue(mutex.toString().contains("held by"), mutex.toString());
        }
        assertFalse(mutex.isLocked());
        assertEquals(Optional.empty(), mutex.holder());
        assertEquals(Optional.empty(), mutex.lockedSince());
    }

    @Test
    void testHoldSomeoneWaitsForIsTimed() throws Exception {
        var mutex = AsyncMutex.create("timed-hold");
        var waiterSince = new AtomicReference<Optional<Instant>>();
        Thread waiter;
        try (var guard = mutex.lock()) {
            Instant beforeWaiter = Instant.now();
            waiter = Thread.ofVirtual().name("waiter").start(() -> {
                try (var g = mutex.lock()) {
                    waiterSince.set(mutex.lockedSince());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Await.until("waiter queued", () -> mutex.queueLength() == 1);
            Instant since = mutex.lockedSince().orElseThrow(); // stamped by the waiter: a lower bound
            assertFalse(since.isBefore(beforeWaiter.minusMillis(5)), since + " vs " + beforeWaiter);
            assertFalse(since.isAfter(Instant.now().plusMillis(5)));
        }
        Instant released = Instant.now();
        waiter.join(10_000);
        Instant since = waiterSince.get().orElseThrow(); // a hold that began after a wait is timed
        assertFalse(since.isBefore(released.minusMillis(5)), since + " vs " + released);
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testWaitersAreServedInArrivalOrder(ThreadMode mode) throws Exception {
        var mutex = AsyncMutex.create("fifo");
        int waiters = 8;
        List<Integer> order = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        try (var guard = mutex.lock()) {
            for (int i = 0; i < waiters; i++) {
                int id = i;
                Thread t = mode.factory().newThread(() -> {
                    try (var g = mutex.lock()) {
                        order.add(id);
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                });
                t.start();
                threads.add(t);
                Await.until("waiter " + id + " queued", () -> mutex.queueLength() == id + 1);
            }
        }
        for (Thread t : threads) {
            t.join(10_000);
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7), order);
        assertFalse(mutex.isLocked());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testGuardMayBeReleasedByAnotherTaskItWasHandedTo(ThreadMode mode) throws Exception {
        var mutex = AsyncMutex.create("handoff");
        var handoff = new ArrayBlockingQueue<AsyncMutex.Guard>(1);
        var released = new CountDownLatch(1);
        Thread receiver = mode.factory().newThread(() -> {
            try {
                handoff.take().close();
                released.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        receiver.start();
        handoff.put(mutex.lock());
        assertTrue(released.await(10, TimeUnit.SECONDS));
        assertFalse(mutex.isLocked());
        receiver.join();
    }

    @Test
    void testDoubleReleaseAndStaleGuardAreRejected() throws Exception {
        var mutex = AsyncMutex.create("strict");
        var first = mutex.lock();
        first.close();
        var twice = assertThrows(IllegalStateException.class, first::close);
        assertEquals("AsyncMutex 'strict': guard already released (double release)", twice.getMessage());

        var second = mutex.lock();
        var stale = assertThrows(IllegalStateException.class, first::close);
        assertEquals("AsyncMutex 'strict': stale guard: its hold ended and the mutex has since been acquired again", stale.getMessage());
        assertTrue(second.isHeld(), "a stale release must not release the current holder");
        assertEquals(Optional.of(Thread.currentThread().getName()), mutex.holder());
        second.close();
        assertFalse(mutex.isLocked());
    }

    @Test
    void testTryLockNeverWaits() throws Exception {
        var mutex = AsyncMutex.create("try");
        try (var guard = mutex.tryLock().orElseThrow()) {
            var other = new AtomicReference<Optional<AsyncMutex.Guard>>();
            Thread t = Thread.ofVirtual().start(() -> other.set(mutex.tryLock()));
            t.join();
            assertTrue(other.get().isEmpty());
        }
        assertTrue(mutex.tryLock().map(g -> {
            g.close();
            return true;
        }).orElse(false));
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testTimedTryLockTimesOutThenSucceedsWhenReleased(ThreadMode mode) throws Exception {
        var mutex = AsyncMutex.create("timed");
        var timedOut = new AtomicReference<Optional<AsyncMutex.Guard>>();
        var acquired = new AtomicReference<Optional<AsyncMutex.Guard>>();
        var queued = new CountDownLatch(1);
        Thread t;
        try (var guard = mutex.lock()) {
            Thread first = mode.factory().newThread(() -> {
                try {
                    timedOut.set(mutex.tryLock(Duration.ofMillis(50)));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            first.start();
            first.join();
            assertTrue(timedOut.get().isEmpty());
            assertEquals(0, mutex.queueLength(), "a timed-out waiter leaves the queue");
            t = mode.factory().newThread(() -> {
                queued.countDown();
                try {
                    acquired.set(mutex.tryLock(Duration.ofSeconds(20)));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            t.start();
            queued.await();
            Await.until("second waiter queued", () -> mutex.queueLength() == 1);
        }
        t.join(10_000);
        var guard = acquired.get().orElseThrow();
        assertTrue(guard.isHeld());
        guard.close(); // released by a thread other than the one that acquired it
        assertFalse(mutex.isLocked());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testInterruptedWaiterLeavesQueueAndThrowsWithStatusCleared(ThreadMode mode) throws Exception {
        var mutex = AsyncMutex.create("interruptible");
        var thrown = new AtomicReference<Throwable>();
        var statusAfter = new AtomicBoolean(true);
        try (var guard = mutex.lock()) {
            Thread t = mode.factory().newThread(() -> {
                try {
                    mutex.lock().close();
                } catch (InterruptedException e) {
                    thrown.set(e);
                    statusAfter.set(Thread.currentThread().isInterrupted());
                }
            });
            t.start();
            Await.until("waiter queued", () -> mutex.queueLength() == 1);
            t.interrupt();
            t.join(10_000);
            assertTrue(thrown.get() instanceof InterruptedException);
            assertFalse(statusAfter.get());
            assertEquals(0, mutex.queueLength());
            assertTrue(guard.isHeld());
        }
        assertFalse(mutex.isLocked(), "nobody holds the lock once its holder released it");
    }

    @Test
    void testLockWithInterruptStatusAlreadySetThrowsAtOnce() {
        var mutex = AsyncMutex.create("pre-interrupted");
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, mutex::lock);
        assertFalse(Thread.currentThread().isInterrupted());
        assertFalse(mutex.isLocked());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testLockUninterruptiblyKeepsWaitingAndRestoresInterrupt(ThreadMode mode) throws Exception {
        var mutex = AsyncMutex.create("uninterruptible");
        var statusAfter = new AtomicBoolean();
        var got = new AtomicBoolean();
        Thread t;
        try (var guard = mutex.lock()) {
            t = mode.factory().newThread(() -> {
                try (var g = mutex.lockUninterruptibly()) {
                    got.set(true);
                    statusAfter.set(Thread.currentThread().isInterrupted());
                }
            });
            t.start();
            Await.until("waiter queued", () -> mutex.queueLength() == 1);
            t.interrupt();
            Await.until("still waiting after interrupt", () -> mutex.queueLength() == 1 && !got.get());
        }
        t.join(10_000);
        assertTrue(got.get());
        assertTrue(statusAfter.get(), "the interrupt is re-asserted once the lock is held");
    }

    @Test
    void testWithLockReleasesWhateverTheActionDoes() throws Exception {
        var mutex = AsyncMutex.create("with");
        assertEquals(42, mutex.withLock(() -> {
            assertTrue(mutex.isLocked());
            return 42;
        }));
        assertFalse(mutex.isLocked());
        var failure = new IllegalStateException("action failed");
        assertEquals(failure, assertThrows(IllegalStateException.class, () -> mutex.withLock(() -> {
            throw failure;
        })));
        assertFalse(mutex.isLocked());
    }

    @Test
    void testIsNotReentrant() throws Exception {
        var mutex = AsyncMutex.create("not-reentrant");
        try (var guard = mutex.lock()) {
            assertTrue(mutex.tryLock().isEmpty());
            assertTrue(mutex.tryLock(Duration.ofMillis(10)).isEmpty());
        }
    }
}
