package dev.loomkit.server;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Admission control: at most {@link ServerConfig#maxConcurrentRequests()} handlers run at once.
 *
 * <p>Why a server on virtual threads needs it: a thread per connection costs almost nothing, so
 * nothing else stops the server from taking on every request it is sent. When the work is
 * CPU-bound, the cores are then shared among all of them, and past a point every request finishes
 * after its client has given up: the server stays busy and answers no one in time. A limit with a
 * bounded wait keeps the admitted requests fast and refuses the rest early with 503, which a
 * client or a load balancer can act on. A platform pool gets the same effect, less precisely, from
 * its size and queue; the limit applies in both modes alike.
 *
 * <p>The wait is first come, first served (a fair semaphore), so no request waits longer than the
 * ones admitted ahead of it need. It happens inside the request scope, with the handler's
 * cancellation hook armed: the request deadline, the server's shutdown and the client going away
 * all end it early, by interrupt.
 */
final class Admission {
    private final Semaphore permits;
    private final long timeoutNanos;
    /**
     * False when the limit cannot bind: a request needs a connection, so with at least as many
     * permits as connections allowed, every request would get one at once. The semaphore is then
     * left alone, which saves two contended atomic operations per request.
     */
    private final boolean binds;

    Admission(int maxConcurrent, Duration timeout, int maxConnections) {
        this.permits = new Semaphore(maxConcurrent, true);
        this.timeoutNanos = timeout.toNanos();
        this.binds = maxConcurrent < maxConnections;
    }

    /**
     * Waits for admission, at most the admission timeout. Wakes on a permit, on the timeout, or on
     * interrupt; an interrupt clears the interrupt status and throws.
     *
     * @return whether the request was admitted; if so, the caller must {@link #exit()}
     * @throws InterruptedException if the request was cancelled while it waited
     */
    boolean tryEnter() throws InterruptedException {
        if (!binds) {
            if (Thread.currentThread().isInterrupted()) { // as the semaphore would: cancelled before it began
                Thread.interrupted();
                throw new InterruptedException("request cancelled before admission");
            }
            return true;
        }
        return permits.tryAcquire(timeoutNanos, TimeUnit.NANOSECONDS);
    }

    /** Gives back the permit of an admitted request. */
    void exit() {
        if (binds) {
            permits.release();
        }
    }

    /** {@return requests waiting for admission, an estimate} */
    int waiting() {
        return permits.getQueueLength();
    }
}
