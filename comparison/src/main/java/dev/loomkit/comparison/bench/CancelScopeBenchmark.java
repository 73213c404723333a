package dev.loomkit.comparison.bench;

import dev.loomkit.toolkit.JoinPolicy;
import dev.loomkit.toolkit.Scope;
import dev.loomkit.toolkit.ScopeCancelledException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cancelling a scope of 10,000 virtual threads blocked on a latch: the time from cancel() to the
 * scope closed, every thread ended. The forking happens in the per-invocation setup (same thread,
 * the scope's owner) and is not measured. The canceller is a platform thread, as the server's
 * sweeper and client-gone watcher are; the tasks share one carrier. A single shot varies (0.3 to
 * 0.65 s in one run), so it takes 20 of them in each of two forks.
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, batchSize = 1)
@Measurement(iterations = 20, batchSize = 1)
@Fork(value = 2, jvmArgsAppend = {"--enable-preview", "-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch", "-Djdk.virtualThreadScheduler.parallelism=1"})
public class CancelScopeBenchmark {
    private static final int TASKS = 10_000;
    private Scope<Object, Void> scope;

    @Setup(Level.Invocation)
    public void forkBlockedTasks() throws InterruptedException {
        var started = new CountDownLatch(TASKS);
        var never = new CountDownLatch(1);
        scope = Scope.open("bench", JoinPolicy.failFast());
        for (int i = 0; i < TASKS; i++) {
            scope.fork("t", () -> {
                started.countDown();
                never.await();
            });
        }
        started.await();
    }

    @Benchmark
    public boolean cancelTenThousandBlockedTasks() throws InterruptedException {
        scope.cancel("benchmark");
        try {
            scope.join();
        } catch (ScopeCancelledException expected) {
            // the point of the exercise
        } finally {
            scope.close();
        }
        return scope.isCancelled();
    }
}
