package dev.loomkit.comparison.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ScenarioTest {

    @Test
    void testHelloAndSleepParseAndNeedNoBackend() {
        assertEquals(Scenario.HELLO, Scenario.parse("hello"));
        assertEquals(Scenario.SLEEP, Scenario.parse(" Sleep "));
        assertEquals("/hello", Scenario.HELLO.path(123));
        assertEquals("/sleep?ms=50", Scenario.SLEEP.path(123));
        assertFalse(Scenario.HELLO.needsBackend);
        assertFalse(Scenario.SLEEP.needsBackend);
        assertFalse(Scenario.HELLO.needsDemoRoutes());
        assertFalse(Scenario.SLEEP.needsDemoRoutes());
        assertTrue(Scenario.CPU.needsDemoRoutes());
    }

    @Test
    void testUnknownScenarioNamesEveryKnownOne() {
        var e = assertThrows(IllegalArgumentException.class, () -> Scenario.parse("disk"));
        assertEquals("unknown scenario 'disk'; known: io, cpu, mixed, fanout, impatient, idle, hello, sleep", e.getMessage());
    }

    @Test
    void testProfilesLeaveHelloAndSleepOut() {
        assertEquals(List.of(Scenario.IO, Scenario.CPU, Scenario.MIXED), ComparisonOptions.parse(List.of()).scenarios());
        assertEquals(List.of(Scenario.IO, Scenario.CPU), ComparisonOptions.parse(List.of("--quick")).scenarios());
        assertEquals(List.of(Scenario.IO, Scenario.CPU, Scenario.MIXED, Scenario.FANOUT, Scenario.IMPATIENT, Scenario.IDLE),
                ComparisonOptions.parse(List.of("--full")).scenarios());
        assertEquals(List.of(Scenario.HELLO, Scenario.SLEEP), ComparisonOptions.parse(List.of("--scenarios", "hello,sleep")).scenarios());
    }

    @Test
    void testHelpNamesTheNewScenariosAndTheReference() {
        String help = ComparisonOptions.help();
        assertTrue(help.contains("hello (GET /hello"), help);
        assertTrue(help.contains("sleep (Thread.sleep(50)"), help);
        assertTrue(help.contains("bare-virtual"), help);
    }
}
