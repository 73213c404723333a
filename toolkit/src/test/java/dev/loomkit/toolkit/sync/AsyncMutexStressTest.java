package dev.loomkit.toolkit.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.toolkit.Await;
import dev.loomkit.toolkit.ThreadMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Thousands of threads take the mutex in all four shapes while a chaos thread interrupts them at
 * random. Invariants: never two holders at once; every acquisition is released exactly once (the
 * unguarded counter matches); at the end the mutex is unlocked with an empty queue. Scales with CI.
 */
@Timeout(120)
class AsyncMutexStressTest {
    private static final boolean CI = System.getenv("CI") != null && !System.getenv("CI").isBlank();

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testMutualExclusionAndNoLostLockUnderRandomCancellation(ThreadMode mode) throws Exception {
        int threads = mode.scale(CI ? 2_000 : 5_000);
        int rounds = CI ? 20 : 40;
        var mutex = AsyncMutex.create("stress-" + mode);
        var inside = new AtomicInteger();
        var violations = new AtomicInteger();
        var acquisitions = new AtomicLong();
        var interrupts = new AtomicLong();
        var timeouts = new AtomicLong();
        long[] unguarded = {0}; // incremented only under the mutex: any overlap loses updates
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread t = mode.factory().newThread(() -> {
                var random = ThreadLocalRandom.current();
                for (int r = 0; r < rounds; r++) {
                    AsyncMutex.Guard guard = null;
                    try {
                        guard = switch (random.nextInt(4)) {
                            case 0 -> mutex.lock();
                            case 1 -> mutex.lockUninterruptibly();
                            case 2 -> mutex.tryLock().orElse(null);
                            default -> mutex.tryLock(Duration.ofNanos(random.nextLong(10_000, 2_000_000))).orElse(null);
                        };
                        if (guard == null) {
                            timeouts.incrementAndGet();
                            continue;
                        }
                        if (inside.incrementAndGet() != 1) {
                            violations.incrementAndGet();
                        }
                        unguarded[0]++;
                        acquisitions.incrementAndGet();
                        if (random.nextInt(8) == 0) {
                            LockSupport.parkNanos(random.nextLong(1_000, 50_000)); // "blocking" while held
                        }
                        inside.decrementAndGet();
                    } catch (InterruptedException e) {
                        interrupts.incrementAndGet();
                    } finally {
                        if (guard != null) {
                            guard.close();
                        }
                        Thread.interrupted(); // a late interrupt must not leak into the next round
                    }
                }
            });
            workers.add(t);
        }
        var done = new AtomicBoolean();
        Thread chaos = Thread.ofPlatform().name("chaos").start(() -> {
            var random = ThreadLocalRandom.current();
            while (!done.get()) {
                workers.get(random.nextInt(workers.size())).interrupt();
                LockSupport.parkNanos(random.nextLong(10_000, 200_000));
            }
        });
        workers.forEach(Thread::start);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        for (Thread t : workers) {
            t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            assertFalse(t.isAlive(), "worker still running: the mutex may have lost a wake-up");
        }
        done.set(true);
        chaos.join();

        assertEquals(0, violations.get(), "two holders at once");
        assertEquals(acquisitions.get(), unguarded[0], "updates under the mutex were lost");
        Await.until("mutex settles", () -> !mutex.isLocked() && mutex.queueLength() == 0);
        assertTrue(acquisitions.get() > 0);
        assertTrue(interrupts.get() > 0, "the chaos thread cancelled some waiters");
        System.out.printf("stress %s: %d threads x %d rounds: %d acquisitions, %d interrupted, %d timed out%n",
                mode, threads, rounds, acquisitions.get(), interrupts.get(), timeouts.get());
    }
}
