package dev.loomkit.comparison.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** How long a window runs on so that its p99.9 rests on a thousand answers. */
class WindowLengthTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void testAWindowShortOfAThousandAnswersRunsOnInWholeSeconds() {
        // io at 10 connections: 190 answers a second, 570 in a 3 s window: 2.3 s more, made 3.
        assertEquals(3 * SECOND, LoadGenerator.extension(570, 3 * SECOND, 6 * SECOND));
        assertEquals(1 * SECOND, LoadGenerator.extension(999, 3 * SECOND, 6 * SECOND));
    }

    @Test
    void testAWindowWithEnoughOrHopelessRunsNoLonger() {
        assertEquals(0, LoadGenerator.extension(1_000, 3 * SECOND, 6 * SECOND), "enough already");
        assertEquals(0, LoadGenerator.extension(0, 3 * SECOND, 6 * SECOND), "nothing answered: no rate to go by");
        assertEquals(0, LoadGenerator.extension(100, 3 * SECOND, 6 * SECOND), "27 s more than allowed: p99.9 is left unknown");
    }

    @Test
    void testTheRequestsDueInAWindowAreCountedFromEachConnectionsSchedule() {
        // Three connections paced at one request a second: due at 0, 1, 2 s...; at 0.5, 1.5...;
        // and one without a schedule yet (still connecting), which has none.
        var phases = new java.util.concurrent.atomic.AtomicLongArray(new long[] {0, SECOND / 2, Long.MIN_VALUE});
        assertEquals(4, LoadGenerator.dueBetween(phases, SECOND, 0, 2 * SECOND), "0 and 1; 0.5 and 1.5");
        assertEquals(2, LoadGenerator.dueBetween(phases, SECOND, SECOND / 10, SECOND + SECOND / 10), "1; 0.5");
        assertEquals(0, LoadGenerator.dueBetween(phases, SECOND, -3 * SECOND, 0), "nothing is due before its schedule starts");
        assertEquals(1, LoadGenerator.dueBetween(phases, SECOND, SECOND / 2, SECOND), "from is in, to is out");
    }
}
