package dev.loomkit.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Admission control: how many handlers run at once. A fixed limit,
 * {@link ServerConfig#maxConcurrentRequests()}; or, with {@link ServerConfig#adaptiveAdmission()}
 * (on by default in the virtual mode), a limit learnt from handlers' latency while the server is under
 * pressure and free to grow while it is not ({@link AdaptiveLimit}, ADR 0007), with the fixed one as
 * its ceiling. Under pressure means, in the virtual mode, that the scheduler is overloaded (its lag,
 * {@link SchedulerLag}, stood above the target for an interval: see {@link #overloaded()}); in the
 * platform modes, whose pool bounds what runs, that the CPUs are saturated.
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
    /** Of {@code serviceNanos}: the turns admitted requests waited for a core while overloaded. */
    private final LongAdder turnNanos = new LongAdder();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();
    private long windowStart = System.nanoTime(); // the sweeper's
    /** The delay of the scheduler's queue ({@link SchedulerLag#NONE} outside the virtual mode). */
    private final SchedulerLag lag;
    /**
     * Whether the scheduler's queue stands (the sweeper writes it; handler threads read it): an
     * admitted request then yields its carrier once before it runs, so that it holds its permit
     * while it waits for a core, and the limit bounds the requests waiting for a core as it bounds
     * those waiting for I/O.
     */
    private volatile boolean overloaded;
    private long aboveSince; // the sweeper's: when the lag went above the target, or 0
    private long belowSince; // the sweeper's, while overloaded: since when it has been calm (decideOverload), or 0
    private long lastSweep = System.nanoTime(); // the sweeper's
    private long lastLagNanos; // the sweeper's: the scheduler's lag in the last sweep's window
    private boolean sawSaturated; // the sweeper's: whether the CPUs ever counted as saturated here
    /** The scheduler's lag above which, held for {@link #LAG_INTERVAL_NANOS}, admission counts it as overloaded. */
    private final long lagTargetNanos;
    /** Requests completed per second in the last adaptive window (the sweeper writes it). */
    private volatile double completedPerSecond;
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
    Admission(int maxConcurrent, Duration timeout, int maxConnections, int adaptiveInitial, SchedulerLag lag, AdmissionGate.Waits waits) {
        long timeoutNanos = timeout.toNanos();
        this.lag = java.util.Objects.requireNonNull(lag, "lag");
        this.lagTargetNanos = lagTarget(timeoutNanos);
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
        if (adaptive == null) {
            return permits.acquire() ? 0 : NOT_ADMITTED;
        }
        if (Thread.interrupted()) { // as acquire() would: a request cancelled already is not admitted
            throw new InterruptedException("request cancelled before admission");
        }
        // Taken at once: the request has not yet waited its turn for a core (see overloaded).
        boolean atOnce = permits.tryAcquire();
        if (!atOnce && !permits.acquire()) {
            return NOT_ADMITTED;
        }
        peakInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        long admittedAt = System.nanoTime();
        if (atOnce && overloaded) {
            // Behind the threads already runnable, holding the permit: the wait counts as service
            // time, which the limit learns from. (One granted from the queue was unparked, and
            // has already waited that turn.) In JDK 25 a virtual thread's yield goes to its
            // carrier's own queue when that queue has work, and otherwise to the pool's external
            // queue, which a carrier takes from once it has nothing of its own; either way, after
            // the work already waiting.
            Thread.yield();
            turnNanos.add(System.nanoTime() - admittedAt);
        }
        return admittedAt;
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
        if (adaptive == null) {
            return;
        }
        sawSaturated |= saturated;
        // The CPUs have room. Only where the process has been seen to fill them: under a
        // fractional CPU quota (1500m: 75% of the two CPUs the JVM counts) it never does, its share
        // would always read as room, and there only the empty queue ends overload.
        decideOverload(now, sawSaturated && !saturated);
        if (now - windowStart < WINDOW_NANOS) {
            return;
        }
        long windowNanos = now - windowStart;
        windowStart = now;
        // A request's time and its count may land in neighbouring windows (exit adds one, then the
        // other): one request in ten or more, which the window's mean can bear.
        long n = completed.sumThenReset();
        long sum = serviceNanos.sumThenReset();
        long turns = turnNanos.sumThenReset();
        completedPerSecond = n * 1e9 / windowNanos;
        // Reset to zero first, then raise to what is in flight: a request admitted between the two
        // steps still counts in the next window.
        int peak = peakInFlight.getAndSet(0);
        peakInFlight.accumulateAndGet(inFlight.get(), Math::max);
        int old = applied;
        // Overloaded, a request's latency is its wait before admission as well as its service time:
        // when handlers never block, the wait for a core is all before admission (SchedulerLag), and
        // a limit that saw only service times would never bind there. Not otherwise: a wait under
        // the target is what the load costs, and a cut would only move it into admission's queue.
        // Where the scheduler's lag is measured (the virtual mode), the limit is under pressure only
        // while that lag stands above its target, not whenever the CPUs are busy: an I/O-bound
        // server at its CPUs' limit has a short queue for its cores and answers in time, and a limit
        // cut there would only move the wait into admission's queue, and past its timeout into 503s
        // (measured: 10,000 I/O-bound connections on one core lost a third of their goodput).
        boolean pressed = lag.measures() ? overloaded : saturated;
        long before = overloaded ? lastLagNanos : 0;
        int next = adaptive.update(new AdaptiveLimit.Window((int) Math.min(Integer.MAX_VALUE, n), n == 0 ? 0 : sum / n + before,
                n == 0 ? 0 : Math.max(0, sum - turns) / n, peak, pressed, windowNanos));
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
                AdmissionLimitEvent.commit(old, next, pressed, adaptive.baselineNanos());
            } catch (RuntimeException e) {
                // an event that cannot be recorded changes nothing about admission
            }
        }
    }

    /** The longest {@code Retry-After} admission asks of a refused client, in seconds. */
    static final int MAX_RETRY_AFTER = 30;
    /** How long the lag must stay above its target before admission counts the scheduler as overloaded (CoDel's interval). */
    static final long LAG_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /**
     * How long it must be calm before admission stops counting the scheduler as overloaded: nobody
     * waiting for admission with the lag under half its target, or the CPUs with room and the lag
     * under its target ({@link #decideOverload}). Longer than the interval that starts it, since
     * the clients refused meanwhile come back after their {@code Retry-After}, together.
     */
    static final long CALM_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * The admission timeout, within [5 ms, 1 s]: a request that has waited before admission as long
     * as admission would let it wait in its own queue is one admission should have refused. Under
     * that, the wait is what the load costs, and a limit would only move it into admission's queue
     * and past its timeout into 503s: an I/O-bound server at its CPUs' limit (10,000 connections
     * on one core) waits 300-700 ms there and answers every request in time (ADR 0007).
     */
    static long lagTarget(long timeoutNanos) {
        return Math.clamp(timeoutNanos, TimeUnit.MILLISECONDS.toNanos(5), TimeUnit.SECONDS.toNanos(1));
    }

    /**
     * {@return the {@code Retry-After} for a request refused now, in seconds} One, unless the
     * scheduler is overloaded: then how long the requests waiting for admission would take to
     * drain at the rate requests complete, within [1, {@link #MAX_RETRY_AFTER}]. A client that
     * honours it comes back when it can be served; one sent back after a second would be refused
     * again, at a cost to the server each time.
     */
    int retryAfterSeconds() {
        if (!overloaded) {
            return 1;
        }
        return retryAfter(permits.waiting(), completedPerSecond);
    }

    /** {@return how long {@code waiting} requests take to drain at {@code perSecond}, in whole seconds within [1, {@link #MAX_RETRY_AFTER}]} */
    static int retryAfter(int waiting, double perSecond) {
        if (waiting <= 0) {
            return 1;
        }
        if (!(perSecond > 0)) {
            return MAX_RETRY_AFTER; // nothing completes: as long as a client is asked to wait
        }
        return (int) Math.clamp(Math.ceil(waiting / perSecond), 1, MAX_RETRY_AFTER);
    }

    /**
     * CoDel's rule on the scheduler's lag: overloaded once every sample for an interval was above
     * the target (a queue that stands, not a burst); no longer once, for {@link #CALM_NANOS}, either
     * nobody waited for admission at a sweep and every sample stayed under half the target, or the
     * CPUs had room and no sample stood above the target. Not on the lag alone: overloaded, admission keeps the scheduler's queue short, so a
     * low lag then says that admission works, not that the load has gone; an empty admission queue
     * says that. Nor on the queue alone: refused clients that come back as {@code Retry-After} told
     * them keep it from ever emptying, and a server overloaded while 5,000 clients connected and
     * its JIT compiled stayed so for good, refusing thousands with its core 40-54% busy (ADR 0007).
     * CPUs with room and a lag under the target say the scheduler's queue no longer stands for
     * want of a core; room with the lag still above it does not end overload (it would start again
     * at the next sweep, and each end lets the limit grow back and tells refused clients one
     * second). "Room" is this process's share of its CPUs: neighbours taking the cores, or a
     * reading that fails, read as room too, which is why the lag must agree.
     *
     * @param room whether the CPUs have room now (not saturated, where they have been seen saturated)
     */
    private void decideOverload(long now, boolean room) {
        long windowLag = lag.takeWindow(now);
        lastLagNanos = windowLag;
        boolean was = overloaded;
        if (!lag.measures()) {
            overloaded = false; // nothing measured (the platform modes, or a probe that failed): never overloaded
        } else if (!was) {
            if (windowLag > lagTargetNanos) {
                if (aboveSince == 0) {
                    aboveSince = lastSweep; // the whole window was above
                }
                if (now - aboveSince >= LAG_INTERVAL_NANOS) {
                    overloaded = true;
                }
            } else {
                aboveSince = 0;
            }
            belowSince = 0;
        } else if (calm(room, lag.windowMaxNanos())) {
            if (belowSince == 0) {
                belowSince = lastSweep;
            }
            if (now - belowSince >= CALM_NANOS) {
                overloaded = false;
                aboveSince = 0;
            }
        } else {
            belowSince = 0;
        }
        lastSweep = now;
        if (was != overloaded) {
            try {
                SchedulerOverloadEvent.commit(overloaded, windowLag, permits.waiting(), applied);
            } catch (RuntimeException e) {
                // an event that cannot be recorded changes nothing about admission
            }
        }
    }

    /**
     * {@return whether a sweep's window was calm while overloaded} With room on the CPUs, a lag
     * under the target is enough; without it, nobody may wait and the lag must stay under half.
     */
    private boolean calm(boolean room, long windowMaxLag) {
        return room ? windowMaxLag <= lagTargetNanos : permits.waiting() == 0 && windowMaxLag <= lagTargetNanos / 2;
    }

    /** {@return whether admission counts the scheduler as overloaded now} */
    boolean overloaded() {
        return overloaded;
    }

    /** {@return the scheduler's lag now, in nanoseconds: the last sample, or a pending one's age; 0 outside the virtual mode} */
    long schedulerLagNanos() {
        return lag.currentNanos(System.nanoTime());
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
