package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Admission's reading of the scheduler's lag, driven window by window: the lag's samples are given
 * by hand (a meter not started), requests are admitted and let go by this thread, and the sweeps'
 * clock is synthetic. When it counts the scheduler as overloaded (CoDel's rule), when it stops, what
 * that does to the adaptive limit, and what a refused client is told.
 */
@Timeout(60)
class SchedulerOverloadTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    /** The admission timeout, and so the lag's target. */
    private static final Duration TIMEOUT = Duration.ofSeconds(1);
    private static final long TARGET = Admission.lagTarget(TIMEOUT.toNanos());

    private final SchedulerLag lag = SchedulerLag.ofVirtualThreads();
    private final Admission admission = new Admission(10_000, TIMEOUT, 10_000, 64, lag, (outcome, nanos) -> { });
    private long now = System.nanoTime();

    @BeforeEach
    void alignTheSweepsClock() {
        // The admission took its last sweep's time when it was made, a little before now was: one
        // sweep at now, with nothing in its window, starts the synthetic clock where the tests count.
        admission.sweep(now, false);
    }

    /** One sweep {@code ms} after the last, with the given samples in its window, the CPUs saturated. */
    private void sweep(long ms, long... samplesMs) {
        sweep(true, ms, samplesMs);
    }

    private void sweep(boolean saturated, long ms, long... samplesMs) {
        for (long s : samplesMs) {
            lag.record(s * MS);
        }
        now += ms * MS;
        admission.sweep(now, saturated);
    }

    /** {@code n} requests admitted and let go, each as if it had been served for {@code serviceMs}. */
    private void serve(int n, long serviceMs) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            long admittedAt = admission.enter();
            assertTrue(admittedAt != Admission.NOT_ADMITTED);
            admission.exit(admittedAt - serviceMs * MS);
        }
    }

    @Test
    void testTheTargetIsTheAdmissionTimeoutWithinBounds() {
        assertEquals(TimeUnit.SECONDS.toNanos(1), TARGET);
        assertEquals(TimeUnit.MILLISECONDS.toNanos(300), Admission.lagTarget(TimeUnit.MILLISECONDS.toNanos(300)));
        assertEquals(TimeUnit.SECONDS.toNanos(1), Admission.lagTarget(TimeUnit.SECONDS.toNanos(30)), "at most a second");
        assertEquals(TimeUnit.MILLISECONDS.toNanos(5), Admission.lagTarget(0), "a server that never queues still has one");
    }

    @Test
    void testOverloadedOnceTheLagStoodAboveTheTargetForAWholeInterval() {
        long above = TARGET / MS + 200;
        sweep(50, above);
        assertFalse(admission.overloaded(), "one window of 50 ms above: a burst");
        sweep(30, above, 3);
        assertFalse(admission.overloaded(), "a short sample in the window: the queue drained once, start again");
        sweep(50, above);
        sweep(40, above);
        assertFalse(admission.overloaded(), "90 ms above");
        sweep(20, above, above + 50);
        assertTrue(admission.overloaded(), "110 ms in which every sample was above the target");
    }

    /**
     * Runs the probe as it runs: one byte in flight, each written 10 ms after the last was read and
     * read {@code lagsMs[i]} ms after it was written, a sweep every 100 ms. Between two samples the
     * windows see only the unread byte's age. Returns after the last read, before its sweep.
     */
    private void probe(long... lagsMs) {
        long readAt = now;
        for (long l : lagsMs) {
            long writtenAt = readAt + 10 * MS;
            readAt = writtenAt + l * MS;
            while (now + 100 * MS <= readAt) {
                long next = now + 100 * MS;
                lag.pendingSince(next >= writtenAt ? writtenAt : 0);
                now = next;
                admission.sweep(now, true);
            }
            lag.pendingSince(0);
            lag.record(l * MS);
        }
    }

    @Test
    void testWithOneByteInFlightOneSampleAboveTheTargetOverloads() {
        // A lag that stands at 0.6 s (10,000 I/O-bound connections on one core) gives a sample
        // every 0.6 s, and the windows between see the unread byte's age, from zero: the rule's
        // 100 ms are met by the one window in which a late sample completes. So one sample above
        // the target overloads, a burst's too: 1.06-1.09 s while 10,000 clients connected, in 3
        // of 5 runs (ADR 0007, "The burst that looked like overload"; the rules tried against it
        // let mixed collapse instead).
        probe(600, 600, 990, 600, 600);
        sweep(100);
        assertFalse(admission.overloaded(), "samples at or under the target");
        probe(1_090);
        sweep(100);
        assertTrue(admission.overloaded(), "one sample of 1.09 s");
    }

    @Test
    void testWindowsWithoutSamplesSayNothing() {
        // No sample at all in the windows, and none pending: nothing says the queue stands.
        sweep(100);
        sweep(100);
        assertFalse(admission.overloaded());
    }

    @Test
    void testNoLongerOverloadedOnlyAfterALongCalm() throws InterruptedException {
        long above = TARGET / MS + 200;
        sweep(100, above);
        sweep(100, above);
        assertTrue(admission.overloaded());
        long calm = TARGET / MS / 2 - 10;
        long calmMs = TimeUnit.NANOSECONDS.toMillis(Admission.CALM_NANOS);
        for (long t = 0; t < calmMs - 200; t += 100) {
            sweep(100, 1, calm);
        }
        assertTrue(admission.overloaded(), "calm, but not for long enough yet");
        sweep(100, 1, calm + 20);
        assertTrue(admission.overloaded(), "a sample above half the target: the calm starts again");
        for (long t = 100; t < calmMs; t += 100) {
            sweep(100, 1);
        }
        assertTrue(admission.overloaded(), "calm for 100 ms less than needed");
        sweep(100, 1);
        assertFalse(admission.overloaded(), "calm for " + calmMs + " ms with nobody waiting");
    }

    @Test
    void testOverloadEndsWhenTheCpusHaveRoomAndTheLagIsUnderTheTargetThoughRequestsStillWait() throws InterruptedException {
        // A long admission timeout, so that the waiter stays queued on the sweeps' synthetic clock; the target is still 1 s.
        var patient = new Admission(10_000, Duration.ofSeconds(60), 10_000, 64, lag, (outcome, nanos) -> { });
        long above = TARGET / MS + 200;
        long under = TARGET / MS - 100; // under the target, not under half of it: the old calm would not count it
        patient.sweep(now += 100 * MS, true);
        lag.record(above * MS);
        patient.sweep(now += 100 * MS, true);
        lag.record(above * MS);
        patient.sweep(now += 100 * MS, true);
        assertTrue(patient.overloaded());
        long[] held = new long[patient.limit()];
        for (int i = 0; i < held.length; i++) {
            held[i] = patient.enter();
        }
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                long at = patient.enter();
                if (at != Admission.NOT_ADMITTED) {
                    patient.exit(at);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (patient.waiting() == 0) {
                assertTrue(System.nanoTime() < deadline, "the waiter never queued");
                Thread.onSpinWait();
            }
            long calmMs = TimeUnit.NANOSECONDS.toMillis(Admission.CALM_NANOS);
            sweeps(patient, 2 * calmMs / 100, under, true);
            assertTrue(patient.overloaded(), "saturated, a request waiting, the lag over half the target: still overloaded");
            sweeps(patient, 2 * calmMs / 100, above, false);
            assertTrue(patient.overloaded(), "room, but the lag stands above the target: the queue is the scheduler's, still overloaded");
            sweeps(patient, calmMs / 100 - 1, under, false);
            assertTrue(patient.overloaded(), "room and a lag under the target for 100 ms less than the calm needs");
            sweeps(patient, 1, under, true);
            sweeps(patient, 1, under, false);
            assertTrue(patient.overloaded(), "a saturated reading in between starts the calm again");
            sweeps(patient, calmMs / 100 - 2, under, false);
            assertTrue(patient.overloaded(), "calm again for 100 ms less than needed");
            assertTrue(patient.waiting() > 0, "the request still waits: the empty queue is not what ends it");
            sweeps(patient, 1, under, false);
            assertFalse(patient.overloaded(), "room and the lag under the target for " + calmMs + " ms");
        } finally {
            for (long at : held) {
                patient.exit(at);
            }
            waiter.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    /** {@code n} sweeps of {@code a}, 100 ms apart, each window with one sample of {@code lagMs}. */
    private void sweeps(Admission a, long n, long lagMs, boolean saturated) {
        for (long i = 0; i < n; i++) {
            lag.record(lagMs * MS);
            a.sweep(now += 100 * MS, saturated);
        }
    }

    @Test
    void testCpusNeverSeenSaturatedAreNoSignOfRoom() {
        // A fractional CPU quota: the process's share never reaches the threshold, so "not saturated" says nothing.
        long above = TARGET / MS + 200;
        sweep(false, 100, above);
        sweep(false, 100, above);
        assertTrue(admission.overloaded(), "the lag alone decides");
        long calmMs = TimeUnit.NANOSECONDS.toMillis(Admission.CALM_NANOS);
        for (long t = 0; t < 3 * calmMs; t += 100) {
            sweep(false, 100, above);
        }
        assertTrue(admission.overloaded(), "no room ever measured: the lag still stands, so still overloaded");
    }

    @Test
    void testTheLimitIsCutForTheLagOnlyWhileOverloaded() throws InterruptedException {
        // Learn a baseline of 1 ms, the lag short.
        for (int i = 0; i < 5; i++) {
            serve(20, 1);
            sweep(100, 2);
        }
        int learnt = admission.limit();
        // The CPUs are saturated (every sweep says so) and the handlers take 100 times their
        // baseline, but the scheduler's queue stays under its target: an I/O-bound server at its
        // CPUs' limit. The limit must not be cut: that would only move the wait into admission.
        for (int i = 0; i < 20; i++) {
            serve(20, 100);
            sweep(100, TARGET / MS / 2);
            assertTrue(admission.limit() >= learnt, "cut at window " + i + ": " + admission.limit() + " < " + learnt);
        }
        assertFalse(admission.overloaded());
        // Now the queue stands above its target: handlers that never block, each quick, each late.
        long above = TARGET / MS + 500;
        int before = admission.limit();
        for (int i = 0; i < 20; i++) {
            serve(20, 1);
            sweep(100, above);
        }
        assertTrue(admission.overloaded());
        assertTrue(admission.limit() < before / 2, "the lag is latency while overloaded: " + before + " -> " + admission.limit());
    }

    @Test
    void testARequestCancelledBeforeAdmissionIsNotAdmitted() throws InterruptedException {
        serve(1, 1); // the fast path is open: a permit is free
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, admission::enter, "a free permit is not for a cancelled request");
        assertFalse(Thread.currentThread().isInterrupted(), "the interrupt is reported by the exception, as acquire() does");
        // Nothing was taken: every permit is still there, each taken at once.
        long[] held = new long[admission.limit()];
        for (int i = 0; i < held.length; i++) {
            held[i] = admission.enter();
            assertTrue(held[i] != Admission.NOT_ADMITTED, "permit " + i + " of " + held.length);
        }
        for (long admittedAt : held) {
            admission.exit(admittedAt);
        }
    }

    @Test
    void testARefusedClientIsToldHowLongTheQueueTakesToDrain() {
        assertEquals(1, admission.retryAfterSeconds(), "not overloaded: try again in a second");
        assertEquals(1, Admission.retryAfter(0, 500));
        assertEquals(1, Admission.retryAfter(400, 500));
        assertEquals(4, Admission.retryAfter(1_600, 500));
        assertEquals(5, Admission.retryAfter(2_001, 500), "rounded up");
        assertEquals(Admission.MAX_RETRY_AFTER, Admission.retryAfter(1_000_000, 500), "bounded");
        assertEquals(Admission.MAX_RETRY_AFTER, Admission.retryAfter(10, 0), "nothing completes: the longest");
    }
}
