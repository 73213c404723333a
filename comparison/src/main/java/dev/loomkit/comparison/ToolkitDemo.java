package dev.loomkit.comparison;

import dev.loomkit.toolkit.CancelReason;
import dev.loomkit.toolkit.Cancellation;
import dev.loomkit.toolkit.DeadlineExceededException;
import dev.loomkit.toolkit.Deadlines;
import dev.loomkit.toolkit.JoinPolicy;
import dev.loomkit.toolkit.Scope;
import dev.loomkit.toolkit.ScopeCancelledException;
import dev.loomkit.toolkit.ScopeConfig;
import dev.loomkit.toolkit.Task;
import dev.loomkit.toolkit.TaskFailedException;
import dev.loomkit.toolkit.metrics.ToolkitMetrics;
import dev.loomkit.toolkit.sync.AsyncMutex;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * A short tour of the toolkit that prints what it did: fan-out, fail-fast, race, a missed deadline,
 * a cancellation that reaches a nested tree, the mutex held across blocking calls, and the meters
 * they left. Every figure printed is measured in this run.
 */
final class ToolkitDemo {
    private final PrintStream out;

    ToolkitDemo(PrintStream out) {
        this.out = out;
    }

    /** {@code ./loomkit run demo}. */
    @Command(name = "demo", description = "A short tour of the toolkit that prints what it did, with the figures of this run.")
    static final class DemoCommand implements Callable<Integer> {
        @Mixin
        private Cli.Help help;
        private final PrintStream out;

        DemoCommand(PrintStream out) {
            this.out = out;
        }

        @Override
        public Integer call() throws Exception {
            out.printf("loomkit toolkit demo on %s %s, %d cores%n%n", System.getProperty("java.vm.name"),
                    Runtime.version(), Runtime.getRuntime().availableProcessors());
            new ToolkitDemo(out).run();
            return 0;
        }
    }

    void run() throws Exception {
        var registry = new SimpleMeterRegistry();
        try (var metrics = new ToolkitMetrics()) {
            metrics.bindTo(registry);
            fanOut();
            failFast();
            race();
            deadline();
            cancelTree();
            mutex();
        }
        out.println();
        out.println("Meters recorded (Micrometer):");
        registry.getMeters().stream()
                .sorted(Comparator.comparing((Meter m) -> m.getId().getName()).thenComparing(m -> m.getId().getTags().toString()))
                .forEach(m -> out.printf("  %-30s %-55s %s%n", m.getId().getName(), m.getId().getTags(), m.measure()));
    }

    private void fanOut() throws InterruptedException {
        int n = 10_000;
        long start = System.nanoTime();
        var done = new AtomicInteger();
        try (var scope = Scope.open("fan-out")) {
            for (int i = 0; i < n; i++) {
                scope.fork("sleeper-" + i, () -> {
                    Thread.sleep(100);
                    done.incrementAndGet();
                });
            }
            scope.join();
        }
        out.printf("fan-out:   %,d virtual threads each blocked 100 ms; all done in %d ms%n", done.get(), millisSince(start));
    }

    private void failFast() throws InterruptedException {
        long start = System.nanoTime();
        try (var scope = Scope.open("fail-fast")) {
            scope.fork("slow-backend", () -> Thread.sleep(10_000));
            scope.fork("broken-backend", () -> {
                Thread.sleep(20);
                throw new IllegalStateException("backend answered 500");
            });
            scope.join();
        } catch (TaskFailedException e) {
            out.printf("fail-fast: %s (%s); the 10 s sibling was cancelled, scope closed after %d ms%n",
                    e.getMessage(), e.getCause().getMessage(), millisSince(start));
        }
    }

    private void race() throws InterruptedException {
        long start = System.nanoTime();
        try (var scope = Scope.open("mirrors", JoinPolicy.<String>race())) {
            scope.fork("mirror-a", () -> {
                Thread.sleep(300);
                return "a";
            });
            scope.fork("mirror-b", () -> {
                Thread.sleep(30);
                return "b";
            });
            String winner = scope.join();
            out.printf("race:      mirror-%s won after %d ms; reason the loser saw: %s%n",
                    winner, millisSince(start), scope.cancelReason().map(CancelReason::message).orElse("-"));
        }
    }

    private void deadline() throws InterruptedException {
        long start = System.nanoTime();
        var seen = new AtomicReference<String>();
        try (var scope = Scope.open(ScopeConfig.named("request").withTimeout(Duration.ofMillis(50)), JoinPolicy.failFast())) {
            scope.fork("slow-query", () -> {
                seen.set(Deadlines.remaining().map(d -> d.toMillis() + " ms").orElse("?"));
                Thread.sleep(10_000);
            });
            scope.join();
        } catch (DeadlineExceededException e) {
            out.printf("deadline:  %s after %d ms (the task had %s left when it started)%n", e.reason().message(), millisSince(start), seen.get());
        }
    }

    private void cancelTree() throws InterruptedException {
        var leavesBlocked = new CountDownLatch(9);
        var leafReason = new AtomicReference<CancelReason>();
        long[] cancelledAt = {0};
        try (var root = Scope.open("server")) {
            for (int c = 0; c < 3; c++) {
                root.fork("connection-" + c, () -> {
                    try (var request = Scope.open("request")) {
                        for (int s = 0; s < 3; s++) {
                            request.fork("subtask-" + s, () -> {
                                leavesBlocked.countDown();
                                try {
                                    Thread.sleep(30_000);
                                } catch (InterruptedException e) {
                                    leafReason.set(Cancellation.reason().orElse(null));
                                    throw e;
                                }
                            });
                        }
                        request.join();
                    }
                });
            }
            leavesBlocked.await();
            Thread watcher = Thread.ofVirtual().name("watcher").start(() -> {
                cancelledAt[0] = System.nanoTime();
                root.cancel(CancelReason.shutdown("demo shuts the server down"));
            });
            watcher.join();
            root.join();
        } catch (ScopeCancelledException e) {
            out.printf("cancel:    a watcher cancelled the root; 9 subtasks blocked for 30 s ended %d ms later; a leaf saw: %s%n",
                    millisSince(cancelledAt[0]), leafReason.get());
        }
    }

    private void mutex() throws Exception {
        var mutex = AsyncMutex.create("ledger");
        int tasks = 200;
        long[] balance = {0};
        long start = System.nanoTime();
        try (var scope = Scope.open("deposits", JoinPolicy.<Object>supervise())) {
            for (int i = 0; i < tasks; i++) {
                scope.fork("deposit-" + i, () -> mutex.withLock(() -> {
                    long read = balance[0];
                    Thread.sleep(1); // a blocking call while holding the lock: the carrier is freed
                    balance[0] = read + 1;
                    return null;
                }));
            }
            List<Task<Object>> results = scope.join();
            long failed = results.stream().filter(t -> t.state() != Task.State.SUCCEEDED).count();
            out.printf("mutex:     %d tasks each held '%s' across a 1 ms sleep: balance %d (expected %d), %d failed, %d ms%n",
                    tasks, mutex.name(), balance[0], tasks, failed, millisSince(start));
        }
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
