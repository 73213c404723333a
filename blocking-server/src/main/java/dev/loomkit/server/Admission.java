package dev.loomkit.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Admission control: how many handlers run at once. A fixed limit,
 * {@link ServerConfig#maxConcurrentRequests()}; or, with {@link ServerConfig#adaptiveAdmission()}
 * (experimental, off by default), a limit learnt from handlers' service time while the CPUs are
 * saturated and free to grow while they have room ({@link AdaptiveLimit}, ADR 0007), with the fixed
 * one as its ceiling.
 *
 * <p>Why a server on virtual threads needs it: a thread per connection costs almost nothing, so
 * nothing else stops the server from taking on every request it is sent. When the work is
 * CPU-bound, the cores are then shared among all of them, and past a point every request finishes
 * after its client has given up: the server stays busy and answers no one in time. A limit with a
 * bounded wait keeps the admitted requests fast and refuses the rest early with 503, which a
 * client or a load balancer can act on. A platform pool gets the same effect, less precisely, from
 * its size and queue; the limit applies in every mode alike.
 *
 * <p>The wait ({@link AdmissionGate}) is first come, first served while the queue drains within
 * half the timeout; once it cannot, newest first (until it drains within a quarter), so that the
 * requests admitted under overload are the ones whose clients still wait for them. It happens inside the request scope, with the handler's cancellation hook
 * armed: the request deadline, the server's shutdown and the client going away all end it early,
 * by interrupt.
 *
 * <p>Threads: any handler thread calls {@link #enter} and {@link #exit}; only the sweeper calls
 * {@link #sweep}, every sweep, which ends timed-out waits and the adaptive limit's window once it
 * is 100 ms long.
 */
final class Admission {
    /** What {@link #enter} returns for a request not admitted. */
    static final long NOT_ADMITTED = Long.MIN_VALUE;

    private final AdmissionGate permits;
    /**
     * False when a fixed limit cannot bind: a request needs a connection, so with at least as many
     * permits as connections allowed, every request would get one at once. The gate is then
     * left alone, which saves two contended atomic operations per request.
     */
    private final boolean binds;
    /** The adaptive limit, or null for a fixed one. */
    private final AdaptiveLimit adaptive;
    // The adaptive limit's window (any handler thread adds; the sweeper reads and resets):
    private final LongAdder completed = new LongAdder();
    private final LongAdder serviceNanos = new LongAdder();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();
    private long windowStart = System.nanoTime(); // the sweeper's
    private volatile int applied; // written by the sweeper (after the constructor): the limit the permits stand for now

    /**
     * {@return whether admission can ever make a request wait} An adaptive limit can; a fixed one
     * only below the connection limit (a request needs a connection).
     */
    static boolean canBind(int maxConcurrent, int maxConnections, boolean adaptive) {
        return adaptive || maxConcurrent < maxConnections;
    }

    /**
     * @param adaptiveInitial the adaptive limit's start, or 0 for a fixed limit of {@code maxConcurrent}
     */
    Admission(int maxConcurrent, Duration timeout, int maxConnections, int adaptiveInitial, AdmissionGate.Waits waits) {
        long timeoutNanos = timeout.toNanos();
        if (adaptiveInitial > 0) {
            int initial = Math.min(adaptiveInitial, maxConcurrent);
            this.adaptive = new AdaptiveLimit(initial, 1, maxConcurrent);
            this.permits = new AdmissionGate(initial, timeoutNanos, waits);
            this.applied = initial;
            this.binds = true;
        } else {
            this.adaptive = null;
            this.permits = new AdmissionGate(maxConcurrent, timeoutNanos, waits);
            this.applied = maxConcurrent;
            this.binds = canBind(maxConcurrent, maxConnections, false);
        }
    }

    /**
     * Waits for admission, at most the admission timeout (ended by the next release, arrival or
     * sweep after it). Wakes on a permit, on the timeout, or on interrupt; an interrupt clears the interrupt
     * status and throws.
     *
     * @return when the request was admitted ({@link System#nanoTime()}), to be given to
     *         {@link #exit}; or {@link #NOT_ADMITTED} if the wait timed out
     * @throws InterruptedException if the request was cancelled while it waited
     */
    long enter() throws InterruptedException {
        if (!binds) {
            if (Thread.currentThread().isInterrupted()) { // as the semaphore would: cancelled before it began
                Thread.interrupted();
                throw new InterruptedException("request cancelled before admission");
            }
            return 0; // nothing measured: a fixed limit that cannot bind learns nothing
        }
        if (!permits.acquire()) {
            return NOT_ADMITTED;
        }
        if (adaptive == null) {
            return 0;
        }
        peakInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        return System.nanoTime();
    }

    /**
     * Gives back the permit of an admitted request.
     *
     * @param admittedAt what {@link #enter} returned for it
     */
    void exit(long admittedAt) {
        if (!binds) {
            return;
        }
        if (adaptive != null) {
            serviceNanos.add(System.nanoTime() - admittedAt);
            completed.increment();
            inFlight.decrementAndGet();
        }
        permits.release();
    }

    /** The shortest window: sweeps come every 5 to 250 ms, and the limit's pace must not follow them. */
    static final long WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /**
     * Sweeper, once per sweep: ends the waits that have timed out; and, once {@link #WINDOW_NANOS}
     * have passed since the last window ended, ends the adaptive limit's window and applies the new
     * limit. A lower limit takes permits back (admission stops until enough requests have left); a
     * higher one hands them out at once.
     *
     * @param now       {@link System#nanoTime()}
     * @param saturated whether the CPUs are saturated
     */
    void sweep(long now, boolean saturated) {
        if (!binds) {
            return;
        }
        permits.expire(now);
        if (adaptive == null || now - windowStart < WINDOW_NANOS) {
            return;
        }
        long windowNanos = now - windowStart;
        windowStart = now;
        // A request's time and its count may land in neighbouring windows (exit adds one, then the
        // other): one request in ten or more, which the window's mean can bear.
        long n = completed.sumThenReset();
        long sum = serviceNanos.sumThenReset();
        // Reset to zero first, then raise to what is in flight: a request admitted between the two
        // steps still counts in the next window.
        int peak = peakInFlight.getAndSet(0);
        peakInFlight.accumulateAndGet(inFlight.get(), Math::max);
        int old = applied;
        int next = adaptive.update(new AdaptiveLimit.Window((int) Math.min(Integer.MAX_VALUE, n), n == 0 ? 0 : sum / n, peak, saturated,
                windowNanos));
        int delta = next - old;
        // The limit first, then the permits (neither step can fail): whoever sees a request admitted
        // under the new limit sees the new limit too.
        applied = next;
        if (delta > 0) {
            permits.raise(delta);
        } else if (delta < 0) {
            permits.reduce(-delta);
        }
        if (delta != 0) {
            try {
                AdmissionLimitEvent.commit(old, next, saturated, adaptive.baselineNanos());
            } catch (RuntimeException e) {
                // an event that cannot be recorded changes nothing about admission
            }
        }
    }

    /** {@return the limit now: the adaptive one as last applied, or the fixed one} */
    int limit() {
        return applied;
    }

    /** {@return requests waiting for admission, an estimate} */
    int waiting() {
        return permits.waiting();
    }
}
