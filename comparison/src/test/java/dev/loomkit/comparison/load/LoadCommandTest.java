package dev.loomkit.comparison.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.comparison.Cli;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The load generator's command line, as the comparison writes it: parsed into its plan, strictly. */
@Timeout(30)
class LoadCommandTest {

    private static LoadGenerator.Plan plan(String... args) {
        return Cli.parse(new LoadCommand(System.out), List.of(args)).plan();
    }

    @Test
    void testTheComparisonsCommandLineBecomesThePlan() {
        var p = plan("--target", "127.0.0.1:8080", "--host", "h", "--path", "/sleep?ms=5", "--points", "10,10,100",
                "--warmup", "500", "--duration", "2000", "--timeout", "900", "--rate", "250.5", "--sources", "16",
                "--abandon", "0.5:200", "--idle", "--paced", "--hlog", "/tmp/x");
        assertEquals(8080, p.target().getPort());
        assertEquals("h", p.host());
        assertEquals("/sleep?ms=5", p.path());
        assertEquals(List.of(10, 10, 100), p.points(), "a point repeated is measured again, in order");
        assertEquals(Duration.ofMillis(500), p.warmup());
        assertEquals(Duration.ofMillis(2000), p.duration());
        assertEquals(Duration.ofMillis(900), p.timeout());
        assertEquals(250.5, p.rate());
        assertEquals(16, p.sources());
        assertEquals(0.5, p.abandonShare());
        assertEquals(Duration.ofMillis(200), p.abandonAfter());
        assertTrue(p.idle());
        assertEquals("/tmp/x", p.hlog());
        var defaults = plan("--target", "127.0.0.1:1", "--points", "1");
        assertEquals("/hello", defaults.path());
        assertEquals(1, defaults.sources());
        assertEquals(0, defaults.rate());
    }

    @Test
    void testAWrongValueIsRefusedWithTheOptionNamed() {
        Map<List<String>, String> refusals = new LinkedHashMap<>();
        refusals.put(List.of("--target", "nohost", "--points", "1"), "--target");
        refusals.put(List.of("--target", "127.0.0.1:notaport", "--points", "1"), "--target");
        refusals.put(List.of("--target", "127.0.0.1:1", "--points", "0"), "--points");
        refusals.put(List.of("--target", "127.0.0.1:1", "--points", ","), "--points");
        refusals.put(List.of("--target", "127.0.0.1:1", "--points", "1.5"), "'--points'");
        refusals.put(List.of("--target", "127.0.0.1:1", "--points", "1", "--rate", "-1"), "--rate");
        refusals.put(List.of("--target", "127.0.0.1:1", "--points", "1", "--abandon", "0.5"), "--abandon");
        refusals.put(List.of("--target", "127.0.0.1:1", "--points", "1", "--abandon", "2:100"), "--abandon");
        refusals.put(List.of("--target", "127.0.0.1:1", "--points", "1", "--paced", "true"), "'true'");
        refusals.put(List.of("--points", "1"), "'--target=HOST:PORT'");
        refusals.forEach((bad, named) -> {
            var e = assertThrows(IllegalArgumentException.class, () -> plan(bad.toArray(String[]::new)), bad.toString());
            assertTrue(e.getMessage().contains(named), bad + ": " + e.getMessage());
        });
    }
}
