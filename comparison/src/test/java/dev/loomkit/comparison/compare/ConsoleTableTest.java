package dev.loomkit.comparison.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleTableTest {
    private static PointResult point(double throughput, long connectErrors) {
        return point(throughput, 0, connectErrors);
    }

    private static PointResult point(double throughput, long timeouts, long connectErrors) {
        return PointResult.builder("io", "virtual", 100, 0).seconds(3).requests((long) (throughput * 3)).throughput(throughput)
                .p50(1).p90(2).p99(3).max(5).errors(0).rejected(0).timeouts(timeouts).connectErrors(connectErrors)
                .peakRssMb(100).threads(20).cpuSeconds(1).voluntarySwitches(1).involuntarySwitches(1).abandoned(0)
                .baselineRssMb(90).loadCpuSeconds(1).build();
    }

    private static String print(PointResult r) {
        return print(r, 1);
    }

    private static String print(PointResult r, int loadCpus) {
        var bytes = new ByteArrayOutputStream();
        var table = new ConsoleTable(new PrintStream(bytes, true, StandardCharsets.UTF_8), 1, loadCpus, List.of(r.contender()));
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

    @Test
    void testClientsStillConnectingWhenTheWindowOpenedAreSaid() {
        PointResult base = point(500, 0);
        String some = print(PointResult.builder("io", "platform-200", 10_000, 0).seconds(3).requests(1_500).throughput(500)
                .p50(1).p90(2).p99(3).max(5).errors(0).rejected(0).timeouts(0).connectErrors(0).abandoned(0)
                .stillConnecting(7_444).build());
        assertTrue(some.contains("7,444 of the 10,000 clients had not yet made their first connection attempt"), some);
        assertTrue(PointResult.CSV_HEADER.contains(",still_connecting,"));
        assertFalse(print(base).contains("first connection attempt"), "unknown (-1) says nothing");
    }

    /** A cpu point (no backend) whose generator used {@code cpu} seconds in a window of {@code seconds}. */
    private static PointResult load(double cpu, double seconds) {
        return PointResult.builder("cpu", "virtual", 100, 0).seconds(seconds).requests(300).throughput(100).p50(1).p90(2)
                .p99(3).max(5).errors(0).rejected(0).timeouts(0).connectErrors(0).abandoned(0).loadCpuSeconds(cpu).build();
    }

    @Test
    void testAPointWhoseLoadSideRanOutOfCpuIsSaidSo() {
        // cpu at 10,000 connections in the 2026-12-02 default run: 2.85 s of the generator's one
        // CPU in a 3.004 s window.
        String saturated = print(PointResult.builder("cpu", "virtual-adaptive", 10_000, 0).seconds(3.004).requests(1_683)
                .throughput(560).p50(1).p90(2).p99(3).max(5).errors(0).rejected(6_471).timeouts(2_083).connectErrors(0)
                .abandoned(0).loadCpuSeconds(2.85).build());
        assertTrue(saturated.contains("the load generator used 95% of its CPU in the window: this point measured the generator"), saturated);
        // io at 1,000 connections in the same run: 1.73 s of the generator and 1.20 s of the
        // backend, which share the CPU, in a 3.001 s window.
        String shared = print(PointResult.builder("io", "virtual-adaptive", 1_000, 0).seconds(3.001).requests(37_574)
                .throughput(12_520).p50(1).p90(2).p99(3).max(5).errors(0).rejected(0).timeouts(0).connectErrors(0)
                .abandoned(0).loadCpuSeconds(1.73).backendCpuSeconds(1.20).build());
        assertTrue(shared.contains("the load generator and the backend used 98% of their CPU in the window: this point measured them"),
                shared);
        assertFalse(print(PointResult.builder("io", "virtual-adaptive", 1_000, 0).seconds(3.001).requests(37_574)
                .throughput(12_520).p50(1).p90(2).p99(3).max(5).errors(0).rejected(0).timeouts(0).connectErrors(0)
                .abandoned(0).loadCpuSeconds(1.73).backendCpuSeconds(1.20).build(), 2).contains("used"),
                "the same on two CPUs: half of them");
        // The threshold: 90% of the CPUs.
        assertTrue(print(load(2.70, 3.0)).contains("used 90% of its CPU"));
        assertFalse(print(load(2.67, 3.0)).contains("used"), "89%");
        assertTrue(print(load(3.18, 3.0)).contains("the load generator used all of its CPU in the window"),
                "106% by readings a little wider than the window: all of it");
        assertTrue(print(load(2.988, 3.0)).contains("used all of its CPU"), "99.6% would print as 100%: all of it");
        assertTrue(print(load(2.97, 3.0)).contains("used 99% of its CPU"), "99% is not all");
        assertFalse(print(point(500, 0)).contains("used"), "1 s of 3: a third of its CPU");
        assertFalse(print(PointResult.builder("io", "virtual", 100, 0).seconds(3).requests(3).throughput(1).p50(1).p90(2)
                .p99(3).max(5).errors(0).rejected(0).timeouts(0).connectErrors(0).abandoned(0).build())
                .contains("used"), "unknown (-1) says nothing");
    }

    @Test
    void testColumnsLineUpWhateverTheNamesLength() {
        var bytes = new ByteArrayOutputStream();
        var names = List.of("virtual-adaptive", "selector-pool-200-adaptive", "platform-200");
        var table = new ConsoleTable(new PrintStream(bytes, true, StandardCharsets.UTF_8), 1, 1, names);
        table.header("io");
        for (String name : names) {
            table.row(PointResult.builder("io", name, 1_000, 0).seconds(3).requests(3_000).throughput(1_000).p50(1).p90(2)
                    .p99(3).max(5).errors(0).rejected(0).timeouts(0).connectErrors(0).abandoned(0).build());
        }
        var lines = bytes.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains(" 1000 ") || l.startsWith("mode")).toList();
        assertEquals(4, lines.size(), String.join("\n", lines));
        // Each row's connections column ends where the header's does.
        int end = lines.get(0).indexOf("conns") + "conns".length();
        for (String line : lines.subList(1, lines.size())) {
            assertEquals(end, line.indexOf(" 1000 ") + " 1000".length(), line);
        }
        // A row's second line starts after the name column, under the figures.
        var more = new ByteArrayOutputStream();
        var wide = new ConsoleTable(new PrintStream(more, true, StandardCharsets.UTF_8), 1, 1, names);
        wide.row(PointResult.builder("io", "selector-pool-200-adaptive", 1_000, 0).seconds(3).requests(3_000).throughput(1_000)
                .p50(1).p90(2).p99(3).max(5).errors(0).rejected(0).timeouts(0).connectErrors(3).abandoned(0).build());
        String second = more.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("connection attempts failed")).findFirst()
                .orElseThrow();
        assertEquals(27, second.indexOf('3'), second);
        assertEquals(ConsoleTable.NAME_WIDTH, ConsoleTable.nameWidth(List.of("virtual")), "short names keep the usual width");
        assertEquals(26, ConsoleTable.nameWidth(names));
    }
}
