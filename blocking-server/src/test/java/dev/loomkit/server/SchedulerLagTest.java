package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The scheduler's lag, measured by a byte through a pipe read by a virtual thread: real carriers,
 * real pipe. Busy carriers are made by virtual threads that spin without ever blocking, the way
 * CPU-bound handlers do.
 */
class SchedulerLagTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    @Timeout(60)
    void testAByteBehindBusyCarriersAgesAndIsMeasuredWhenTheyAreFree() throws Exception {
        SchedulerLag lag = SchedulerLag.ofVirtualThreads();
        lag.start("test-lag-probe");
        List<Thread> hogs = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        try {
            Eventually.until("samples while the carriers are idle", () -> lag.samples() >= 3);
            // Every carrier busy (twice as many spinners as the scheduler has carriers by default):
            // the reader cannot run, so the byte written meanwhile waits, and its age is the lag.
            int spinners = 2 * Runtime.getRuntime().availableProcessors();
            CountDownLatch spinning = new CountDownLatch(1);
            for (int i = 0; i < spinners; i++) {
                hogs.add(Thread.ofVirtual().start(() -> {
                    spinning.countDown();
                    while (!stop.get()) {
                        Thread.onSpinWait();
                    }
                }));
            }
            assertTrue(spinning.await(30, TimeUnit.SECONDS));
            Eventually.until("the unread byte's age past 300 ms", () -> lag.currentNanos(System.nanoTime()) >= 300 * MS);
            long window = lag.takeWindow(System.nanoTime());
            assertTrue(window >= 300 * MS || lag.windowMaxNanos() >= 300 * MS,
                    "a window with the byte unread is at least its age: " + window / MS + " ms");
            long before = lag.samples();
            stop.set(true);
            for (Thread t : hogs) {
                assertTrue(t.join(java.time.Duration.ofSeconds(30)));
            }
            Eventually.until("the waiting byte read once the carriers are free", () -> lag.samples() > before);
            lag.takeWindow(System.nanoTime());
            assertTrue(lag.windowMaxNanos() >= 300 * MS, "the sample that waited is kept: " + lag.windowMaxNanos() / MS + " ms");
            // And with the carriers idle again, the lag falls back.
            Eventually.until("a window of short samples", () -> {
                long now = System.nanoTime();
                return lag.takeWindow(now) < 100 * MS && lag.windowMaxNanos() < 100 * MS && lag.samples() > before + 2;
            });
        } finally {
            stop.set(true);
            lag.stop();
        }
    }

    @Test
    void testNoneMeasuresNothingAndAProbeStartsOnce() throws Exception {
        assertFalse(SchedulerLag.NONE.measures());
        SchedulerLag.NONE.start("none");
        assertEquals(0, SchedulerLag.NONE.takeWindow(System.nanoTime()));
        assertEquals(0, SchedulerLag.NONE.currentNanos(System.nanoTime()));
        SchedulerLag.NONE.stop();

        SchedulerLag lag = SchedulerLag.ofVirtualThreads();
        assertTrue(lag.measures());
        lag.start("test-lag-once");
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> lag.start("again"));
            assertTrue(e.getMessage().contains("already started"), e.getMessage());
        } finally {
            lag.stop();
        }
        lag.stop(); // a second stop is harmless
    }

    @Test
    @Timeout(60)
    void testABrokenProbeMeasuresNothingInsteadOfAByteThatAgesForever() throws Exception {
        SchedulerLag lag = SchedulerLag.ofVirtualThreads();
        lag.start("test-lag-broken");
        try {
            Eventually.until("a sample", () -> lag.samples() >= 1);
            lag.breakPipe();
            // The writer's next write fails and the reader reads the end: either says the probe broke.
            Eventually.until("the probe counts itself broken", () -> !lag.measures());
            long now = System.nanoTime();
            assertEquals(0, lag.takeWindow(now), "no lag from a probe that cannot measure");
            assertEquals(0, lag.currentNanos(now));
        } finally {
            lag.stop();
        }
    }

    @Test
    void testAWindowIsItsLeastSampleAndRemembersItsGreatest() {
        SchedulerLag lag = SchedulerLag.ofVirtualThreads(); // not started: samples given by hand
        long now = System.nanoTime();
        assertEquals(0, lag.takeWindow(now), "no sample, none pending: nothing to say");
        lag.record(40 * MS);
        lag.record(7 * MS);
        lag.record(90 * MS);
        assertEquals(7 * MS, lag.takeWindow(now));
        assertEquals(90 * MS, lag.windowMaxNanos());
        assertEquals(90 * MS, lag.currentNanos(now), "the last sample");
        assertEquals(0, lag.takeWindow(now), "each window starts empty");
        assertEquals(0, lag.windowMaxNanos());
    }
}
