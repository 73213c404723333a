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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Open a scope, fork N trivial tasks on virtual threads, join, close: a loomkit scope against the
 * bare JDK scope it wraps and against an executor. What is measured is the structure's overhead per
 * fork; the tasks themselves do nothing.
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-preview")
public class ScopeForkJoinBenchmark {
    @Param({"1", "10", "100"})
    int tasks;

    private ExecutorService executor;
    private final Callable<Integer> work = () -> 1;

    @org.openjdk.jmh.annotations.Setup
    public void setUp() {
        executor = Executors.newVirtualThreadPerTaskExecutor();
    }

    @org.openjdk.jmh.annotations.TearDown
    public void tearDown() {
        executor.close();
    }

    @Benchmark
    public int loomkitScope() throws InterruptedException {
        try (var scope = Scope.open("bench", JoinPolicy.<Integer>failFast())) {
            for (int i = 0; i < tasks; i++) {
                scope.fork("t", work);
            }
            scope.join();
        }
        return tasks;
    }

    @Benchmark
    public int bareStructuredTaskScope() throws InterruptedException {
        try (var scope = StructuredTaskScope.open(StructuredTaskScope.Joiner.<Integer>awaitAllSuccessfulOrThrow())) {
            for (int i = 0; i < tasks; i++) {
                scope.fork(work);
            }
            scope.join();
        }
        return tasks;
    }

    @Benchmark
    public int executorService() throws Exception {
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
