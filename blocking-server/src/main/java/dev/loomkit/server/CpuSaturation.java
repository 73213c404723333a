package dev.loomkit.server;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Whether this process has been using (nearly) all the CPUs it may run on: the sweeper's signal to
 * stop spending on machinery that watches slow requests. When the cores are saturated, every
 * request runs late because it waits for a core, not because something it called is slow, and
 * watching it for its client leaving would add work exactly where there is no room for it.
 *
 * <p>The reading is the process's CPU time (user and system, all threads) over a window of at
 * least {@link #WINDOW}, against the wall time of that window times the CPUs the process may use.
 * The operating system counts CPU time in scheduler ticks (10 ms on Linux), so a shorter window
 * would be too coarse; between readings the last verdict stands. Saturated means at least
 * {@link #THRESHOLD} of the usable CPU time. Only the sweeper's thread calls {@link #update}.
 */
final class CpuSaturation {
    /** The shortest window a reading covers. */
    static final Duration WINDOW = Duration.ofMillis(250);
    /** The share of the usable CPU time from which the process counts as saturated. */
    static final double THRESHOLD = 0.9;

    private final LongSupplier cpuNanos;
    private final int cpus;
    private final long windowNanos;
    // Sweeper thread only:
    private boolean started;
    private long lastWall;
    private long lastCpu = -1; // negative: not readable at the last reading
    private boolean saturated;

    /**
     * @param cpuNanos the process's CPU time so far, in nanoseconds, or a negative number if it
     *                 cannot be read (then the process never counts as saturated)
     * @param cpus     the CPUs the process may use
     */
    CpuSaturation(LongSupplier cpuNanos, int cpus) {
        if (cpus < 1) {
            throw new IllegalArgumentException("cpus must be at least 1: " + cpus);
        }
        this.cpuNanos = cpuNanos;
        this.cpus = cpus;
        this.windowNanos = WINDOW.toNanos();
    }

    /** {@return a reading of this process, on the CPUs the JVM may use} */
    static CpuSaturation ofThisProcess() {
        ProcessHandle self = ProcessHandle.current();
        // About 40 us a reading (it parses /proc/self/stat on Linux); made at most once per window.
        return new CpuSaturation(() -> self.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L),
                Runtime.getRuntime().availableProcessors());
    }

    /**
     * Takes a new reading if the window has passed since the last one.
     *
     * @param now {@link System#nanoTime()}
     * @return whether the process is saturated, as of the latest reading
     */
    boolean update(long now) {
        if (started && now - lastWall < windowNanos) {
            return saturated;
        }
        long cpu = cpuNanos.getAsLong();
        saturated = started && cpu >= 0 && lastCpu >= 0
                && (double) (cpu - lastCpu) >= THRESHOLD * cpus * (now - lastWall);
        started = true;
        lastCpu = cpu;
        lastWall = now;
        return saturated;
    }
}
