package dev.loomkit.comparison;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("bare: Unknown option: '--bogus' (see ./loomkit run bare --help)"),
                err.toString(StandardCharsets.UTF_8));
        var out = new ByteArrayOutputStream();
        assertEquals(0, Main.run(List.of("--help"), new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.contains("bare-virtual") && help.contains("Commands:") && help.contains("  bare "), help);
        assertTrue(!help.contains("\n  load ") && !help.contains("\n  backend ") && !help.contains("\n  parked "),
                "the comparison's child processes are not for people: " + help);
    }

    @Test
    void testUnknownArgumentsAreRejected() throws Exception {
        var err = new ByteArrayOutputStream();
        int code = Main.run(List.of("--bogus"), System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("Unknown option: '--bogus'"), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs a command line; returns its exit status, and what it printed on its two streams. */
    private static String[] run(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int code = Main.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void testEveryCommandHasGeneratedHelpAndRefusesWhatItDoesNotTake(@TempDir java.nio.file.Path tmp) {
        for (String command : List.of("bench", "diff", "demo", "bare", "serve", "load", "backend", "parked")) {
            String[] help = run(command, "--help");
            assertEquals("0", help[0], command);
            assertTrue(help[1].startsWith("Usage: ./loomkit run " + command + " "), help[1]);
            // What a command requires, given, so that the unknown option is what is refused.
            List<String> required = switch (command) {
                case "load" -> List.of("--target", "127.0.0.1:1", "--points", "1");
                case "parked" -> List.of("virtual", "1");
                default -> List.of();
            };
            var bogusArgs = new java.util.ArrayList<>(List.of(command));
            bogusArgs.addAll(required);
            bogusArgs.add("--bogus");
            String[] bogus = run(bogusArgs.toArray(String[]::new));
            assertEquals("2", bogus[0], command);
            assertTrue(bogus[2].startsWith(command + ": Unknown option: '--bogus'"), bogus[2]);
        }
        // What used to be read wrongly in silence: a fraction taken as its whole part, a flag taking a
        // "true" after it, a trailing argument ignored, two profiles at once.
        String[] fraction = run("--connections", "10,1.5");
        assertEquals("2", fraction[0]);
        assertTrue(fraction[2].contains("'--connections'") && fraction[2].contains("whole"), fraction[2]);
        String[] pair = run("load", "--target", "127.0.0.1:1", "--points", "2", "--idle", "true");
        assertEquals("2", pair[0]);
        assertTrue(pair[2].contains("Unmatched argument") && pair[2].contains("'true'"), pair[2]);
        var spelt = Cli.configure(Main.commands(System.out)).parseArgs("--out", "demo");
        assertTrue(spelt.subcommand() == null && spelt.matchedOptionValue("--out", (Object) null) != null,
                "a value spelt like a command is the option's value");
        String[] before = run("--quick", "bench");
        assertEquals("2", before[0], "--quick before a command would be dropped");
        assertTrue(before[2].contains("do not go before a command") && before[2].contains("--quick"), before[2]);
        String[] missing = run("bare", "--port");
        assertEquals("2", missing[0]);
        assertTrue(missing[2].contains("Missing required parameter for option '--port'"), missing[2]);
        String[] pool = run("serve", "--pool", "0");
        assertEquals("2", pool[0]);
        assertTrue(pool[2].contains("serve: --pool must be at least 1"), "the option's name, not the config's: " + pool[2]);
        String[] none = run("bench", "--quick", "--include", "NoSuchBenchmark", "--out", tmp.toString());
        assertEquals("2", none[0], "an --include that matches nothing is a mistake in the command line, not a crash");
        assertTrue(none[2].contains("no benchmark matches --include NoSuchBenchmark"), none[2]);
        String[] kind = run("parked", "green", "10");
        assertEquals("2", kind[0]);
        assertTrue(kind[2].contains("parked takes virtual or platform"), kind[2]);
    }
}
