package dev.loomkit.server;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The permits behind admission and the queue of requests waiting for one. While the queue can drain
 * within the wait allowed, it is first come, first served; once it stands, the newest waiter is
 * admitted first and the oldest wait out their timeout (adaptive LIFO, after Facebook's "Fail at
 * Scale"): under overload the requests admitted are the ones whose clients are still waiting for
 * them, and the refused ones are slowed by their own wait rather than retried at once. Every wait
 * has the gate's one timeout.
 *
 * <p>When the queue stands. Not when it has merely been non-empty for a while: a closed-loop
 * population larger than the limit keeps a queue at all times, and if that queue drains in a tenth
 * of the timeout, newest-first would only make its oldest waiters time out, turning a short wait
 * into a refusal (measured: 503s and client timeouts at 100 connections, which first come, first
 * served answers all). It stands when first come, first served would make the newest waiter wait
 * more than half the timeout: the waiters now against the rate at which permits were granted to
 * waiters over the last {@link #RATE_NANOS} (at least; the sweeper decides). An interval in which
 * nothing was granted gives no rate (handlers of 300 ms under a limit of 2 grant less than one
 * permit per 100 ms, and their queue drains in time): it goes on until something is, and meanwhile
 * the queue stands only once its oldest waiter has waited half the timeout. It stops standing when
 * the drain time falls under a quarter of the timeout, or the queue empties.
 *
 * <p>Why not a {@link java.util.concurrent.Semaphore}: its timed wait schedules a timer per waiter,
 * and its cancellation walks the queue (a JFR profile had 19% of a saturated core in
 * {@code AbstractQueuedSynchronizer.cleanQueue} with 5,000 waiters timing out); and it cannot
 * admit the newest first. Here a waiter parks without a timer: every waiter has the same timeout and
 * takes its start time under the lock that links it, so the queue is in deadline order, and the
 * sweeper {@link #expire expires} from its head; so does every release and every new waiter,
 * which run on the scheduler's carriers (see {@link #grant} for why that matters). A wait
 * therefore ends at the first release or arrival after its timeout, at the latest one sweep after
 * it. Unlinking a waiter is O(1).
 *
 * <p>The permit count may go negative when the limit is cut: releases then pay it back before
 * anyone is admitted.
 *
 * <p>Locking: {@link #lock} guards the queue ({@code head}, {@code tail}, each waiter's links,
 * {@code standing}, {@code grantsSince}, {@code rateFrom}). {@code available} is an atomic so that admission
 * without a queue takes no lock: a request takes a permit by compare-and-set while {@code waiting}
 * reads 0. The two sides meet Dekker-style: a waiter joins the queue ({@code waiting} up) and then
 * tries for a permit; a releaser adds the permit and then looks at {@code waiting}; whichever
 * comes second sees the other.
 */
final class AdmissionGate {
    /** The shortest interval over which the rate of grants to waiters is measured. */
    static final long RATE_NANOS = 100_000_000L;

    /** How a wait in the queue ended. */
    enum Outcome { ADMITTED, TIMED_OUT, CANCELLED }

    /** Told of every wait in the queue (not of a permit taken at once), by the thread that waited. */
    @FunctionalInterface
    interface Waits {
        void waited(Outcome outcome, long nanos);
    }

    private static final int WAITING = 0;
    private static final int GRANTED = 1;
    private static final int EXPIRED = 2;

    /** A request waiting for a permit. */
    private static final class Waiter {
        final Thread thread;
        final long deadline;
        /** Written under the lock; read by the waiter without it. */
        volatile int state;
        /** Guarded by the lock; a granted or expired waiter's {@code next} chains the ones to unpark. */
        Waiter prev;
        Waiter next;

        Waiter(Thread thread, long deadline) {
            this.thread = thread;
            this.deadline = deadline;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicInteger available;
    /** Waiters in the queue; written under the lock, read without it. */
    private volatile int waiting;
    private Waiter head;
    private Waiter tail;
    private boolean standing;
    /** Permits granted to waiters since {@code rateFrom}, the interval's start. */
    private long grantsSince;
    private long rateFrom;
    private final long timeoutNanos;
    private final Waits waits;

    /**
     * @param permits      the permits to start with
     * @param timeoutNanos how long a wait may last (ended by {@link #expire}); 0 or less: no wait,
     *                     a request without a free permit is refused at once
     * @param waits        told how each wait in the queue ended
     */
    AdmissionGate(int permits, long timeoutNanos, Waits waits) {
        this.available = new AtomicInteger(permits);
        this.timeoutNanos = timeoutNanos;
        this.waits = java.util.Objects.requireNonNull(waits, "waits");
    }

    /**
     * Takes a permit, waiting at most the gate's timeout (give or take a sweep). Wakes on a permit,
     * on {@link #expire}, or on interrupt; an interrupt clears the interrupt status and throws. A
     * permit granted just as an interrupt arrives is kept, with the interrupt status set.
     *
     * @return true if a permit was taken, false if the wait timed out
     * @throws InterruptedException if interrupted before or while waiting (no permit is kept)
     */
    boolean acquire() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("cancelled before admission");
        }
        if (waiting == 0 && tryTake()) {
            return true;
        }
        if (timeoutNanos <= 0) {
            return false;
        }
        Waiter w;
        Wake wake = new Wake();
        long start;
        lock.lock();
        try {
            // The start time under the lock: waiters are linked in the order of their deadlines.
            start = System.nanoTime();
            w = new Waiter(Thread.currentThread(), start + timeoutNanos);
            expireLocked(start, wake);
            link(w, start);
            grantLocked(wake);
        } finally {
            lock.unlock();
        }
        wake.unparkAll(w);
        while (w.state == WAITING) {
            LockSupport.park(this);
            if (Thread.interrupted()) {
                leave(w);
                tell(Outcome.CANCELLED, start);
                throw new InterruptedException("cancelled while waiting for admission");
            }
        }
        boolean granted = w.state == GRANTED;
        tell(granted ? Outcome.ADMITTED : Outcome.TIMED_OUT, start);
        return granted;
    }

    /** {@return a permit if one is free and nobody waits; never queues} */
    boolean tryAcquire() {
        return waiting == 0 && tryTake();
    }

    /** Reports a wait; a report that fails must not lose the permit just granted. */
    private void tell(Outcome outcome, long start) {
        try {
            waits.waited(outcome, System.nanoTime() - start);
        } catch (RuntimeException | LinkageError | AssertionError e) {
            // metrics are not worth a permit (a VirtualMachineError still propagates)
        }
    }

    /** Interrupted: leaves the queue, or gives back a permit granted meanwhile. */
    private void leave(Waiter w) {
        boolean granted;
        lock.lock();
        try {
            granted = w.state == GRANTED;
            if (w.state == WAITING) {
                unlink(w);
                w.state = EXPIRED;
            }
        } finally {
            lock.unlock();
        }
        if (granted) {
            release();
        }
    }

    /** Gives a permit back: to a waiter, if any (which one depends on whether the queue stands). */
    void release() {
        raise(1);
    }

    /** Adds {@code n} permits (the limit went up), granting them to waiters first. */
    void raise(int n) {
        available.addAndGet(n);
        if (waiting != 0) {
            grant();
        }
    }

    /** Takes {@code n} permits away (the limit went down); the count may go negative. */
    void reduce(int n) {
        available.addAndGet(-n);
    }

    /** {@return the free permits now, negative while a cut is paid back} Tests. */
    int available() {
        return available.get();
    }

    /** {@return waiters in the queue now} */
    int waiting() {
        return waiting;
    }

    /** {@return whether the queue stands (newest first), as of the last {@link #expire}} Tests. */
    boolean standing() {
        lock.lock();
        try {
            return standing;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Sweeper: ends the waits whose timeout has passed (they return false), and decides whether the
     * queue stands.
     *
     * @param now {@link System#nanoTime()}
     */
    void expire(long now) {
        if (waiting == 0) {
            return;
        }
        Wake wake = new Wake();
        lock.lock();
        try {
            expireLocked(now, wake);
            decideStanding(now);
        } finally {
            lock.unlock();
        }
        wake.unparkAll(null);
    }

    /**
     * Once an interval of at least {@link #RATE_NANOS} has passed: whether first come, first served
     * would keep the newest waiter past half the timeout (it stands), or under a quarter (it no longer
     * does). In between it stays as it was, so that it does not flip with every interval's noise.
     */
    private void decideStanding(long now) {
        assert lock.isHeldByCurrentThread();
        long elapsed = now - rateFrom;
        if (head == null || elapsed < RATE_NANOS) {
            return;
        }
        if (grantsSince == 0) {
            // No rate yet: the interval goes on. What the oldest waiter has waited is a lower bound
            // on what first come, first served makes the newest wait.
            if (now - (head.deadline - timeoutNanos) > timeoutNanos / 2) {
                standing = true;
                rateFrom = now;
            }
            return;
        }
        // drain = waiting * elapsed / grantsSince, compared without dividing.
        double drainTimesGrants = (double) waiting * elapsed;
        if (drainTimesGrants > (double) grantsSince * (timeoutNanos / 2)) {
            standing = true;
        } else if (drainTimesGrants < (double) grantsSince * (timeoutNanos / 4)) {
            standing = false;
        }
        grantsSince = 0;
        rateFrom = now;
    }

    /** Ends the waits whose deadline has passed, oldest first, adding them to {@code wake}. */
    private void expireLocked(long now, Wake wake) {
        assert lock.isHeldByCurrentThread();
        while (head != null && now - head.deadline >= 0) {
            Waiter w = head;
            unlink(w);
            w.state = EXPIRED;
            wake.add(w);
        }
    }

    /**
     * A release with waiters: ends the timed-out waits first, then hands the free permits out.
     * Timed-out waits end here as well as in the sweeper because of who wakes them: a virtual
     * thread unparked by a platform thread (the sweeper) is an external submission to the
     * scheduler, which its carriers reach only when they run out of work of their own; under CPU
     * overload they never do. A thread dump at 1,000 CPU-bound connections had 1,184 waiters
     * runnable but unscheduled, none answered within 3 s of its 1 s timeout. A release runs on
     * a carrier, and what it unparks joins that carrier's queue in turn.
     */
    private void grant() {
        Wake wake = new Wake();
        lock.lock();
        try {
            expireLocked(System.nanoTime(), wake);
            grantLocked(wake);
        } finally {
            lock.unlock();
        }
        wake.unparkAll(null);
    }

    /** Hands free permits to waiters, adding them to {@code wake}. */
    private void grantLocked(Wake wake) {
        assert lock.isHeldByCurrentThread();
        while (head != null && tryTake()) {
            Waiter w = standing ? tail : head;
            unlink(w);
            grantsSince++;
            w.state = GRANTED;
            wake.add(w);
        }
    }

    /** Waiters to unpark once the lock is released, chained through their (unlinked) {@code next}. */
    private static final class Wake {
        private Waiter first;
        private Waiter last;

        void add(Waiter w) {
            if (first == null) {
                first = w;
            } else {
                last.next = w;
            }
            last = w;
        }

        void unparkAll(Waiter self) {
            for (Waiter w = first; w != null; ) {
                Waiter next = w.next;
                if (w != self) {
                    LockSupport.unpark(w.thread);
                }
                w = next;
            }
        }
    }

    private boolean tryTake() {
        for (int a = available.get(); a > 0; a = available.get()) {
            if (available.compareAndSet(a, a - 1)) {
                return true;
            }
        }
        return false;
    }

    private void link(Waiter w, long now) {
        assert lock.isHeldByCurrentThread();
        if (tail == null) {
            head = w;
            // A new queue: its drain rate is measured from now.
            grantsSince = 0;
            rateFrom = now;
        } else {
            tail.next = w;
            w.prev = tail;
        }
        tail = w;
        waiting++; // volatile write, before grantLocked's read of the permits: the Dekker pair of release
    }

    private void unlink(Waiter w) {
        assert lock.isHeldByCurrentThread();
        if (w.prev == null) {
            head = w.next;
        } else {
            w.prev.next = w.next;
        }
        if (w.next == null) {
            tail = w.prev;
        } else {
            w.next.prev = w.prev;
        }
        w.prev = null;
        w.next = null;
        waiting--;
        if (head == null) {
            standing = false;
        }
    }
}
