package dev.loomkit.comparison.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Short-lived commands, real processes: output collected, and a hanging one cut off at its limit. */
@Timeout(30)
class SubprocessTest {

    @Test
    void testCollectsOutputAndExitCode() throws Exception {
        var r = Subprocess.run(List.of("sh", "-c", "echo out; echo err >&2; exit 3"), Duration.ofSeconds(10));
        assertEquals(3, r.exitCode());
        assertTrue(r.output().contains("out") && r.output().contains("err"), r.output());
    }

    @Test
    void testAHangingCommandIsKilledAtItsLimitEvenWithAChildHoldingItsOutput() {
        long start = System.nanoTime();
        // The grandchild keeps the output open after its parent is killed: reading a pipe to its end
        // before waiting would block for the full 20 s.
        var e = assertThrows(IOException.class,
                () -> Subprocess.run(List.of("sh", "-c", "sleep 20 & sleep 20"), Duration.ofMillis(500)));
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(e.getMessage().contains("did not finish within 500 ms"), e.getMessage());
        assertTrue(took < 15_000, "returned after " + took + " ms");
    }

    @Test
    void testACommandThatCannotStartSaysSo() {
        assertThrows(IOException.class, () -> Subprocess.run(List.of("/nonexistent/loomkit-command"), Duration.ofSeconds(5)));
    }
}
