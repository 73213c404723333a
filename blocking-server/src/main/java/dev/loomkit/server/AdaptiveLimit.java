package dev.loomkit.server;

/**
 * How many handlers may run at once, learnt from their latency: a gradient limit (after Netflix's
 * {@code Gradient2}) that only shrinks while the server is under pressure (the window's
 * {@code saturated}: in the virtual mode, the scheduler overloaded; in the platform modes, the CPUs
 * saturated; {@link Admission} decides). Used by admission when
 * {@link ServerConfig#adaptiveAdmission()} is on (by default in the virtual mode: ADR 0007 has the
 * measurements and the rejected options).
 *
 * <p>The model. A request's service time (admission to the end of its response) is its own work
 * plus what it waits for: a backend, a sleep, and, once the cores are saturated, a core. The no-load
 * service time ({@link #baselineNanos()}) is the smallest window mean seen while the CPUs were
 * not saturated; it may drift upwards by {@link #BASELINE_DRIFT} a window, so that a lasting change
 * in the work is learnt. Then, once per window of completed requests:
 * <ul>
 *   <li><b>Not saturated</b>: waiting costs no core, so the limit must not be what holds requests
 *       back. If the window's peak in flight came within 90% of the limit, the limit doubles
 *       (up to the maximum); otherwise it stays.</li>
 *   <li><b>Saturated</b>: more in flight only makes each request slower. The gradient
 *       {@code clamp(TOLERANCE * baseline / mean, 0.5, 1)} says how far latency has risen past what
 *       is tolerated; the new limit is {@code limit * gradient + sqrt(limit)} (the square root lets
 *       a saturated server keep probing upwards), smoothed by {@link #SMOOTHING}.</li>
 * </ul>
 * A window with fewer than {@link #MIN_SAMPLES} completions teaches nothing about latency, but
 * still doubles a binding limit while the CPUs have room (handlers that all block for long, long
 * polls say, complete nothing and must not be held at the initial limit). A server saturated from
 * its start has no unsaturated window to learn the baseline from; its fastest window stands in. A
 * saturated window never cuts the limit below what its own goodput needs in flight at the baseline
 * service time (Little's law: {@code throughput * baseline}): a cut past that would lower goodput,
 * not latency. The limit stays within {@code [min, max]}; halving plus the allowance meet at 4, so a
 * saturated server keeps at least 4 in flight whatever the minimum below that.
 *
 * <p>Where it settles: with CPU-bound work and latency at twice the baseline, the limit is the
 * number of requests that keeps the cores busy with the service time doubled, plus the square root
 * of that: requests beyond it wait for admission, costing no core, instead of stretching everyone's
 * service time until clients give up.
 *
 * <p>Thread safety: one thread (the sweeper) calls {@link #update}; {@link #limit()} may be read
 * by any thread.
 */
final class AdaptiveLimit {
    /** Latency may rise to this multiple of the baseline before the limit shrinks. */
    static final double TOLERANCE = 2.0;
    /** The weight of a window's new limit against the old. */
    static final double SMOOTHING = 0.2;
    /** The least completions a window needs to count. */
    static final int MIN_SAMPLES = 10;
    /** How far the baseline may rise per unsaturated window (1%: doubling takes ~70 windows). */
    static final double BASELINE_DRIFT = 0.01;
    /** The smallest gradient: a window shrinks the limit by at most half, before smoothing. */
    static final double MIN_GRADIENT = 0.5;

    /**
     * One window's observations.
     *
     * @param samples      requests that ended in it
     * @param meanNanos    their mean service time
     * @param workNanos    their mean service time without the turn an admitted request waited for
     *                     a core while the scheduler was overloaded ({@link Admission}): what the
     *                     baseline is learnt from, so that a server overloaded from its start does
     *                     not learn its queue as its no-load latency
     * @param peakInFlight the most admitted at once
     * @param saturated    whether the CPUs were saturated
     * @param nanos        how long the window was
     */
    record Window(int samples, long meanNanos, long workNanos, int peakInFlight, boolean saturated, long nanos) {
        /** A window whose requests never waited a turn after admission. */
        Window(int samples, long meanNanos, int peakInFlight, boolean saturated, long nanos) {
            this(samples, meanNanos, meanNanos, peakInFlight, saturated, nanos);
        }
    }

    private final int min;
    private final int max;
    // Written by the updating thread only:
    private double estimate;
    private long baseline = Long.MAX_VALUE;
    /** The smallest window mean seen saturated or not (drifting up): the baseline until an unsaturated window gives one. */
    private long fallback = Long.MAX_VALUE;
    private volatile int limit;

    /**
     * @param initial the limit to start with
     * @param min     the least it may fall to, at least 1
     * @param max     the most it may grow to
     * @throws IllegalArgumentException unless {@code 1 <= min <= initial <= max}
     */
    AdaptiveLimit(int initial, int min, int max) {
        if (min < 1 || initial < min || max < initial) {
            throw new IllegalArgumentException("need 1 <= min <= initial <= max: min " + min + ", initial " + initial + ", max " + max);
        }
        this.min = min;
        this.max = max;
        this.estimate = initial;
        this.limit = initial;
    }

    /** {@return the current limit} Any thread. */
    int limit() {
        return limit;
    }

    /** {@return the no-load service time learnt so far, in nanoseconds, or {@code Long.MAX_VALUE} if none yet} */
    long baselineNanos() {
        return baseline;
    }

    /**
     * Learns from one window.
     *
     * @param w what the window saw
     * @return the limit from now on
     */
    private static long drift(long v) {
        return v == Long.MAX_VALUE ? Long.MAX_VALUE : (long) (v * (1 + BASELINE_DRIFT));
    }

    int update(Window w) {
        boolean enough = w.samples() >= MIN_SAMPLES && w.meanNanos() > 0;
        long work = Math.clamp(w.workNanos(), 1, Math.max(1, w.meanNanos()));
        if (enough) {
            fallback = Math.min(work, drift(fallback));
        }
        if (!w.saturated()) {
            if (enough) {
                baseline = Math.min(work, drift(baseline));
            }
            // Whether or not anything completed: handlers that all block for long (long polls)
            // complete nothing, and must not be held at the initial limit for it.
            if (w.peakInFlight() >= 0.9 * limit) {
                estimate = Math.min(max, Math.max(estimate, limit) * 2.0);
            }
        } else if (enough) {
            // Saturated from the start, a server has seen no unsaturated window: its fastest
            // saturated window stands in (an overestimate: the limit it gives is looser, not tighter).
            long base = baseline != Long.MAX_VALUE ? baseline : fallback;
            double gradient = Math.clamp(TOLERANCE * base / w.meanNanos(), MIN_GRADIENT, 1.0);
            double target = estimate * gradient + Math.sqrt(estimate);
            // Never below what the window's goodput needs in flight at the baseline's service time
            // (Little's law): a cut past that lowers goodput instead of latency. Waiting for
            // admission is not free either, so a limit that binds there only adds cost.
            double sustain = (double) w.samples() / w.nanos() * base;
            target = Math.max(target, Math.min(sustain, estimate));
            estimate = (1 - SMOOTHING) * estimate + SMOOTHING * target;
        }
        estimate = Math.clamp(estimate, min, max);
        limit = (int) Math.round(estimate);
        return limit;
    }
}
