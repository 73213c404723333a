package dev.loomkit.comparison.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.loomkit.toolkit.JoinPolicy;
import dev.loomkit.toolkit.Scope;
import dev.loomkit.toolkit.ScopeCancelledException;
import dev.loomkit.toolkit.ScopeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The demo's CPU work: the same units give the same digest, and a cancelled scope stops it. */
@Timeout(30)
class CpuWorkTest {
    @Test
    void testTheSameUnitsGiveTheSameDigestAndMoreUnitsAnother() throws Exception {
        assertEquals(CpuWork.hash(100), CpuWork.hash(100));
        assertNotEquals(CpuWork.hash(100), CpuWork.hash(101));
        assertEquals(16, CpuWork.hash(0).length());
    }

    @Test
    void testACancelledScopeStopsTheWorkWithinSixtyFourUnits() throws Exception {
        // A billion units would take minutes: it ends at the first check, at unit 64.
        assertThrows(ScopeCancelledException.class, () -> Scope.call(ScopeConfig.named("work"), JoinPolicy.failFast(), s -> {
            s.cancel("client gone");
            return CpuWork.hash(1_000_000_000L);
        }));
    }
}
