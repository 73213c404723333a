package dev.loomkit.comparison.bench;

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
        new Microbenchmarks(List.of("--out", dir.toString(), "--include", "ThreadStartBenchmark.startAndJoin",
                "--virtual", "20000", "--platform", "500"), new PrintStream(text, true, StandardCharsets.UTF_8)).run();
        String table = Files.readString(dir.resolve("microbenchmarks.txt"));
        assertTrue(table.contains("ThreadStartBenchmark.startAndJoin") && table.contains("kind=virtual") && table.contains("kind=platform"), table);
        assertTrue(table.contains("kind=virtual n=20000") && table.contains("KiB RSS per thread"), table);
        assertTrue(Files.readString(dir.resolve("jmh.json")).contains("\"primaryMetric\""));
        String report = Files.readString(dir.resolve("report.html"));
        assertTrue(report.contains("<h2>Microbenchmarks</h2>") && report.endsWith("</body></html>\n"), report);
    }

    @Test
    void testOptionsAreValidated() {
        var out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThrows(IllegalArgumentException.class, () -> new Microbenchmarks(List.of("--bogus", "x"), out));
        assertThrows(IllegalArgumentException.class, () -> new Microbenchmarks(List.of("--out"), out));
    }
}
