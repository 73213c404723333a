package dev.loomkit.comparison.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The bare-virtual reference as the harness runs it: in a child JVM, stopped by SIGTERM, driven by either load generator. */
class BareComparisonTest {

    @Test
    @Timeout(20) // ChildJvm.close waits 30 s before it kills: ending well within 20 s means SIGTERM stopped it
    void testBareServerChildJvmAnswersAndStopsOnSigterm(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("bare.log");
        var server = ChildJvm.start("bare", ComparisonOptions.SERVER_FLAGS, List.of("bare", "--port", "0"), log);
        try (server) {
            String ready = server.awaitLine("bare server on http://");
            int port = Integer.parseInt(ready.replaceAll("^\\w+ server on http://[^:]+:(\\d+).*$", "$1"));
            try (var client = HttpClient.newHttpClient()) {
                var hello = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals("hello\n", hello.body());
            }
        }
        assertTrue(server.waitFor(Duration.ZERO), "stopped");
        String errors = Files.readString(log);
        assertFalse(errors.contains("Exception"), "no stack trace on the way out: " + errors);
    }

    @Test
    @Timeout(120)
    void testHelloAndSleepRunWithoutBackendAndBareHasNoServerMeters(@TempDir Path dir) throws Exception {
        var text = new ByteArrayOutputStream();
        new Comparison(List.of("--scenarios", "hello,sleep", "--modes", "virtual,bare-virtual", "--connections", "2",
                "--warmup", "200", "--duration", "500", "--out", dir.toString()), new PrintStream(text, true, StandardCharsets.UTF_8)).run();
        String console = text.toString(StandardCharsets.UTF_8);
        assertTrue(console.contains("bare-virtual: a reference, not a server"), console);
        assertFalse(Files.exists(dir.resolve("backend.log")), "hello and sleep must not start the backend");
        List<String> csv = Files.readAllLines(dir.resolve("results.csv"));
        assertEquals(1 + 2 * 2, csv.size(), String.join("\n", csv));
        for (String row : csv.subList(1, csv.size())) {
            String[] f = row.split(",");
            assertTrue(Double.parseDouble(f[6]) > 0, "throughput in " + row);
            assertEquals("0", f[12], "errors in " + row);
            assertEquals("0", f[14], "timeouts in " + row);
            assertTrue(Double.parseDouble(f[16]) > 10, "peak RSS from /proc in " + row);
            if (f[1].equals("bare-virtual")) {
                assertEquals("-1", f[22], "no /metrics, so no subtask meter: absent, not zero, in " + row);
            } else {
                assertEquals("0", f[22], row);
            }
            if (f[0].equals("sleep")) {
                assertTrue(Double.parseDouble(f[7]) >= 50, "p50 of a 50 ms sleep in " + row);
            }
        }
        assertTrue(Files.readString(dir.resolve("report.html")).contains("<b>bare-virtual</b>: a reference"));
    }

    @Test
    @Timeout(120)
    void testWrkDrivesTheBareServer(@TempDir Path dir) throws Exception {
        boolean wrk;
        try {
            WrkLoad.requireInstalled();
            wrk = true;
        } catch (IllegalArgumentException e) {
            wrk = false;
        }
        Assumptions.assumeTrue(wrk, "wrk is not installed");
        var text = new ByteArrayOutputStream();
        new Comparison(List.of("--scenarios", "hello", "--modes", "bare-virtual", "--connections", "2", "--warmup", "1000",
                "--duration", "1000", "--loadgen", "wrk", "--out", dir.toString()), new PrintStream(text, true, StandardCharsets.UTF_8)).run();
        List<String> csv = Files.readAllLines(dir.resolve("results.csv"));
        assertEquals(2, csv.size(), String.join("\n", csv));
        String[] f = csv.get(1).split(",");
        assertEquals("bare-virtual", f[1]);
        assertTrue(Double.parseDouble(f[6]) > 0, "throughput in " + csv.get(1));
        assertEquals("0", f[12], "errors in " + csv.get(1));
        assertEquals("0", f[13], "non-2xx in " + csv.get(1));
    }
}
