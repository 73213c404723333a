package dev.loomkit.comparison.bench;

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

/** The bench command on one small benchmark: a real JMH fork, real child JVMs for parked threads. */
class MicrobenchmarksTest {

    @Test
    @Timeout(180)
    void testBenchCommandRunsJmhAndParkedThreadsAndExtendsAnExistingReport(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("report.html"), "<html><body><h1>comparison</h1></body></html>\n");
        var text = new ByteArrayOutputStream();
        new Microbenchmarks(List.of("--quick", "--out", dir.toString(), "--include", "ThreadStartBenchmark.startAndJoin",
                "--virtual", "20000", "--platform", "500"), new PrintStream(text, true, StandardCharsets.UTF_8)).run();
        String table = Files.readString(dir.resolve("microbenchmarks.txt"));
        assertTrue(table.contains("ThreadStartBenchmark.startAndJoin") && table.contains("kind=virtual") && table.contains("kind=platform"), table);
        assertTrue(table.contains("kind=virtual n=20000") && table.contains("KiB RSS per thread"), table);
        assertTrue(table.contains("±%") && table.contains("profile: quick profile, indicative only"), table);
        assertTrue(table.contains("every error within 10% of its score") || table.contains("wider than 10% of the score"), table);
        assertTrue(Files.readString(dir.resolve("jmh.json")).contains("\"primaryMetric\""));
        String report = Files.readString(dir.resolve("report.html"));
        assertTrue(report.contains("<h2>Microbenchmarks</h2>") && report.endsWith("</body></html>\n"), report);
    }

    @Test
    void testOptionsAreValidated() {
        var out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThrows(IllegalArgumentException.class, () -> new Microbenchmarks(List.of("--bogus", "x"), out));
        assertThrows(IllegalArgumentException.class, () -> new Microbenchmarks(List.of("--out"), out));
        assertThrows(IllegalArgumentException.class, () -> new Microbenchmarks(List.of("--quick", "--full"), out));
    }

    @Test
    void testTheErrorIsShownAsAShareOfTheScore() {
        assertEquals("10.0%", Microbenchmarks.relativeError(41.2, 4.12));
        assertEquals("250.0%", Microbenchmarks.relativeError(-2, 5), "a negative score: the share of its size");
        assertEquals("", Microbenchmarks.relativeError(12, Double.NaN), "JMH gives no error for a single sample");
        assertEquals("", Microbenchmarks.relativeError(0, 1));
    }

    /** Every headline pattern names benchmark methods that exist: a rename would drop a figure without a word. */
    @Test
    void testEveryHeadlinePatternMatchesABenchmark() throws Exception {
        List<String> benchmarks = new java.util.ArrayList<>();
        for (Class<?> c : List.of(ThreadStartBenchmark.class, ScopeForkJoinBenchmark.class, CancelScopeBenchmark.class,
                ContendedLockBenchmark.class, UncontendedLockBenchmark.class, RequestPathBenchmark.class)) {
            for (var m : c.getDeclaredMethods()) {
                if (m.isAnnotationPresent(org.openjdk.jmh.annotations.Benchmark.class)) {
                    benchmarks.add(c.getName() + "." + m.getName());
                }
            }
        }
        for (String include : BenchProfile.HEADLINE_INCLUDES) {
            var pattern = java.util.regex.Pattern.compile(include);
            assertTrue(benchmarks.stream().anyMatch(b -> pattern.matcher(b).find()), include + " matches none of " + benchmarks);
        }
        var headline = benchmarks.stream().filter(b -> BenchProfile.HEADLINE_INCLUDES.stream()
                .anyMatch(i -> java.util.regex.Pattern.compile(i).matcher(b).find())).toList();
        assertEquals(9, headline.size(), "thread start 2, fork/join 3, cancel 1, contended 1, uncontended 2: " + headline);
    }

    @Test
    void testTheThreadBenchmarksPinToTheLastCpuOfTheirAffinity() {
        assertEquals(3, OneCpu.lastCpu("pid 123's current affinity list: 0,2-3\n"));
        assertEquals(0, OneCpu.lastCpu("pid 9's current affinity list: 0"));
        assertEquals(17, OneCpu.lastCpu("pid 9's current affinity list: 1,5,17"));
        assertThrows(NumberFormatException.class, () -> OneCpu.lastCpu("taskset: failed to get pid 9's affinity"));
        assertThrows(NumberFormatException.class, () -> OneCpu.lastCpu("pid 9's current affinity mask: 3"),
                "a mask (BusyBox) is not a list: 3 would be read as CPU 3");
    }

    @Test
    void testWithoutTasksetTheBenchmarkGoesOnUnpinned() {
        assertEquals(-1, OneCpu.pin("/nonexistent/taskset"), "said on standard error, not thrown");
    }
}
