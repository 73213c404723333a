package dev.loomkit.comparison.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.comparison.demo.BareServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code --target URL}: a server the harness did not start, measured with the same generator and report. */
class TargetComparisonTest {

    @Test
    @Timeout(120)
    void testTargetIsDrivenAndItsProcessRead(@TempDir Path dir) throws Exception {
        // The bare reference in this JVM stands for "a server someone else started"; its pid is this one.
        try (var server = BareServer.start(0)) {
            String url = "http://127.0.0.1:" + server.port() + "/hello";
            var text = new ByteArrayOutputStream();
            new Comparison(List.of("--target", url, "--target-pid", Long.toString(ProcessHandle.current().pid()), "--target-name", "mine",
                    "--connections", "2,8", "--warmup", "200", "--duration", "600", "--out", dir.toString()),
                    new PrintStream(text, true, StandardCharsets.UTF_8)).run();
            String console = text.toString(StandardCharsets.UTF_8);
            assertTrue(console.contains("target: " + url), console);
            List<String> csv = Files.readAllLines(dir.resolve("results.csv"));
            assertEquals(3, csv.size(), String.join("\n", csv));
            for (String row : csv.subList(1, csv.size())) {
                String[] f = row.split(",");
                assertEquals("target", f[0], row);
                assertEquals("mine", f[1], row);
                assertTrue(Double.parseDouble(f[6]) > 0, "throughput in " + row);
                assertEquals("0", f[12], "errors in " + row);
                assertTrue(Double.parseDouble(f[16]) > 10, "the target's RSS, from /proc, in " + row);
                assertTrue(Double.parseDouble(f[18]) >= 0, "the target's CPU in " + row);
            }
            String json = Files.readString(dir.resolve("results.json"));
            assertTrue(json.contains("\"target\":\"" + url + "\""), json);
            assertTrue(Files.readString(dir.resolve("report.html")).contains("The server measured: mine"));
        }
    }

    @Test
    @Timeout(120)
    void testARunThatFailsMidwayStillWritesWhatItMeasured(@TempDir Path dir) throws Exception {
        try (var server = BareServer.start(0)) {
            String url = "http://127.0.0.1:" + server.port() + "/hello";
            var text = new ByteArrayOutputStream();
            // The run fails as it would if its terminal went away: the console throws once, right
            // after the first point's row; the second point is never measured.
            var failed = new java.util.concurrent.atomic.AtomicBoolean();
            var console = new PrintStream(new java.io.OutputStream() {
                @Override
                public void write(int b) {
                    text.write(b);
                    if (b == '\n' && !failed.get() && text.toString(StandardCharsets.UTF_8).lines().anyMatch(l -> l.startsWith("mine "))) {
                        failed.set(true);
                        throw new IllegalStateException("console gone");
                    }
                }
            }, true, StandardCharsets.UTF_8);
            var run = new Comparison(List.of("--target", url, "--target-name", "mine", "--connections", "2,8",
                    "--warmup", "200", "--duration", "600", "--out", dir.toString()), console);
            var e = assertThrows(IllegalStateException.class, run::run, () -> text.toString(StandardCharsets.UTF_8));
            assertEquals("console gone", e.getMessage());
            String out = text.toString(StandardCharsets.UTF_8);
            assertTrue(out.contains("wrote a partial report of 1 point(s)"), out);
            List<String> csv = Files.readAllLines(dir.resolve("results.csv"));
            assertEquals(2, csv.size(), String.join("\n", csv));
            assertTrue(Files.readString(dir.resolve("report.html")).contains("the run stopped early, after 1 point(s)"));
        }
    }

    @Test
    void testTargetOptionsAreValidated() {
        for (List<String> bad : List.of(List.of("--target", "https://example.com/"), List.of("--target", "http:///nohost"),
                List.of("--target", "http://u@h/"), List.of("--target", "not a url"),
                List.of("--target", "http://127.0.0.1:1/", "--modes", "virtual"),
                List.of("--target", "http://127.0.0.1:1/", "--scenarios", "io"),
                List.of("--target-pid", "1"), List.of("--target", "http://127.0.0.1:1/", "--target-pid", "0"),
                List.of("--target", "http://127.0.0.1:1/", "--target-pid", "999999999"),
                List.of("--target", "http://127.0.0.1:1/", "--target-name", "Boot, VT on"))) {
            var e = assertThrows(IllegalArgumentException.class, () -> ComparisonOptions.parse(bad), bad.toString());
            assertTrue(e.getMessage().contains("--target"), e.getMessage());
        }
        var o = ComparisonOptions.parse(List.of("--target", "http://127.0.0.1:8080/hello?x=1"));
        assertEquals("127.0.0.1:8080", o.targetName());
        assertEquals(-1, o.targetPid());
    }
}
