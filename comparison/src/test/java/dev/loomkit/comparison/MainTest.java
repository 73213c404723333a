package dev.loomkit.comparison;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class MainTest {

    @Test
    void testDemoRunsAndReportsWhatItDid() throws Exception {
        var out = new ByteArrayOutputStream();
        int code = Main.run(List.of("demo"), new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, text);
        assertTrue(text.contains("10,000 virtual threads"), text);
        assertTrue(text.contains("balance 200 (expected 200), 0 failed"), text);
        assertTrue(text.contains("deadline of scope 'request' passed"), text);
        assertTrue(text.contains("loomkit.tasks.ended"), text);
    }

    @Test
    void testBareTakesOnlyAPortAndHelpNamesIt() throws Exception {
        var err = new ByteArrayOutputStream();
        int code = Main.run(List.of("bare", "--bogus"), System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("bare takes only --port N"), err.toString(StandardCharsets.UTF_8));
        var out = new ByteArrayOutputStream();
        assertEquals(0, Main.run(List.of("--help"), new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("bare-virtual") && help.contains("./loomkit run bare"), help);
    }

    @Test
    void testUnknownArgumentsAreRejected() throws Exception {
        var err = new ByteArrayOutputStream();
        int code = Main.run(List.of("--bogus"), System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown option '--bogus'"), err.toString(StandardCharsets.UTF_8));
    }
}
