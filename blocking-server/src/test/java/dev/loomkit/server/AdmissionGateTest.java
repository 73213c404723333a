package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The admission gate on its own, with real threads of each kind: the order waiters are admitted in
 * (oldest first, newest first once the queue stands), expiry by the sweeper, interrupts, a limit
 * that moves, and a stress run that checks the permit count never goes past the limit.
 */
@Timeout(60)
class AdmissionGateTest {
    enum Kind {
        VIRTUAL, PLATFORM;

        Thread start(Runnable r) {
            return this == VIRTUAL ? Thread.ofVirtual().start(r) : Thread.ofPlatform().daemon().start(r);
        }
    }

    private static final long LONG = TimeUnit.HOURS.toNanos(1);
    private final Map<AdmissionGate.Outcome, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    private final AdmissionGate.Waits waits = (o, n) -> outcomes.computeIfAbsent(o, k -> new AtomicInteger()).incrementAndGet();

    private int outcomes(AdmissionGate.Outcome o) {
        AtomicInteger n = outcomes.get(o);
        return n == null ? 0 : n.get();
    }

    /** Starts a waiter that records its name in {@code order} once admitted; returns when it has queued. */
    private Thread queue(Kind kind, AdmissionGate gate, String name, List<String> order) {
        int before = gate.waiting();
        Thread t = kind.start(() -> {
            try {
                if (gate.acquire()) {
                    synchronized (order) {
                        order.add(name);
                    }
                } else {
                    synchronized (order) {
                        order.add(name + ":timed out");
                    }
                }
            } catch (InterruptedException e) {
                synchronized (order) {
                    order.add(name + ":interrupted " + Thread.currentThread().isInterrupted());
                }
            }
        });
        Eventually.until(name + " queued", () -> gate.waiting() == before + 1);
        return t;
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void testOldestFirstWhileTheQueueDrains(Kind kind) throws Exception {
        AdmissionGate gate = new AdmissionGate(1, LONG, waits);
        assertTrue(gate.acquire());
        List<String> order = new ArrayList<>();
        List<Thread> threads = List.of(queue(kind, gate, "a", order), queue(kind, gate, "b", order),
                queue(kind, gate, "c", order));
        for (int i = 0; i < 3; i++) {
            int admitted = i + 1;
            gate.release();
            Eventually.until(admitted + " admitted", () -> {
                synchronized (order) {
                    return order.size() == admitted;
                }
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(List.of("a", "b", "c"), order);
        assertEquals(0, gate.waiting());
        assertEquals(3, outcomes(AdmissionGate.Outcome.ADMITTED));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void testNewestFirstOnceTheQueueStands(Kind kind) throws Exception {
        AdmissionGate gate = new AdmissionGate(1, LONG, waits);
        assertTrue(gate.acquire());
        List<String> order = new ArrayList<>();
        long queuedFrom = System.nanoTime();
        List<Thread> threads = List.of(queue(kind, gate, "a", order), queue(kind, gate, "b", order),
                queue(kind, gate, "c", order));
        gate.expire(queuedFrom);
        assertFalse(gate.standing(), "a queue measured for less than " + AdmissionGate.RATE_NANOS + " ns does not stand");
        // Intervals in which nobody was admitted give no rate: the queue stands once its oldest
        // waiter has waited half the timeout (the sweeper's clock, not the machine's).
        gate.expire(System.nanoTime() + AdmissionGate.RATE_NANOS);
        assertFalse(gate.standing(), "nothing admitted yet, and the oldest waiter has waited far less than half an hour");
        gate.expire(System.nanoTime() + LONG / 2 + AdmissionGate.RATE_NANOS);
        assertTrue(gate.standing());
        gate.release();
        Eventually.until("c admitted", () -> {
            synchronized (order) {
                return order.equals(List.of("c"));
            }
        });
        gate.release();
        Eventually.until("b admitted", () -> {
            synchronized (order) {
                return order.size() == 2;
            }
        });
        // Drained to one waiter, the queue still stands until it is empty.
        gate.release();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(List.of("c", "b", "a"), order);
        assertFalse(gate.standing(), "an empty queue does not stand");
    }

    /** Queues waiters a to e, one after the other (oldest first). */
    private List<Thread> queueAll(Kind kind, AdmissionGate gate, List<String> order) {
        List<Thread> threads = new ArrayList<>();
        for (String name : List.of("a", "b", "c", "d", "e")) {
            threads.add(queue(kind, gate, name, order));
        }
        return threads;
    }

    private static void joinAll(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
    }

    /** Gives a permit back and waits until {@code admitted} waiters in all have recorded their turn. */
    private static void releaseAndAwait(AdmissionGate gate, List<String> order, int admitted) {
        gate.release();
        Eventually.until(admitted + " admitted", () -> {
            synchronized (order) {
                return order.size() == admitted;
            }
        });
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void testAQueueThatDrainsWellWithinTheTimeoutStaysOldestFirst(Kind kind) throws Exception {
        // A closed-loop load larger than the limit keeps a queue at all times; as long as it drains
        // quickly, newest-first would only turn its oldest waiters' short waits into refusals.
        AdmissionGate gate = new AdmissionGate(1, LONG, waits);
        assertTrue(gate.acquire());
        List<String> order = new ArrayList<>();
        List<Thread> threads = queueAll(kind, gate, order);
        // The oldest has waited half the timeout with nothing admitted: it stands.
        long clock = System.nanoTime() + LONG / 2 + AdmissionGate.RATE_NANOS;
        gate.expire(clock);
        assertTrue(gate.standing());
        releaseAndAwait(gate, order, 1); // e, the newest
        releaseAndAwait(gate, order, 2); // d
        // Two admitted in an interval with three waiting: the rest would drain in an interval and a
        // half, far below a quarter of the timeout, so it no longer stands.
        gate.expire(clock + AdmissionGate.RATE_NANOS);
        assertFalse(gate.standing(), "a queue that drains in ~150 ms of a 1 h timeout");
        for (int admitted = 3; admitted <= 5; admitted++) {
            releaseAndAwait(gate, order, admitted);
        }
        joinAll(threads);
        assertEquals(List.of("e", "d", "a", "b", "c"), order);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void testItStandsWhenTheMeasuredDrainPassesHalfTheTimeoutAndStaysUntilUnderAQuarter(Kind kind) throws Exception {
        // A 20 s timeout: nothing here waits that long by the machine's clock; the sweeper's clock
        // (the test's) decides the rates. Half the timeout is 10 s, a quarter 5 s.
        long timeout = TimeUnit.SECONDS.toNanos(20);
        long second = TimeUnit.SECONDS.toNanos(1);
        AdmissionGate gate = new AdmissionGate(1, timeout, waits);
        assertTrue(gate.acquire());
        List<String> order = new ArrayList<>();
        long t0 = System.nanoTime();
        List<Thread> threads = queueAll(kind, gate, order);
        releaseAndAwait(gate, order, 1); // a, oldest first
        // One admitted in 3 s, four waiting: 12 s to drain, over half the timeout.
        gate.expire(t0 + 3 * second);
        assertTrue(gate.standing());
        releaseAndAwait(gate, order, 2); // e, newest first
        // One in 2 s, three waiting: 6 s, between a quarter and a half: it stays as it was.
        gate.expire(t0 + 5 * second);
        assertTrue(gate.standing(), "inside the band it does not flip");
        releaseAndAwait(gate, order, 3); // d
        // One in half a second, two waiting: 1 s, under a quarter: oldest first again.
        gate.expire(t0 + 5 * second + second / 2);
        assertFalse(gate.standing());
        releaseAndAwait(gate, order, 4); // b
        releaseAndAwait(gate, order, 5); // c
        joinAll(threads);
        assertEquals(List.of("a", "e", "d", "b", "c"), order);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void testTheSweeperEndsTimedOutWaitsOldestFirst(Kind kind) throws Exception {
        // A timeout no pause of this machine's can reach: the test's own clock decides, through
        // expire (a real 1 s timeout could let "late" expire "early" as it joins).
        long timeout = LONG;
        AdmissionGate gate = new AdmissionGate(1, timeout, waits);
        assertTrue(gate.acquire());
        List<String> order = new ArrayList<>();
        Thread early = queue(kind, gate, "early", order);
        long between = System.nanoTime();
        Thread late = queue(kind, gate, "late", order);
        gate.expire(between - 1);
        assertEquals(2, gate.waiting(), "no wait has timed out yet");
        gate.expire(between + timeout); // past the early one's deadline, before the late one's
        early.join();
        assertEquals(List.of("early:timed out"), order);
        assertEquals(1, gate.waiting(), "the wait whose timeout has not passed goes on");
        gate.release();
        late.join();
        assertEquals(List.of("early:timed out", "late"), order);
        assertEquals(1, outcomes(AdmissionGate.Outcome.TIMED_OUT));
        assertEquals(1, outcomes(AdmissionGate.Outcome.ADMITTED));
    }

    /**
     * A release ends the waits that have timed out before it hands its permit on, without the
     * sweeper: under CPU overload what the sweeper (a platform thread) wakes may wait long for a
     * carrier, what a release wakes does not.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void testAReleaseEndsTimedOutWaitsBeforeGrantingWithoutTheSweeper(Kind kind) throws Exception {
        long timeout = TimeUnit.MILLISECONDS.toNanos(1);
        AdmissionGate gate = new AdmissionGate(1, timeout, waits);
        assertTrue(gate.acquire());
        List<String> order = new ArrayList<>();
        long before = System.nanoTime();
        Thread a = queue(kind, gate, "a", order);
        long passed = System.nanoTime() + 2 * timeout;
        while (System.nanoTime() - passed < 0) { // a deadline of the clock's, not a condition another thread signals
            java.util.concurrent.locks.LockSupport.parkNanos(timeout);
        }
        assertTrue(System.nanoTime() - before > timeout);
        gate.release();
        a.join();
        assertEquals(List.of("a:timed out"), order, "the timed-out wait ended; the permit was not handed to it");
        assertEquals(1, gate.available());
        assertEquals(0, gate.waiting());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void testAnInterruptEndsTheWaitClearsTheStatusAndLeavesNoPermitBehind(Kind kind) throws Exception {
        AdmissionGate gate = new AdmissionGate(1, LONG, waits);
        assertTrue(gate.acquire());
        List<String> order = new ArrayList<>();
        Thread t = queue(kind, gate, "a", order);
        t.interrupt();
        t.join();
        assertEquals(List.of("a:interrupted false"), order);
        assertEquals(0, gate.waiting());
        gate.release();
        assertTrue(gate.tryAcquire(), "the one permit is free again");
        assertFalse(gate.tryAcquire(), "and only the one");
        assertEquals(1, outcomes(AdmissionGate.Outcome.CANCELLED));

        Thread.currentThread().interrupt();
        gate.release();
        try {
            gate.acquire();
            throw new AssertionError("an interrupted thread must not be admitted");
        } catch (InterruptedException expected) {
            assertFalse(Thread.currentThread().isInterrupted());
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void testACutIsPaidBackBeforeAnyoneIsAdmittedAndARaiseAdmitsWaiters(Kind kind) throws Exception {
        AdmissionGate gate = new AdmissionGate(2, LONG, waits);
        assertTrue(gate.acquire());
        assertTrue(gate.acquire());
        gate.reduce(1); // the limit is now 1 with 2 held
        List<String> order = new ArrayList<>();
        Thread a = queue(kind, gate, "a", order);
        gate.release(); // pays back the cut
        assertEquals(1, gate.waiting(), "still over the limit: nobody admitted");
        gate.raise(1);
        a.join();
        assertEquals(List.of("a"), order);
    }

    /**
     * Many threads take and give back permits while the limit moves, some are interrupted and some
     * time out: no more than the limit ever hold a permit at once, every thread ends, and at the end
     * the permits are all back. (Expiry and interrupts here would rescue a lost wake-up: the
     * lockstep test below is the one that would catch it.)
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void testStressTheLimitHoldsAndNothingIsLost(Kind kind) throws Exception {
        int limit = 4;
        int threads = System.getenv("CI") != null ? 64 : 200;
        int rounds = 200;
        AdmissionGate gate = new AdmissionGate(limit, TimeUnit.MILLISECONDS.toNanos(20), waits);
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger extra = new AtomicInteger(); // permits the test has taken away from the limit
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(threads);
        List<Thread> all = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            all.add(kind.start(() -> {
                try {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int r = 0; r < rounds; r++) {
                        boolean admitted;
                        try {
                            admitted = random.nextInt(4) == 0 ? gate.tryAcquire() : gate.acquire();
                        } catch (InterruptedException e) {
                            continue;
                        }
                        if (admitted) {
                            int now = holding.incrementAndGet();
                            most.accumulateAndGet(now, Math::max);
                            if (now > limit) {
                                failure.compareAndSet(null, new AssertionError(now + " hold a permit, limit " + limit));
                            }
                            Thread.yield();
                            holding.decrementAndGet();
                            gate.release();
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            }));
        }
        // The sweeper's part, plus interrupts and a limit that dips and recovers.
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!done.await(1, TimeUnit.MILLISECONDS)) {
            gate.expire(System.nanoTime());
            all.get(random.nextInt(threads)).interrupt();
            if (extra.get() == 0 && random.nextBoolean()) {
                gate.reduce(1);
                extra.set(1);
            } else if (extra.get() == 1) {
                gate.raise(1);
                extra.set(0);
            }
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        if (extra.get() == 1) {
            gate.raise(1);
        }
        assertEquals(0, gate.waiting());
        for (int i = 0; i < limit; i++) {
            assertTrue(gate.tryAcquire(), "permit " + (i + 1) + " of " + limit + " is back");
        }
        assertFalse(gate.tryAcquire(), "no permit beyond the limit");
        assertTrue(most.get() >= 1);
    }

    /**
     * The hand-off between a releaser and a thread joining the queue, round after round in
     * lockstep, with a third thread taking the fast path beside them. No sweeper and no interrupt
     * could rescue a waiter here: a lost wake-up leaves it parked, and the bounded join fails.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void testLockstepHandOffsLoseNoWakeUp(Kind kind) throws Exception {
        int rounds = System.getenv("CI") != null ? 3_000 : 10_000;
        AdmissionGate gate = new AdmissionGate(1, LONG, waits);
        for (int r = 0; r < rounds; r++) {
            assertTrue(gate.tryAcquire(), "round " + r + " starts with the one permit free");
            java.util.concurrent.CyclicBarrier barrier = new java.util.concurrent.CyclicBarrier(2);
            java.util.concurrent.atomic.AtomicBoolean got = new java.util.concurrent.atomic.AtomicBoolean();
            Thread joiner = kind.start(() -> {
                try {
                    barrier.await(10, TimeUnit.SECONDS);
                    got.set(gate.acquire());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            Thread barger = kind.start(() -> {
                if (gate.tryAcquire()) {
                    gate.release();
                }
            });
            barrier.await(10, TimeUnit.SECONDS);
            gate.release(); // races the joiner's joining
            joiner.join(10_000);
            barger.join(10_000);
            int round = r;
            assertFalse(joiner.isAlive(), () -> "lost wake-up in round " + round + ": waiting " + gate.waiting() + ", available " + gate.available());
            assertTrue(got.get());
            gate.release();
            assertEquals(1, gate.available(), "round " + r + " ends with the one permit back");
        }
    }
}
