package dev.loomkit.comparison.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
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
    @EnabledOnOs(OS.LINUX)
    void testThisJvmsCompilersAreFoundAndAnUnknownProcessHoldsNothing() throws Exception {
        long mine = ProcessHandle.current().pid();
        assertTrue(JitSettle.compilerTicks(mine) >= 0, "this JVM's compiler threads are listed in /proc");
        assertEquals(-1, JitSettle.compilerTicks(-1));
        assertEquals(Duration.ZERO, JitSettle.await(-1, Duration.ofSeconds(30)));
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void testTheHoldEndsWithinItsCap() throws Exception {
        // Whether this JVM's compilers are busy or not, the hold ends by the cap (plus one reading).
        Duration held = JitSettle.await(ProcessHandle.current().pid(), Duration.ofMillis(600));
        assertTrue(held.toMillis() < 10_000, "held " + held);
    }
}
