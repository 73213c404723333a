package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The adaptive limit as an algorithm, against a simulated server with a simulated clock: windows of
 * 100 ms of a closed-loop load whose requests each wait {@code waitMs} (a backend) and compute
 * {@code cpuMs} on {@code cores} cores. Service time follows from Little's law once the cores are
 * saturated. Convergence, reaction to a step in load, recovery, and the band it settles in.
 */
class AdaptiveLimitTest {
    private static final double WINDOW_MS = 100;

    /** A fluid model of a server: what a window with {@code limit} admitted looks like. */
    private record Server(int cores, double cpuMs, double waitMs) {
        AdaptiveLimit.Window window(int demand, int limit) {
            int inFlight = Math.min(demand, limit);
            double unsaturatedRate = inFlight / (waitMs + cpuMs); // requests per ms if no core is short
            double capacity = cores / cpuMs;
            double rate = Math.min(unsaturatedRate, capacity);
            boolean saturated = unsaturatedRate >= 0.9 * capacity;
            double meanMs = inFlight / rate; // Little's law
            return new AdaptiveLimit.Window((int) Math.round(rate * WINDOW_MS), (long) (meanMs * 1e6), inFlight, saturated,
                    (long) (WINDOW_MS * 1e6));
        }

        /** {@return the fewest in flight that keep the cores busy} */
        double saturatingInFlight() {
            return cores / cpuMs * (waitMs + cpuMs);
        }
    }

    /** Runs {@code windows} windows of {@code demand} clients; returns the limit after each. */
    private static List<Integer> run(AdaptiveLimit limit, Server server, int demand, int windows) {
        List<Integer> limits = new ArrayList<>();
        for (int i = 0; i < windows; i++) {
            limits.add(limit.update(server.window(demand, limit.limit())));
        }
        return limits;
    }

    private static double mean(List<Integer> xs) {
        return xs.stream().mapToInt(Integer::intValue).average().orElseThrow();
    }

    @Test
    void testCpuBoundOverloadSettlesWhereTheCoresAreBusyAndLatencyIsTolerated() {
        var server = new Server(2, 10, 0); // pure CPU, 10 ms a request, 2 cores
        var limit = new AdaptiveLimit(20, 2, 10_000);
        run(limit, server, 1, 20); // a light load first (one client, half a core): the baseline is learnt
        assertEquals(10_000_000L, limit.baselineNanos());
        List<Integer> settled = run(limit, server, 5_000, 200).subList(100, 200);
        double m = mean(settled);
        // Saturated from 2 in flight; latency doubles at 4; the square-root allowance adds ~2-3.
        assertTrue(m >= 2 && m <= 10, "settled at " + m);
        var w = server.window(5_000, (int) Math.round(m));
        assertTrue(w.saturated(), "the cores stay busy at the settled limit");
        assertTrue(w.meanNanos() <= 4 * limit.baselineNanos(), "service time " + w.meanNanos() / 1e6 + " ms");
    }

    @Test
    void testMixedWorkKeepsEnoughInFlightToSaturateTheCores() {
        var server = new Server(1, 2, 20); // 20 ms backend, 2 ms CPU, one core: saturating needs 11
        var limit = new AdaptiveLimit(20, 1, 10_000);
        run(limit, server, 5, 20); // 5 in flight use under half the core
        double m = mean(run(limit, server, 5_000, 300).subList(200, 300));
        assertTrue(m >= server.saturatingInFlight(), "settled at " + m + ", below the " + server.saturatingInFlight() + " that keep the core busy");
        assertTrue(server.window(5_000, (int) Math.round(m)).meanNanos() <= 2.5 * limit.baselineNanos(), "latency tolerated");
    }

    @Test
    void testIoBoundLoadIsNeverHeldBackWhileTheCoresHaveRoom() {
        var server = new Server(2, 0.005, 20); // 20 ms wait, 5 us CPU: 3,000 clients use 75% of 2 cores
        var limit = new AdaptiveLimit(20, 2, 12_000);
        List<Integer> limits = run(limit, server, 3_000, 30);
        assertTrue(limits.getLast() >= 3_000, "limit " + limits.getLast());
        // Doubling from 20 passes 3,000 in ceil(log2(150)) = 8 windows.
        assertTrue(limits.get(7) >= 3_000, "took longer than 8 windows: " + limits);
    }

