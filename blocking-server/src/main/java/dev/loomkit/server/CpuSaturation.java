package dev.loomkit.server;

import java.time.Duration;
import java.util.Objects;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Whether this process has been using (nearly) all the CPUs it may run on: the sweeper's signal to
 * stop spending on machinery that watches slow requests. When the cores are saturated, every
 * request runs late because it waits for a core, not because something it called is slow, and
 * watching it for its client leaving would add work exactly where there is no room for it.
 *
 * <p>The reading is the process's CPU time (user and system, all threads) over a window of at
 * least {@link #WINDOW}, against the wall time of that window times the CPUs the process may use
 * ({@link Runtime#availableProcessors()} at each reading, so a changed affinity or container limit
 * counts from the next window). The operating system counts CPU time in scheduler ticks (10 ms on
 * Linux), so a shorter window would be too coarse; between readings the last verdict stands.
 * Saturated means at least {@link #THRESHOLD} of the usable CPU time. A fractional CPU quota
 * (1.5 CPUs, which the JVM rounds up to 2) caps the process below the threshold: it then never
 * counts as saturated, and the server behaves as it would without this signal. Only the sweeper's
 * thread calls {@link #update}; a reading that fails counts as not saturated.
 */
final class CpuSaturation {
    /** The shortest window a reading covers. */
    static final Duration WINDOW = Duration.ofMillis(250);
    /** The share of the usable CPU time from which the process counts as saturated. */
    static final double THRESHOLD = 0.9;

    private final LongSupplier cpuNanos;
    private final IntSupplier cpus;
    private final long windowNanos;
    // Sweeper thread only:
    private boolean started;
    private long lastWall;
    private long lastCpu = -1; // negative: not readable at the last reading
    private boolean saturated;

    /**
     * @param cpuNanos the process's CPU time so far, in nanoseconds, or a negative number if it
     *                 cannot be read (then the process never counts as saturated)
     * @param cpus     the CPUs the process may use now; fewer than one counts as one
     */
    CpuSaturation(LongSupplier cpuNanos, IntSupplier cpus) {
        this.cpuNanos = Objects.requireNonNull(cpuNanos, "cpuNanos");
        this.cpus = Objects.requireNonNull(cpus, "cpus");
        this.windowNanos = WINDOW.toNanos();
    }

    /**
     * {@return a reading of this process, on the CPUs the JVM may use} The CPU time comes from the
     * platform's {@code OperatingSystemMXBean} (a {@code getrusage}-like call, no file to parse and
     * no user lookup that could block the sweeper); without it, the process never counts as
     * saturated.
     */
    static CpuSaturation ofThisProcess() {
        LongSupplier cpu;
        try {
            var os = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class);
            cpu = os == null ? () -> -1L : os::getProcessCpuTime;
        } catch (RuntimeException | LinkageError e) {
            cpu = () -> -1L;
        }
        return new CpuSaturation(cpu, () -> Runtime.getRuntime().availableProcessors());
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
        long cpu;
        int usable;
        try {
            cpu = cpuNanos.getAsLong();
            usable = Math.max(1, cpus.getAsInt());
        } catch (RuntimeException e) {
            cpu = -1; // no reading: not saturated, and the sweep goes on
            usable = 1;
        }
        saturated = started && cpu >= 0 && lastCpu >= 0
                && (double) (cpu - lastCpu) >= THRESHOLD * usable * (now - lastWall);
        started = true;
        lastCpu = cpu;
        lastWall = now;
        return saturated;
    }
}
