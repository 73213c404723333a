package dev.loomkit.comparison.bench;

import dev.loomkit.toolkit.JoinPolicy;
import dev.loomkit.toolkit.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Open a scope, fork N trivial tasks on virtual threads, join, close: a loomkit scope against the
 * bare JDK scope it wraps and against an executor. What is measured is the structure's overhead per
 * fork; the tasks themselves do nothing. Each runs from a virtual thread, as a request handler's
 * scope does, in batches of {@value #BATCH} on a {@link Driver}, with one carrier: the figure is the
 * CPU the structure costs, not which carrier woke first (on two, one 0.5 s iteration's mean varied
 * twofold).
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 14, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = {"--enable-preview", "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch", "-Djdk.virtualThreadScheduler.parallelism=1"})
public class ScopeForkJoinBenchmark {
    static final int BATCH = 100;

    @Param({"1", "10", "100"})
    int tasks;

    private ExecutorService executor;
    private Driver driver;
    private final Callable<Integer> work = () -> 1;

    @org.openjdk.jmh.annotations.Setup
    public void setUp() {
        executor = Executors.newVirtualThreadPerTaskExecutor();
        driver = Driver.start(Thread.ofVirtual());
    }

    @org.openjdk.jmh.annotations.TearDown
    public void tearDown() throws InterruptedException {
        driver.close();
        executor.close();
    }

    /** Runs {@code op} {@value #BATCH} times in the driver's virtual thread. */
    private int batch(Callable<Integer> op) throws Exception {
        return driver.run(() -> {
            int sum = 0;
            for (int i = 0; i < BATCH; i++) {
                sum += op.call();
            }
            return sum;
        });
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int loomkitScope() throws Exception {
        return batch(this::loomkitScopeOnce);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int bareStructuredTaskScope() throws Exception {
        return batch(this::bareStructuredTaskScopeOnce);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int executorService() throws Exception {
        return batch(this::executorServiceOnce);
    }

    private int loomkitScopeOnce() throws InterruptedException {
        try (var scope = Scope.open("bench", JoinPolicy.<Integer>failFast())) {
            for (int i = 0; i < tasks; i++) {
                scope.fork("t", work);
            }
            scope.join();
        }
        return tasks;
    }

    private int bareStructuredTaskScopeOnce() throws InterruptedException {
        try (var scope = StructuredTaskScope.open(StructuredTaskScope.Joiner.<Integer>awaitAllSuccessfulOrThrow())) {
            for (int i = 0; i < tasks; i++) {
                scope.fork(work);
            }
            scope.join();
        }
        return tasks;
    }

    private int executorServiceOnce() throws Exception {
        List<Future<Integer>> futures = new ArrayList<>(tasks);
        for (int i = 0; i < tasks; i++) {
            futures.add(executor.submit(work));
        }
        int sum = 0;
        for (Future<Integer> f : futures) {
            sum += f.get();
        }
        return sum;
    }
}
