package dev.loomkit.server;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * One platform thread per server that looks at every connection a few times per shortest timeout:
 * it closes the channel of a connection whose blocking read or write is overdue, applies the
 * deadline of a request that has outlived it, and arms the client-gone watch for handlers that have
 * been running a while. It replaces a timer per read, which cost 20-33% of throughput in the design
 * measurements, and a timer per request: its cost grows with open connections, not with requests
 * per second.
 *
 * <p>Precision: a sweep runs every quarter of the shortest configured timeout (request deadlines,
 * route timeouts and the client-gone delay included), at least every 250 ms and at most every 5 ms.
 * A passed deadline, I/O timeout or client-gone delay is acted on within one sweep of passing: with
 * the defaults (client-gone check after 100 ms) within 25 ms. A handler that reads its deadline
 * ({@code Deadlines.remaining()}, {@code isCancelled()}) sees it exactly; only the interrupt that
 * wakes a blocked handler waits for the sweep.
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

    private final ServerImpl server;
    private final long tickNanos;
    private final long watchAfterNanos;
    private volatile boolean running = true;
    private Thread thread;

    Sweeper(ServerImpl server, ServerConfig config, Duration shortestRouteTimeout) {
        this.server = server;
        Duration tick = shortestRouteTimeout == null || config.shortestTimeout().compareTo(shortestRouteTimeout) <= 0
                ? config.shortestTimeout().dividedBy(4) : shortestRouteTimeout.dividedBy(4);
        this.tickNanos = Math.clamp(tick.toNanos(), Duration.ofMillis(5).toNanos(), Duration.ofMillis(250).toNanos());
        this.watchAfterNanos = config.clientGoneCheckAfter().toNanos();
    }

    void start(String name) {
        thread = Thread.ofPlatform().daemon().name(name).start(this);
    }

    @Override
    public void run() {
        while (running) {
            LockSupport.parkNanos(this, tickNanos);
            long now = System.nanoTime();
            int watchBudget = WATCHES_PER_SWEEP;
            for (Connection c : server.connections()) {
                try {
                    c.checkTimeout(now);
                    c.checkDeadline(now);
                    if (watchBudget > 0 && c.maybeWatch(now, watchAfterNanos)) {
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
