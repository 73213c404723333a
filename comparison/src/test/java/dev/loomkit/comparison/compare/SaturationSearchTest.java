package dev.loomkit.comparison.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/** The open loop's rate ladder, driven by synthetic servers: what it tries, and what it concludes. */
class SaturationSearchTest {

    /** Runs a search against a server that answers {@code goodput(rate)} good requests a second and fails the rest. */
    private static List<Double> run(SaturationSearch search, DoubleUnaryOperator goodput) {
        List<Double> tried = new ArrayList<>();
        for (double rate; (rate = search.next()) > 0; ) {
            tried.add(rate);
            double good = goodput.applyAsDouble(rate);
            search.record(good, Math.round(rate * 2), Math.round((rate - good) * 2), 2);
        }
        return tried;
    }

    /** A server that answers everything up to its capacity, and its capacity beyond. */
    private static DoubleUnaryOperator capacity(double c) {
        return rate -> Math.min(rate, c);
    }

    @Test
    void testTheGridIsPowersOfTwoTimesAThousand() {
        assertEquals(2_000, SaturationSearch.gridAtOrBelow(2_000));
        assertEquals(2_000, SaturationSearch.gridAtOrBelow(3_999));
        assertEquals(4_000, SaturationSearch.gridAtOrBelow(4_000));
        assertEquals(250, SaturationSearch.gridAtOrBelow(300));
        assertEquals(0.9765625, SaturationSearch.gridAtOrBelow(1), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> SaturationSearch.gridAtOrBelow(0));
        assertThrows(IllegalArgumentException.class, () -> SaturationSearch.gridAtOrBelow(Double.NaN));
    }

    @Test
    void testItClimbsFromAQuarterOfTheClosedLoopThenBisectsOnce() {
        // io at 1,000 connections: the closed loop answered 15,000 a second, the server sustains 12,500.
        var search = new SaturationSearch(15_000, 2);
        List<Double> tried = run(search, capacity(12_500));
        assertEquals(List.of(2_000.0, 4_000.0, 8_000.0, 16_000.0, 16_000 / Math.sqrt(2)), tried);
        assertEquals(16_000 / Math.sqrt(2), search.sustained(), 1e-9, "11,314 is within 12,500");
        assertEquals(16_000, search.failedAt());
        assertEquals("sustained 11,314 req/s (11,314 answered good a second); not 16,000", search.summary());
    }

    @Test
    void testABisectionThatFailsLeavesTheLastDoubling() {
        var search = new SaturationSearch(15_000, 2);
        run(search, capacity(10_000));
        assertEquals(8_000, search.sustained());
        assertEquals(16_000 / Math.sqrt(2), search.failedAt(), 1e-9);
        assertEquals(5, search.rungs().size());
    }

    @Test
    void testAServerSaturatedAtTheFirstRateStopsThere() {
        // A thread per connection, 200 threads, 1,000 clients: a fifth answered at any rate.
        var search = new SaturationSearch(3_200, 2);
        List<Double> tried = run(search, rate -> rate / 5);
        assertEquals(List.of(500.0), tried);
        assertEquals(0, search.sustained());
        assertEquals("saturated at every rate tried: not even 500 req/s", search.summary());
    }

    @Test
    void testFailuresCountAgainstARateEvenWhenEnoughIsAnswered() {
        assertTrue(SaturationSearch.sustains(1_000, 2_000, 990, 20, 2), "1% of 2,000 due may fail");
        assertFalse(SaturationSearch.sustains(1_000, 2_000, 990, 21, 2));
        assertFalse(SaturationSearch.sustains(1_000, 2_000, 949, 0, 2), "95% must come back good");
        // What fell due is the bar, not the rate times the window: 1,000 connections at 63/s have
        // one request each every 16 s, and a 2 s window held 112 of them, not 126.
        assertTrue(SaturationSearch.sustains(63, 112, 56, 0, 2));
        assertFalse(SaturationSearch.sustains(63, -1, 56, 0, 2), "not counted: the rate times the window");
    }

    @Test
    void testTheLadderIsBoundedAndEndsOnANeverSaturatedServer() {
        var search = new SaturationSearch(1_000, 2);
        List<Double> tried = run(search, rate -> rate);
        // Climbing stops a rung short of the bound: the last is kept for the rate between.
        assertEquals(SaturationSearch.MAX_RUNGS - 1, tried.size());
        assertEquals(250 * Math.pow(2, SaturationSearch.MAX_RUNGS - 2), search.sustained());
        assertEquals(0, search.failedAt());
        assertTrue(search.summary().contains("the highest rate tried"), search.summary());
        assertThrows(IllegalStateException.class, () -> search.record(1, 1, 0, 1));
    }

    @Test
    void testAFailureAtTheLastClimbStillGetsItsBisection() {
        // From 250 to 4,000 sustained, 8,000 not: the bracket is narrowed within the bound.
        var search = new SaturationSearch(1_000, 2);
        List<Double> tried = run(search, capacity(6_000));
        assertEquals(SaturationSearch.MAX_RUNGS, tried.size());
        assertEquals(8_000 / Math.sqrt(2), search.sustained(), 1e-9);
        assertEquals(8_000, search.failedAt());
    }

    @Test
    void testNothingToStepUpFromWithoutEnoughRequestsInAWindow() {
        var none = new SaturationSearch(0, 2);
        assertEquals(0, none.next());
        assertTrue(none.summary().startsWith("no rate tried"), none.summary());
        // 200 answers a second, 1 s windows: a quarter (31.25 on the grid) would have 31 requests
        // due in a window; 62.5 has the 50 a verdict needs.
        assertEquals(62.5, new SaturationSearch(200, 1).next());
        // 40 a second: 62.5 is more than the closed loop answered, and 50 requests would not fit.
        assertEquals(0, new SaturationSearch(40, 1).next());
        assertFalse(SaturationSearch.sustains(10, 0, 0, 0, 2), "a window with nothing due sustains nothing");
    }
}
