package dev.loomkit.comparison.compare;

import java.io.IOException;
import java.time.Duration;

/**
 * Waits for a server to be idle: its process using almost no CPU for a step, read from {@code
 * /proc}. A server left with work by load that has gone (a pool's queue of requests whose clients
 * closed their connections) goes on with it for seconds; a measurement begun meanwhile measures that.
 */
final class ServerIdle {
    /** How long each reading of the server's CPU spans. */
    static final Duration STEP = Duration.ofMillis(500);
    /** Idle: at most this share of one CPU over a step (the JVM's own housekeeping stays below it). */
    static final double IDLE_SHARE = 0.05;
    /** The longest wait: a server that is never idle is measured as it is. */
    static final Duration CAP = Duration.ofSeconds(30);

    private ServerIdle() {
    }

    /**
     * {@return how long it waited} until the server used at most {@link #IDLE_SHARE} of a CPU over
     * a {@link #STEP}, or {@link #CAP} passed, or its process could not be read (it has ended)
     *
     * @param pid the server's process, or -1 if unknown (no wait)
     * @throws InterruptedException if interrupted while waiting; the interrupt is consumed, as by {@link Thread#sleep}
     */
    static Duration await(long pid) throws InterruptedException {
        long start = System.nanoTime();
        if (pid < 0) {
            return Duration.ZERO;
        }
        try {
            long before = ProcStats.read(pid).cpuTicks();
            while (System.nanoTime() - start < CAP.toNanos()) {
                Thread.sleep(STEP); // a wall-clock pace for /proc readings, not a wait for a condition another thread signals
                long now = ProcStats.read(pid).cpuTicks();
                if ((now - before) / ProcStats.TICKS_PER_SECOND <= IDLE_SHARE * STEP.toMillis() / 1000.0) {
                    break;
                }
                before = now;
            }
        } catch (IOException e) {
            // The process has gone: nothing to wait for; the ladder will say what it finds.
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
