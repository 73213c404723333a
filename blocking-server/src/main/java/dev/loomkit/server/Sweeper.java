package dev.loomkit.server;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.locks.LockSupport;

/**
 * One platform thread per server that looks at every connection a few times per shortest timeout:
 * it closes the channel of a connection whose blocking read or write is overdue, applies the
 * deadline of a request that has outlived it, and arms the client-gone watch for handlers that have
 * been running a while. It replaces a timer per read, which cost 20-33% of throughput in the design
 * measurements, and a timer per request: its cost grows with open connections and sweeps per
 * second, not with requests per second.
 *
 * <p>Precision: a sweep runs every quarter of the shortest configured timeout or deadline (route
 * timeouts included), and at least once per client-gone delay; never more often than every 5 ms,
 * never less often than every 250 ms. With the defaults (10 s head timeout, 100 ms client-gone
 * delay) that is every 100 ms. A passed deadline or I/O timeout is acted on within one sweep of
 * passing; the client-gone watch starts within one sweep after the delay (for a delay of 5 ms or
 * more, between one and two delays into a handler), unless the sweep's budget of watches is spent
 * or the connection is busy at that moment, and then at a later sweep. A handler that
 * reads its deadline ({@code Deadlines.remaining()}, {@code isCancelled()}) sees it exactly; only
 * the interrupt that wakes a blocked handler waits for the sweep.
 *
 * <p>Overload: while the process uses at least 90% of its CPUs ({@link CpuSaturation}), a handler
 * is watched only after {@value #SATURATED_WATCH_FACTOR} times the client-gone delay (1 s by
 * default). A saturated server's requests are late because they wait for a core, and arming a
 * watch for each of them (two selector round trips) would add work exactly where there is none to
 * spare; a handler that is blocked for long is still watched. At most
 * {@value #WATCHES_PER_SWEEP} watches are armed per sweep, saturated or not.
 */
final class Sweeper implements Runnable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HttpServer.class);
    /**
     * At most this many client-gone watches are armed per sweep. When the cores are saturated,
     * handlers overrun the watch delay by the thousand (their wake-ups come late), and arming all
     * of them would spend the time they are short of; with the budget the watch costs a bounded
     * amount per second however many requests run late, and the handlers left out this sweep are
     * looked at again in the next.
     */
    static final int WATCHES_PER_SWEEP = 64;
    /** While the CPUs are saturated, a handler is watched after this many client-gone delays. */
    static final int SATURATED_WATCH_FACTOR = 10;

    private final Collection<Connection> connections;
    private final Admission admission;
    private final long tickNanos;
    private final long watchAfterNanos;
    private final long saturatedWatchAfterNanos;
    private final java.util.function.LongPredicate saturated;
    private volatile boolean running = true;
    private Thread thread;

    /**
     * @param connections the server's open connections, a concurrent collection it keeps up to date
     * @param admission   the server's admission, whose timed-out waits and adaptive limit the sweep keeps
     */
    Sweeper(Collection<Connection> connections, Admission admission, ServerConfig config, Duration shortestRouteTimeout,
            java.util.function.LongPredicate saturated) {
        this.connections = connections;
        this.admission = admission;
        this.tickNanos = tickNanos(config, shortestRouteTimeout);
        this.watchAfterNanos = nanos(config.clientGoneCheckAfter());
        // Saturating: a delay of centuries (the watch as good as off) must not overflow.
        this.saturatedWatchAfterNanos = watchAfterNanos > Long.MAX_VALUE / SATURATED_WATCH_FACTOR
                ? Long.MAX_VALUE / 2 : watchAfterNanos * SATURATED_WATCH_FACTOR;
        this.saturated = saturated;
    }

    /**
     * A quarter of the shortest timeout, deadline or admission wait, and no more than the client-gone delay. That
     * delay is a threshold for a heuristic, not a deadline: a quarter of it would sweep four times
     * as often as it needs (each sweep looks at every connection), so it only caps the period.
     */
    static long tickNanos(ServerConfig config, Duration shortestRouteTimeout) {
        Duration shortest = config.shortestTimeout();
        // Admission waits end here too, but only where admission can make anyone wait.
        boolean admissionBinds = Admission.canBind(config.maxConcurrentRequests(), config.maxConnections(), config.adaptiveAdmission());
        if (admissionBinds && config.admissionTimeout().compareTo(shortest) < 0) {
            shortest = config.admissionTimeout();
        }
        if (shortestRouteTimeout != null && shortestRouteTimeout.compareTo(shortest) < 0) {
            shortest = shortestRouteTimeout;
        }
        long tick = Math.min(nanos(shortest.dividedBy(4)), nanos(config.clientGoneCheckAfter()));
        return Math.clamp(tick, Duration.ofMillis(5).toNanos(), Duration.ofMillis(250).toNanos());
    }

    /** {@return the duration in nanoseconds, at most ~146 years: later than that is never, and must not overflow} */
    private static long nanos(Duration d) {
        return d.compareTo(Duration.ofNanos(Long.MAX_VALUE / 2)) >= 0 ? Long.MAX_VALUE / 2 : d.toNanos();
    }

    void start(String name) {
        thread = Thread.ofPlatform().daemon().name(name).start(this);
    }

    @Override
    public void run() {
        while (running) {
            LockSupport.parkNanos(this, tickNanos);
            long now = System.nanoTime();
            boolean cpusSaturated;
            try {
                cpusSaturated = saturated.test(now);
            } catch (RuntimeException | Error e) {
                // The sweep must go on: admission waits and request deadlines end only here.
                LOG.error("sweeper: reading CPU saturation failed", e);
                cpusSaturated = false;
            }
            long watchAfter = cpusSaturated ? saturatedWatchAfterNanos : watchAfterNanos;
            try {
                admission.sweep(now, cpusSaturated); // timed-out waits; the adaptive limit's window once 100 ms have passed
            } catch (RuntimeException | Error e) {
                LOG.error("sweeper: adapting the admission limit failed", e);
            }
            int watchBudget = WATCHES_PER_SWEEP;
            for (Connection c : connections) {
                try {
                    c.checkTimeout(now);
                    c.checkDeadline(now);
                    if (watchBudget > 0 && c.maybeWatch(now, watchAfter)) {
                        watchBudget--;
                    }
                } catch (RuntimeException | Error e) {
                    // One connection's trouble must not stop every timeout and deadline of the server.
                    LOG.error("sweeper: checking {} failed", c, e);
                }
            }
        }
    }

    void stop() {
        running = false;
        LockSupport.unpark(thread);
        Uninterruptibly.join(thread);
    }
}
