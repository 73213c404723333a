package dev.loomkit.comparison.bench;

import java.util.List;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Which microbenchmarks run, and for how long. JMH's error is the half-width of a 99.9% confidence
 * interval, Student's t times the standard error: with three samples t is 31.6, so even a steady
 * benchmark shows an error wider than its score. Each benchmark's annotations ask for two forks of
 * fourteen 0.5 s iterations (single shots: 20), after 2 s of warm-up (with 1 s, the first
 * iterations of fork/join were still 13-39% slower than the last): t is then 3.7, and a figure whose
 * iterations vary by less than about 14% of their mean gets an error within 10%. Platform threads' start and hand-off
 * vary from one JVM to the next (fork means 259 and 322 µs in one run), so they take three forks.
 * Every fork runs on a fixed, pre-touched heap ({@code -Xms} = {@code -Xmx}, {@code AlwaysPreTouch}):
 * on a heap free to grow, the last two or three iterations of the contended-lock benchmark were
 * 20-30% slower than the rest in every fork (errors 6.5% and 7.9% with four forks; 10.5% and 15%
 * with two in an earlier run); on a fixed one, 3.6% and 2.6% with two
 * ({@code docs/results/2026-12-02-microbenchmarks-forks.txt}).
 */
enum BenchProfile {
    /** Every benchmark, one fork, three 1 s iterations: a few minutes, and indicative only. */
    QUICK(true, false,
            "quick profile, indicative only: 1 fork, 1 x 1 s warm-up, 3 x 1 s measured; its error bars are wide"),
    /** The headline figures, as long as each benchmark asks: about six minutes. */
    HEADLINE(false, true,
            "the headline figures: 2 forks (thread start and ping-pong: 3, on one CPU where taskset can pin them), each 4 x 0.5 s warm-up and "
                    + "14 x 0.5 s measured (single shots: 4 and 20), on a fixed heap"),
    /** Every benchmark and parameter, as long as each asks. */
    FULL(false, false,
            "every benchmark: 2 forks (thread start and ping-pong: 3, on one CPU where taskset can pin them), each 4 x 0.5 s warm-up and "
                    + "14 x 0.5 s measured (single shots: 4 and 20), on a fixed heap");

    /**
     * The headline figures, by benchmark method: thread start and a ping-pong hand-off, scope
     * fork/join against the JDK's scope and an executor, cancelling 10,000 blocked tasks, and
     * {@code AsyncMutex} against a fair {@code ReentrantLock} (it is fair too), uncontended and under
     * 1,000 threads.
     */
    static final List<String> HEADLINE_INCLUDES = List.of(
            "ThreadStartBenchmark\\.(startAndJoin|pingPong)$",
            "ScopeForkJoinBenchmark\\.",
            "CancelScopeBenchmark\\.",
            "ContendedLockBenchmark\\.",
            "UncontendedLockBenchmark\\.(asyncMutex|reentrantLockFair)$");

    private final boolean shortRuns;
    private final boolean headlineOnly;
    private final String description;

    BenchProfile(boolean shortRuns, boolean headlineOnly, String description) {
        this.shortRuns = shortRuns;
        this.headlineOnly = headlineOnly;
        this.description = description;
    }

    /**
     * Sets the benchmarks to run and, for the quick profile, shortens every one of them.
     *
     * @param include a regular expression for the benchmarks, or null for the profile's own
     */
    ChainedOptionsBuilder apply(ChainedOptionsBuilder options, String include) {
        if (shortRuns) {
            options.forks(1).warmupIterations(1).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(3).measurementTime(TimeValue.seconds(1));
        }
        if (include != null) {
            return options.include(include);
        }
        if (!headlineOnly) {
            return options.include("dev\\.loomkit\\.comparison\\.bench\\..*");
        }
        for (String benchmark : HEADLINE_INCLUDES) {
            options.include(benchmark);
        }
        // One size of fork/join, and AsyncMutex against the lock like it (fair); --full has the rest.
        return options.param("tasks", "10").param("lock", "asyncMutex", "reentrantFair");
    }

    /** {@return what the profile runs, for the console and the report} */
    String describe() {
        return description;
    }
}