    @Test
    void testAStepFromLightLoadToOverloadIsAbsorbedWithinSecondsAndRecoveryFollows() {
        var server = new Server(2, 5, 0);
        var limit = new AdaptiveLimit(20, 1, 10_000);
        run(limit, server, 1, 20); // one client: half of two cores
        int before = limit.limit();
        // Overload: within 5 s (50 windows) latency is back within four baselines.
        List<Integer> step = run(limit, server, 10_000, 50);
        var w = server.window(10_000, step.getLast());
        assertTrue(w.meanNanos() <= 4 * limit.baselineNanos(), "after 5 s of overload: " + step);
        // The load turns I/O-bound (a backend appears): no longer saturated, the limit grows back.
        var io = new Server(2, 0.02, 50); // 2,000 clients use 40% of the cores
        List<Integer> recovery = run(limit, io, 2_000, 30);
        assertTrue(recovery.getLast() >= 2_000, "recovered to " + recovery.getLast() + " (was " + before + " before)");
    }

    @Test
    void testSettledLimitStaysWithinItsBand() {
        var server = new Server(2, 4, 10);
        var limit = new AdaptiveLimit(20, 2, 10_000);
        run(limit, server, 2, 20);
        List<Integer> settled = run(limit, server, 8_000, 400).subList(200, 400);
        double m = mean(settled);
        int lo = settled.stream().mapToInt(Integer::intValue).min().orElseThrow();
        int hi = settled.stream().mapToInt(Integer::intValue).max().orElseThrow();
        // The stated band: within 25% of its mean once settled.
        assertTrue(lo >= 0.75 * m && hi <= 1.25 * m, "band [" + lo + ", " + hi + "] around " + m);
    }

    @Test
    void testHandlersThatAllBlockForLongStillGrowTheLimitWhileTheCoresHaveRoom() {
        var limit = new AdaptiveLimit(64, 1, 10_000);
        // 500 long polls: nothing completes, the limit binds, the cores idle.
        for (int i = 0; i < 4; i++) {
            limit.update(new AdaptiveLimit.Window(0, 0, limit.limit(), false, 100_000_000L));
        }
        assertEquals(1_024, limit.limit());
        assertEquals(1_024, limit.update(new AdaptiveLimit.Window(0, 0, 500, false, 100_000_000L)), "not binding: stays");
    }

    @Test
    void testACutNeverGoesBelowWhatTheGoodputNeedsAtTheBaseline() {
        var limit = new AdaptiveLimit(1_000, 1, 10_000);
        limit.update(new AdaptiveLimit.Window(500, 50_000_000, 400, false, 100_000_000L)); // baseline 50 ms
        // Saturated, latency 3x the baseline, 13,000 answers a second: sustaining them at 50 ms needs 650.
        for (int i = 0; i < 200; i++) {
            limit.update(new AdaptiveLimit.Window(1_300, 150_000_000, limit.limit(), true, 100_000_000L));
        }
        assertTrue(limit.limit() >= 650, "cut to " + limit.limit() + ", below the 650 that 13,000/s need at 50 ms");
    }

    @Test
    void testQuietWindowsAndAnUnknownBaselineChangeNothing() {
        var limit = new AdaptiveLimit(50, 1, 100);
        assertEquals(50, limit.update(new AdaptiveLimit.Window(3, 1_000_000, 40, false, 100_000_000L)), "too few samples, not binding");
        assertEquals(Long.MAX_VALUE, limit.baselineNanos(), "too few samples teach no baseline");
        // Saturated from the start: its own window stands in for the baseline, so its latency is
        // tolerated and the limit only probes upwards by the smoothed square root.
        assertEquals(51, limit.update(new AdaptiveLimit.Window(100, 50_000_000, 50, true, 100_000_000L)), "saturated with no baseline yet");
        assertEquals(100, limit.update(new AdaptiveLimit.Window(100, 1_000_000, 51, false, 100_000_000L)), "binding, not saturated: doubles, to the max");
        assertEquals(100, limit.update(new AdaptiveLimit.Window(100, 1_000_000, 100, false, 100_000_000L)));
        for (int i = 0; i < 100; i++) {
            limit.update(new AdaptiveLimit.Window(100, 100_000_000, 100, true, 100_000_000L)); // latency 100x the baseline
        }
        // Halving, plus the square-root allowance, settles at 4 (0.5 L + sqrt L = L): the least a
        // saturated server keeps in flight, whatever the configured minimum below it.
        assertEquals(4, limit.limit(), "shrinks until halving and the allowance meet");
        var floor = new AdaptiveLimit(50, 10, 100);
        floor.update(new AdaptiveLimit.Window(100, 1_000_000, 10, false, 100_000_000L));
        for (int i = 0; i < 100; i++) {
            floor.update(new AdaptiveLimit.Window(100, 100_000_000, 100, true, 100_000_000L));
        }
        assertEquals(10, floor.limit(), "never below the minimum");
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveLimit(0, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveLimit(20, 30, 100));
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveLimit(200, 1, 100));
    }
}
