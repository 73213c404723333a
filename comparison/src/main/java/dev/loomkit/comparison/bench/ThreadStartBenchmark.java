package dev.loomkit.comparison.bench;

import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a thread costs to make and to hand work to: start and join one thread, and a ping-pong
 * hand-off between two threads over a SynchronousQueue (one round trip per operation). Both run
 * between threads of the kind measured, in batches of {@value #BATCH} on a {@link Driver}: a
 * virtual thread starts and joins virtual threads, a platform thread platform threads. Virtual
 * threads have one carrier, so a hand-off between two of them is a switch of continuations, not a
 * wake-up of the other core; and the whole JVM runs on one CPU ({@link OneCpu}), so a hand-off
 * between two platform threads is a context switch on that core. Left to the OS, the two platform
 * threads were on one core in one JVM and on two in another: the three forks' mean round trips were
 * 15, 5 and 20 µs in one run, and the error 27% of the score.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 14, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 3, jvmArgsAppend = {"--enable-preview", "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch", "-Djdk.virtualThreadScheduler.parallelism=1"})
public class ThreadStartBenchmark {
    static final int BATCH = 100;

    @Param({"virtual", "platform"})
    String kind;

    private Thread.Builder builder;
    private final SynchronousQueue<Integer> ping = new SynchronousQueue<>();
    private final SynchronousQueue<Integer> pong = new SynchronousQueue<>();
    private Thread echo;
    private Driver driver;

    @Setup(Level.Trial)
    public void setUp() {
        OneCpu.pin();
        builder = kind.equals("virtual") ? Thread.ofVirtual() : Thread.ofPlatform();
        echo = builder.start(() -> {
            try {
                while (true) {
                    pong.put(ping.take());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        driver = Driver.start(builder);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        driver.close();
        echo.interrupt();
        echo.join();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int startAndJoin() throws Exception {
        return driver.run(() -> {
            for (int i = 0; i < BATCH; i++) {
                builder.start(() -> { }).join();
            }
            return BATCH;
        });
    }

    /** One round trip per operation, between the driver and the echo thread, both of the kind. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int pingPong() throws Exception {
        return driver.run(() -> {
            int sum = 0;
            for (int i = 0; i < BATCH; i++) {
                ping.put(i);
                sum += pong.take();
            }
            return sum;
        });
    }
}
