package dev.loomkit.comparison.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Readings from /proc: the CPUs a process may use, which a target's CPU share is taken of. */
class ProcStatsTest {

    @Test
    void testCpuListsAreCounted() {
        assertEquals(1, ProcStats.countCpus("0"));
        assertEquals(2, ProcStats.countCpus("0-1"));
        assertEquals(5, ProcStats.countCpus("0-3,6"));
        assertEquals(3, ProcStats.countCpus("1,4,7"));
        assertEquals(6, ProcStats.countCpus("0-1,4-7"));
    }

    @Test
    void testThisProcessMayUseAtLeastTheCpusTheJvmSees() throws Exception {
        int allowed = ProcStats.allowedCpus(ProcessHandle.current().pid());
        // The JVM's count is the affinity, or less under a container quota.
        assertTrue(allowed >= Runtime.getRuntime().availableProcessors(), allowed + " allowed");
    }
}
