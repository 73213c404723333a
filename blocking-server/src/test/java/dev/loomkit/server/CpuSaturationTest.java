package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The saturation verdict's arithmetic, on given CPU readings, and the sweep period's rule. */
@Timeout(10)
class CpuSaturationTest {
    private static final long MS = 1_000_000L;
    private static final long WINDOW = CpuSaturation.WINDOW.toNanos();

    @Test
    void saturatedFromNinetyPercentOfTheUsableCpus() {
        var cpu = new AtomicLong();
        var s = new CpuSaturation(cpu::get, () -> 2);
        assertFalse(s.update(0), "one reading is no window");
        cpu.set((long) (2 * WINDOW * 0.95));
        assertTrue(s.update(WINDOW), "95% of two CPUs");
        cpu.addAndGet((long) (2 * WINDOW * 0.85));
        assertFalse(s.update(2 * WINDOW), "85% of two CPUs");
        cpu.addAndGet(WINDOW); // all of one CPU, half of two
        assertFalse(s.update(3 * WINDOW));
        cpu.addAndGet(4 * WINDOW); // over a window twice as long: all of both CPUs
        assertTrue(s.update(5 * WINDOW));
    }

    @Test
    void readsAtMostOncePerWindowAndKeepsTheVerdictBetween() {
        var reads = new AtomicInteger();
        var cpu = new AtomicLong();
        var s = new CpuSaturation(() -> {
            reads.incrementAndGet();
            return cpu.get();
        }, () -> 1);
        s.update(0);
        cpu.set(WINDOW);
        assertTrue(s.update(WINDOW));
        for (long t = WINDOW; t < 2 * WINDOW; t += 10 * MS) {
            assertTrue(s.update(t), "the last verdict stands until the next window");
        }
        assertEquals(2, reads.get());
        assertFalse(s.update(2 * WINDOW), "no CPU used in the second window");
        assertEquals(3, reads.get());
    }

    @Test
    void anUnreadableProcessIsNeverSaturatedAndIsNotReadAtEverySweep() {
        var reads = new AtomicInteger();
        var s = new CpuSaturation(() -> {
            reads.incrementAndGet();
            return -1;
        }, () -> 1);
        for (long t = 0; t < 3 * WINDOW; t += 5 * MS) {
            assertFalse(s.update(t));
        }
        assertTrue(reads.get() <= 3, "read " + reads.get() + " times in three windows");
    }

    @Test
    void aReadingOfThisProcessWorks() {
        var s = CpuSaturation.ofThisProcess();
        assertFalse(s.update(System.nanoTime()), "the first reading has no window behind it");
    }

    @Test
    void aFailingReadingCountsAsNotSaturatedAndTheCpuCountIsReadEachTime() {
        var cpus = new AtomicInteger(1);
        var cpu = new AtomicLong();
        var fail = new java.util.concurrent.atomic.AtomicBoolean();
        var s = new CpuSaturation(() -> {
            if (fail.get()) {
                throw new IllegalStateException("no reading");
            }
            return cpu.get();
        }, cpus::get);
        s.update(0);
        cpu.set(WINDOW);
        assertTrue(s.update(WINDOW), "all of one CPU");
        cpus.set(2);
        cpu.addAndGet(WINDOW);
        assertFalse(s.update(2 * WINDOW), "half of two CPUs, now that there are two");
        cpus.set(0);
        cpu.addAndGet(WINDOW);
        assertTrue(s.update(3 * WINDOW), "fewer than one CPU counts as one");
        fail.set(true);
        assertFalse(s.update(4 * WINDOW), "a reading that throws counts as not saturated");
        fail.set(false);
        cpu.addAndGet(10 * WINDOW);
        assertFalse(s.update(5 * WINDOW), "and the window after it has nothing to compare with");
        cpu.addAndGet(WINDOW);
        assertTrue(s.update(6 * WINDOW));
    }

    @Test
    void theSweepPeriodIsAQuarterOfTheShortestTimeoutAndNoLongerThanTheClientGoneDelay() {
        var defaults = TestServer.config(ThreadMode.VIRTUAL).withHeaderTimeout(Duration.ofSeconds(10))
                .withIdleTimeout(Duration.ofSeconds(60)).withBodyTimeout(Duration.ofSeconds(30))
                .withWriteTimeout(Duration.ofSeconds(30)).withRequestTimeout(Duration.ofSeconds(30))
                .withClientGoneCheckAfter(Duration.ofMillis(100));
        assertEquals(100 * MS, Sweeper.tickNanos(defaults, null), "the client-gone delay caps it");
        assertEquals(50 * MS, Sweeper.tickNanos(defaults, Duration.ofMillis(200)), "a quarter of a route's 200 ms");
        assertEquals(250 * MS, Sweeper.tickNanos(defaults.withClientGoneCheckAfter(Duration.ofSeconds(5)), null),
                "never longer than 250 ms");
        assertEquals(5 * MS, Sweeper.tickNanos(defaults, Duration.ofMillis(8)), "never shorter than 5 ms");
        assertEquals(75 * MS, Sweeper.tickNanos(defaults.withHeaderTimeout(Duration.ofMillis(300)), null));
    }
}
