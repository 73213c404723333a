package dev.loomkit.comparison.bench;

import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a thread costs to make and to hand work to: start and join one thread, and a ping-pong
 * hand-off between two threads over a SynchronousQueue (one round trip per operation).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-preview")
public class ThreadStartBenchmark {
    @Param({"virtual", "platform"})
    String kind;

    private Thread.Builder builder;
    private final SynchronousQueue<Integer> ping = new SynchronousQueue<>();
    private final SynchronousQueue<Integer> pong = new SynchronousQueue<>();
    private Thread echo;

    @Setup(Level.Trial)
    public void setUp() {
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
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        echo.interrupt();
        echo.join();
    }

    @Benchmark
    public void startAndJoin() throws InterruptedException {
        builder.start(() -> { }).join();
    }

    /** One round trip; the benchmark thread is a platform thread, the echo thread is of the kind. */
    @Benchmark
    public Integer pingPong() throws InterruptedException {
        ping.put(1);
        return pong.take();
    }
}
