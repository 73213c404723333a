package dev.loomkit.comparison.bench;

import dev.loomkit.toolkit.sync.AsyncMutex;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * 1,000 virtual threads each take the lock 20 times around a tiny critical section: one operation
 * is the whole round (20,000 acquisitions). Fair locks hand over in order; unfair ones let a
 * running thread barge, which is faster and starves waiters. The virtual threads share one carrier.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 14, time = 500, timeUnit = TimeUnit.MILLISECONDS)
// One carrier: the hand-offs then follow the lock's queue, and the figure is what a hand-off costs.
// On two, which waiter's carrier wakes first was luck, and one 0.5 s iteration's mean varied from
// 5 to 47 ms (fair locks) in one run.
@Fork(value = 2, jvmArgsAppend = {"--enable-preview", "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch", "-Djdk.virtualThreadScheduler.parallelism=1"})
public class ContendedLockBenchmark {
    private static final int THREADS = 1_000;
    private static final int ROUNDS = 20;

    @Param({"asyncMutex", "reentrantFair", "reentrantUnfair", "semaphore", "synchronized"})
    String lock;

    private final AsyncMutex mutex = AsyncMutex.create("contended-bench");
    private final ReentrantLock fair = new ReentrantLock(true);
    private final ReentrantLock unfair = new ReentrantLock(false);
    private final Semaphore semaphore = new Semaphore(1, true);
    private final Object monitor = new Object();
    private long counter;

    /**
     * Starts the threads, lets them go at once, and waits for all. The gate makes every operation
     * contended: without it the first threads could finish their rounds before the last had
     * started, and an operation was contended or not by the luck of the start (scores of one
     * iteration varied by 70% of their mean).
     */
    @Benchmark
    public long thousandThreadsContend() throws InterruptedException {
        var gate = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>(THREADS);
        for (int t = 0; t < THREADS; t++) {
            threads.add(Thread.ofVirtual().start(() -> work(gate)));
        }
        gate.countDown();
        for (Thread t : threads) {
            t.join();
        }
        return counter;
    }

    private void work(CountDownLatch gate) {
        try {
            gate.await();
            for (int i = 0; i < ROUNDS; i++) {
                switch (lock) {
                    case "asyncMutex" -> {
                        try (var g = mutex.lock()) {
                            counter++;
                        }
                    }
                    case "reentrantFair" -> withLock(fair);
                    case "reentrantUnfair" -> withLock(unfair);
                    case "semaphore" -> {
                        semaphore.acquire();
                        try {
                            counter++;
                        } finally {
                            semaphore.release();
                        }
                    }
                    default -> {
                        synchronized (monitor) {
                            counter++;
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void withLock(ReentrantLock l) {
        l.lock();
        try {
            counter++;
        } finally {
            l.unlock();
        }
    }
}
