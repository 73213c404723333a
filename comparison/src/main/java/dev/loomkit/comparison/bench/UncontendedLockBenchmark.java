package dev.loomkit.comparison.bench;

import dev.loomkit.toolkit.sync.AsyncMutex;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One uncontended lock and unlock, one thread: the cost every critical section pays. The design
 * target is AsyncMutex within about 1.5x of ReentrantLock; compare the rows of one run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 4, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 14, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = {"--enable-preview", "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class UncontendedLockBenchmark {
    private final AsyncMutex mutex = AsyncMutex.create("bench");
    private final ReentrantLock unfair = new ReentrantLock(false);
    private final ReentrantLock fair = new ReentrantLock(true);
    private final Semaphore semaphore = new Semaphore(1);
    private final Object monitor = new Object();
    private long counter;

    @Benchmark
    public long asyncMutex() throws InterruptedException {
        try (var guard = mutex.lock()) {
            return ++counter;
        }
    }

    @Benchmark
    public long asyncMutexUninterruptibly() {
        try (var guard = mutex.lockUninterruptibly()) {
            return ++counter;
        }
    }

    @Benchmark
    public long reentrantLockUnfair() {
        unfair.lock();
        try {
            return ++counter;
        } finally {
            unfair.unlock();
        }
    }

    @Benchmark
    public long reentrantLockFair() {
        fair.lock();
        try {
            return ++counter;
        } finally {
            fair.unlock();
        }
    }

    @Benchmark
    public long semaphore() throws InterruptedException {
        semaphore.acquire();
        try {
            return ++counter;
        } finally {
            semaphore.release();
        }
    }

    @Benchmark
    public long synchronizedBlock() {
        synchronized (monitor) {
            return ++counter;
        }
    }
}
