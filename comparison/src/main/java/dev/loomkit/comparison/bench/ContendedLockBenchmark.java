package dev.loomkit.comparison.bench;

import dev.loomkit.toolkit.sync.AsyncMutex;
import java.util.ArrayList;
import java.util.List;
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
 * running thread barge, which is faster and starves waiters.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-preview")
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

    @Benchmark
    public long thousandThreadsContend() throws InterruptedException {
        List<Thread> threads = new ArrayList<>(THREADS);
        for (int t = 0; t < THREADS; t++) {
            threads.add(Thread.ofVirtual().start(this::work));
        }
        for (Thread t : threads) {
            t.join();
        }
        return counter;
    }

    private void work() {
        try {
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
