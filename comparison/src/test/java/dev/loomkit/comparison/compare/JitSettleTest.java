package dev.loomkit.comparison.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
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
        assertEquals(Duration.ZERO, JitSettle.await(-1, Duration.ofSeconds(30)));
    }

    @Test
    void testABusyCompilerIsHeldForTheCapAndAQuietOneForTwoReadings() throws Exception {
        AtomicLong busy = new AtomicLong();
        Duration cap = Duration.ofMillis(1_200);
        Duration held = JitSettle.await(() -> new HashMap<>(Map.of(7L, busy.addAndGet(100))), cap);
        assertTrue(held.compareTo(cap) >= 0, "a compiler busy throughout is held until the cap: " + held);
        assertTrue(held.toMillis() < cap.toMillis() + 10_000, "and not much longer: " + held);
        Duration quiet = JitSettle.await(() -> Map.of(7L, 5L), Duration.ofSeconds(30));
        assertTrue(quiet.toMillis() < 25_000, "a quiet compiler ends the hold after two readings, not at the cap: " + quiet);
        assertEquals(Duration.ZERO, JitSettle.await(() -> null, Duration.ofSeconds(30)), "nothing readable, nothing held");
    }
}
