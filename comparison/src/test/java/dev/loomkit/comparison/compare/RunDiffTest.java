package dev.loomkit.comparison.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class RunDiffTest {

    /** A results.csv row: only the fields diff reads are meaningful. */
    private static String row(String scenario, String contender, int connections, int repeat, double throughput, long requests,
                              double p99, long timeouts) {
        return PointResult.builder(scenario, contender, connections, repeat).seconds(3).requests(requests).throughput(throughput)
                .p50(1).p90(2).p99(p99).max(5).errors(0).rejected(0).timeouts(timeouts).connectErrors(0)
                .peakRssMb(100).threads(20).cpuSeconds(1).voluntarySwitches(1).involuntarySwitches(1).abandoned(0)
                .baselineRssMb(90).loadCpuSeconds(1).build().csv();
    }

    private static Path report(Path dir, String name, List<String> rows) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.writeString(d.resolve("results.csv"), PointResult.CSV_HEADER + "\n" + String.join("\n", rows) + "\n");
        return d;
    }

    @Test
    void testChangesPerPointAndHowFarTheRunsAgreedOutsideOverload(@TempDir Path dir) throws Exception {
        Path a = report(dir, "a", List.of(row("io", "virtual", 100, 0, 1_000, 3_000, 60, 0), row("io", "virtual", 1000, 0, 10_000, 30_000, 100, 0),
                row("io", "platform-200", 1000, 0, 2_500, 7_500, 400, 800), row("io", "platform-200", 1000, 1, 2_700, 8_100, 420, 800),
                row("cpu", "virtual", 10, 0, 900, 2_700, 20, 0)));
        Path b = report(dir, "b", List.of(row("io", "virtual", 100, 0, 1_050, 3_150, 66, 0), row("io", "virtual", 1000, 0, 9_000, 27_000, 110, 0),
                row("io", "platform-200", 1000, 0, 1_000, 3_000, 900, 2_000)));
        var text = new ByteArrayOutputStream();
        Path out = RunDiff.run(List.of(a.toString(), b.resolve("results.csv").toString(), "--out", dir.resolve("d").toString()),
                new PrintStream(text, true, StandardCharsets.UTF_8));
        String console = text.toString(StandardCharsets.UTF_8);
        assertTrue(console.contains("+5.0%"), console); // io, virtual, 100
        assertTrue(console.contains("-10.0%"), console); // io, virtual, 1000: the larger move of the two
        // platform-200 timed out on a fifth of its requests: overloaded, reported, left out of the summary.
        assertTrue(console.lines().anyMatch(l -> l.contains("platform-200") && l.contains("overloaded")), console);
        assertTrue(console.contains("at the 2 points not overloaded in either run, throughput moved by at most -10.0% (io, virtual, 1,000 connections)"),
                console);
        assertTrue(console.lines().anyMatch(l -> l.startsWith("cpu") && l.contains("absent")), console);
        assertTrue(Files.readString(out.resolve("diff.html")).contains("virtual (B)"));
        assertTrue(Files.exists(out.resolve("diff-io-throughput.svg")));
        assertEquals(2_600, RunDiff.read(a.resolve("results.csv")).get(new RunDiff.Key("io", "platform-200", 1000)).throughput(), 1e-9,
                "the median of the repeats");
    }

    @Test
    void testARunAgainstItselfMovedByNothing(@TempDir Path dir) throws Exception {
        // The obvious sanity check; every change is exactly 0, and a point with no answer has no p99.
        Path a = report(dir, "a", List.of(row("io", "virtual", 100, 0, 1_000, 3_000, 60, 0), row("cpu", "virtual", 5000, 0, 0, 0, 0, 5_000)));
        var text = new ByteArrayOutputStream();
        RunDiff.run(List.of(a.toString(), a.toString(), "--out", dir.resolve("d").toString()), new PrintStream(text, true, StandardCharsets.UTF_8));
        String console = text.toString(StandardCharsets.UTF_8);
        assertTrue(console.contains("at the 1 points not overloaded in either run, throughput moved by at most +0.0%"), console);
        assertTrue(console.lines().anyMatch(l -> l.startsWith("cpu") && l.contains("n/a") && l.contains("overloaded")), console);
    }

    @Test
    void testRefusesWhatIsNotTwoReports(@TempDir Path dir) throws Exception {
        assertThrows(IllegalArgumentException.class, () -> RunDiff.run(List.of(dir.toString()), System.out));
        var missing = assertThrows(IllegalArgumentException.class, () -> RunDiff.run(List.of(dir.toString(), dir.toString()), System.out));
        assertTrue(missing.getMessage().contains("no report at"), missing.getMessage());
        Files.writeString(dir.resolve("x.csv"), "a,b\n1,2\n");
        var wrong = assertThrows(IllegalArgumentException.class,
                () -> RunDiff.run(List.of(dir.resolve("x.csv").toString(), dir.resolve("x.csv").toString()), System.out));
        assertTrue(wrong.getMessage().contains("is not a comparison's results.csv"), wrong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RunDiff.run(List.of("a", "b", "--bogus"), System.out));
    }
}
