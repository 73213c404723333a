package dev.loomkit.comparison.compare;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConsoleTableTest {
    private static PointResult point(double throughput, long connectErrors) {
        return point(throughput, 0, connectErrors);
    }

    private static PointResult point(double throughput, long timeouts, long connectErrors) {
        return new PointResult("io", "virtual", 100, 0, 3, (long) (throughput * 3), throughput, 1, 2, 3, Double.NaN, 5, 0, 0,
                timeouts, connectErrors, 100, 20, 1, 1, 1, 0, -1, -1, 90, 1, -1, -1);
    }

    private static String print(PointResult r) {
        var bytes = new ByteArrayOutputStream();
        var table = new ConsoleTable(new PrintStream(bytes, true, StandardCharsets.UTF_8), 1);
        table.header("io");
        table.row(r);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void testAServerNobodyCouldReachIsSaidSoNotPrintedAsARowOfZeros() {
        String dead = print(point(0, 1_234));
        assertTrue(dead.contains("1,234 connection attempts failed"), dead);
        assertTrue(dead.contains("is the server up"), dead);
        String flaky = print(point(500, 7));
        assertTrue(flaky.contains("7 connection attempts failed"), flaky);
        assertFalse(flaky.contains("is the server up"), flaky);
        assertFalse(print(point(500, 0)).contains("connection attempts"));
        // Overloaded, not unreachable: connections were made and timed out.
        String overloaded = print(point(0, 1_190, 190));
        assertTrue(overloaded.contains("190 connection attempts failed"), overloaded);
        assertFalse(overloaded.contains("is the server up"), overloaded);
    }
}
