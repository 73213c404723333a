package dev.loomkit.comparison.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

@Timeout(60)
class JitSettleTest {
    @Test
    void testTicksAreReadPastACommandWithSpacesAndParentheses() {
        String stat = "4242 (C2 CompilerThre) S 1 4242 4242 0 -1 4194368 100 0 0 0 731 42 0 0 20 0 1 0 100 0 0";
        assertEquals(773, JitSettle.ticks(stat));
        assertEquals(7, JitSettle.ticks("1 (a (b) c) R 0 0 0 0 0 0 0 0 0 0 3 4 0 0"));
    }

    @Test
    void testAThreadThatEndsDoesNotCountAsQuietAndANewOneCountsInFull() {
        // Thread 1 (300 ticks) ends while thread 2 compiles 50 more and thread 3 starts with 20.
        assertEquals(70, JitSettle.compiled(Map.of(1L, 300L, 2L, 100L), Map.of(2L, 150L, 3L, 20L)));
        assertEquals(0, JitSettle.compiled(Map.of(1L, 300L), Map.of()));
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void testThisJvmsCompilersAreFoundAndAnUnknownProcessHoldsNothing() throws Exception {
        Map<Long, Long> mine = JitSettle.compilerTicksByThread(ProcessHandle.current().pid());
        assertFalse(mine == null || mine.isEmpty(), "this JVM's C1 and C2 threads are listed in /proc: " + mine);
        assertNull(JitSettle.compilerTicksByThread(-1));
        Duration warmup = Duration.ofMillis(200);
        Duration held = JitSettle.await(-1, warmup, Duration.ofSeconds(30));
        assertTrue(held.compareTo(warmup) >= 0 && held.toMillis() < 10_000, "an unknown process is held for the warm-up alone: " + held);
    }

    @Test
    void testABusyCompilerIsHeldForTheCapAndAQuietOneForTheWarmUpOrTwoReadings() throws Exception {
        AtomicLong busy = new AtomicLong();
        Duration cap = Duration.ofMillis(1_200);
        Duration held = JitSettle.await(() -> new HashMap<>(Map.of(7L, busy.addAndGet(100))), Duration.ZERO, cap);
        assertTrue(held.compareTo(cap) >= 0, "a compiler busy throughout is held until the cap: " + held);
        assertTrue(held.toMillis() < cap.toMillis() + 10_000, "and not much longer: " + held);
        AtomicInteger readings = new AtomicInteger();
        Duration quiet = JitSettle.await(() -> {
            readings.incrementAndGet();
            return Map.of(7L, 5L);
        }, Duration.ZERO, Duration.ofSeconds(30));
        assertEquals(3, readings.get(), "a quiet compiler ends the hold after two readings past the first, not at the cap: " + quiet);
        Duration warmup = Duration.ofMillis(2 * JitSettle.STEP_MILLIS + 300);
        readings.set(0);
        Duration warm = JitSettle.await(() -> {
            readings.incrementAndGet();
            return Map.of(7L, 5L);
        }, warmup, Duration.ofSeconds(30));
        assertTrue(warm.compareTo(warmup) >= 0, "quiet from the start, the warm-up is still held whole: " + warm);
        assertTrue(readings.get() >= 3, "and the readings go on through it: " + readings);
        Duration unreadable = JitSettle.await(() -> null, Duration.ofMillis(100), Duration.ofSeconds(30));
        assertTrue(unreadable.toMillis() >= 100 && unreadable.toMillis() < 10_000, "nothing readable: the warm-up alone: " + unreadable);
    }

    @Test
    void testTheCapBoundsABusyCompilerPastTheWarmUpAndNeverCutsTheWarmUp() throws Exception {
        AtomicLong busy = new AtomicLong();
        Duration held = JitSettle.await(() -> Map.of(7L, busy.addAndGet(100)), Duration.ofMillis(700), Duration.ofMillis(100));
        assertTrue(held.toMillis() >= 700, "a cap below the warm-up does not shorten it: " + held);
        assertTrue(held.toMillis() < 10_000, held.toString());
    }
}
