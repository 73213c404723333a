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
    private Thread queue(Kind kind, AdmissionGate gate, String name, List<String> order, long timeout) {
        int before = gate.waiting();
        Thread t = kind.start(() -> {
            try {
                if (gate.acquire(timeout)) {
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
        AdmissionGate gate = new AdmissionGate(1, waits);
        assertTrue(gate.acquire(LONG));
        List<String> order = new ArrayList<>();
        List<Thread> threads = List.of(queue(kind, gate, "a", order, LONG), queue(kind, gate, "b", order, LONG),
                queue(kind, gate, "c", order, LONG));
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
        AdmissionGate gate = new AdmissionGate(1, waits);
        assertTrue(gate.acquire(LONG));
        List<String> order = new ArrayList<>();
        long queuedFrom = System.nanoTime();
        List<Thread> threads = List.of(queue(kind, gate, "a", order, LONG), queue(kind, gate, "b", order, LONG),
                queue(kind, gate, "c", order, LONG));
        gate.expire(queuedFrom);
        assertFalse(gate.standing(), "a queue younger than " + AdmissionGate.STANDING_NANOS + " ns does not stand");
        // The sweeper's clock, a standing period on: the queue has not been empty since.
        gate.expire(System.nanoTime() + AdmissionGate.STANDING_NANOS);
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

    @ParameterizedTest
    @EnumSource(Kind.class)
    void testTheSweeperEndsTimedOutWaitsOldestFirst(Kind kind) throws Exception {
        AdmissionGate gate = new AdmissionGate(1, waits);
        assertTrue(gate.acquire(LONG));
        List<String> order = new ArrayList<>();
        Thread early = queue(kind, gate, "early", order, TimeUnit.MILLISECONDS.toNanos(1));
        Thread late = queue(kind, gate, "late", order, LONG);
        gate.expire(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
        early.join();
        assertEquals(List.of("early:timed out"), order);
        assertEquals(1, gate.waiting(), "the wait whose timeout has not passed goes on");
        gate.release();
        late.join();
        assertEquals(List.of("early:timed out", "late"), order);
        assertEquals(1, outcomes(AdmissionGate.Outcome.TIMED_OUT));
        assertEquals(1, outcomes(AdmissionGate.Outcome.ADMITTED));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void testAnInterruptEndsTheWaitClearsTheStatusAndLeavesNoPermitBehind(Kind kind) throws Exception {
        AdmissionGate gate = new AdmissionGate(1, waits);
        assertTrue(gate.acquire(LONG));
        List<String> order = new ArrayList<>();
        Thread t = queue(kind, gate, "a", order, LONG);
        t.interrupt();
        t.join();
        assertEquals(List.of("a:interrupted false"), order);
        assertEquals(0, gate.waiting());
        gate.release();
        assertTrue(gate.acquire(0), "the one permit is free again");
        assertFalse(gate.acquire(0), "and only the one");
        assertEquals(1, outcomes(AdmissionGate.Outcome.CANCELLED));

        Thread.currentThread().interrupt();
        gate.release();
        try {
            gate.acquire(LONG);
            throw new AssertionError("an interrupted thread must not be admitted");
        } catch (InterruptedException expected) {
            assertFalse(Thread.currentThread().isInterrupted());
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void testACutIsPaidBackBeforeAnyoneIsAdmittedAndARaiseAdmitsWaiters(Kind kind) throws Exception {
        AdmissionGate gate = new AdmissionGate(2, waits);
        assertTrue(gate.acquire(LONG));
        assertTrue(gate.acquire(LONG));
        gate.reduce(1); // the limit is now 1 with 2 held
        List<String> order = new ArrayList<>();
        Thread a = queue(kind, gate, "a", order, LONG);
        gate.release(); // pays back the cut
        assertEquals(1, gate.waiting(), "still over the limit: nobody admitted");
        gate.raise(1);
        a.join();
        assertEquals(List.of("a"), order);
    }

    /**
     * Many threads take and give back permits while the limit moves, some are interrupted and some
     * time out: no more than the limit ever hold a permit at once, no wake-up is lost (every thread
     * ends, though a quarter of the waits have no timeout), and at the end the permits are all back.
     */
    @ParameterizedTest
    @EnumSource(Kind.class)
    void testStressTheLimitHoldsAndNothingIsLost(Kind kind) throws Exception {
        int limit = 4;
        int threads = System.getenv("CI") != null ? 64 : 200;
        int rounds = 200;
        AdmissionGate gate = new AdmissionGate(limit, waits);
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
                        // Every fourth wait has no timeout the sweeper could end: a lost wake-up
                        // leaves its thread parked, and the test times out.
                        long timeout = switch (random.nextInt(4)) {
                            case 0 -> 0;
                            case 1 -> LONG;
                            default -> TimeUnit.MILLISECONDS.toNanos(random.nextInt(1, 50));
                        };
                        try {
                            admitted = gate.acquire(timeout);
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
            assertTrue(gate.acquire(0), "permit " + (i + 1) + " of " + limit + " is back");
        }
        assertFalse(gate.acquire(0), "no permit beyond the limit");
        assertTrue(most.get() >= 1);
    }
}
