package dev.loomkit.comparison.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The point's builder: what is not set stays unknown, and a point says so in its CSV and JSON. */
class PointResultTest {

    @Test
    void testFiguresNotSetAreUnknownNotZero() {
        PointResult p = PointResult.builder("io", "virtual", 100, 0).seconds(3).requests(300).throughput(100).build();
        assertTrue(Double.isNaN(p.p50()) && Double.isNaN(p.p999()) && Double.isNaN(p.max()), "latencies unknown");
        assertEquals(-1, p.peakRssMb());
        assertEquals(-1, p.threads());
        assertEquals(-1, p.cpuSeconds());
        assertEquals(-1, p.backendAnswers());
        assertTrue(Double.isNaN(p.loadCpuMicrosPerRequest()));
        assertTrue(Double.isNaN(p.backendCpuMsPer10k()));
        // Unknown latencies are empty in CSV and null in JSON, not 0.
        assertTrue(p.csv().startsWith("io,virtual,100,0,3.000,300,100.0,,,,,,"), p.csv());
        assertTrue(p.json().contains("\"p50_ms\":null"), p.json());
        assertEquals(PointResult.CSV_HEADER.split(",").length, p.csv().split(",", -1).length, "one CSV field per header");
    }

    @Test
    void testEachSetterSetsItsOwnFigure() {
        PointResult p = PointResult.builder("cpu", "platform-200", 10, 2).p50(1).p90(2).p99(3).p999(4).max(5)
                .errors(6).rejected(7).timeouts(8).connectErrors(9).abandoned(10).build();
        assertEquals(String.join(",", "1.000", "2.000", "3.000", "4.000", "5.000", "6", "7", "8", "9"),
                String.join(",", java.util.Arrays.copyOfRange(p.csv().split(","), 7, 16)));
        assertEquals(10, p.abandoned());
        assertEquals(2, p.repeat());
    }

    @Test
    void testAPointWithoutItsIdentityIsRefused() {
        assertThrows(NullPointerException.class, () -> PointResult.builder(null, "virtual", 1, 0));
        var e = assertThrows(IllegalArgumentException.class, () -> PointResult.builder("io", "virtual", -1, 0).build());
        assertTrue(e.getMessage().contains("connections >= 0"), e.getMessage());
    }
}
