package dev.loomkit.comparison.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.server.ThreadMode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ContenderTest {

    @Test
    void testBareVirtualParses() {
        var bare = Contender.parse(" bare-virtual ");
        assertTrue(bare.bare());
        assertEquals("bare-virtual", bare.name());
        assertEquals(ThreadMode.VIRTUAL, bare.mode());
        assertEquals(0, bare.limit());
        assertFalse(Contender.parse("virtual").bare(), "the demo server in virtual mode is another contender");
        assertEquals("virtual-adaptive", Contender.parse("virtual").name(), "the server's default, named outright");
        assertEquals("platform-200-limit-50", Contender.parse("platform-200-limit-50").name());
    }

    @Test
    void testSelectorPoolParsesAndEachModelIsNamed() {
        var pool = Contender.parse("selector-pool-200");
        assertEquals(ThreadMode.SELECTOR_POOL, pool.mode());
        assertEquals(200, pool.pool());
        assertEquals("selector-pool-200", pool.name());
        assertEquals("selector-pool-200-limit-50", Contender.parse("selector-pool-200-limit-50").name());
        assertTrue(pool.model().contains("a thread per request"), pool.model());
        assertTrue(Contender.parse("platform-200").model().contains("a thread per connection"));
        for (String bad : List.of("selector-pool", "selector-pool-0", "selector-pool-x")) {
            var e = assertThrows(IllegalArgumentException.class, () -> Contender.parse(bad), bad);
            assertTrue(e.getMessage().contains("selector-pool-N"), e.getMessage());
        }
        assertEquals(List.of("virtual-adaptive", "selector-pool-200", "platform-200"),
                ComparisonOptions.parse(List.of()).contenders().stream().map(Contender::name).toList(), "the default run's three models");
    }

    @Test
    void testVirtualAdmissionForms() {
        var adaptive = Contender.parse("virtual-adaptive");
        assertEquals(Contender.ADAPTIVE, adaptive.limit());
        assertEquals("virtual-adaptive", adaptive.name());
        assertTrue(adaptive.model().contains("adaptive"), adaptive.model());
        assertEquals(Contender.parse("virtual"), Contender.parse("virtual-adaptive"), "the default, said outright");
        var unlimited = Contender.parse("virtual-unlimited");
        assertEquals(Contender.UNLIMITED, unlimited.limit());
        assertEquals("virtual-unlimited", unlimited.name());
        assertTrue(unlimited.model().contains("no admission limit"), unlimited.model());
        assertEquals("virtual-limit-1000", Contender.parse("virtual-limit-1000").name());
        for (String bad : List.of("virtual-adaptive-limit-10", "virtual-unlimited-limit-10", "virtual-adaptive-2")) {
            var e = assertThrows(IllegalArgumentException.class, () -> Contender.parse(bad), bad);
            assertTrue(e.getMessage().contains("virtual-adaptive"), e.getMessage());
        }
    }

    @Test
    void testAPoolTakesTheAdaptiveLimitOnlyWhenAsked() {
        var pool = Contender.parse("selector-pool-200-adaptive");
        assertEquals(ThreadMode.SELECTOR_POOL, pool.mode());
        assertEquals(200, pool.pool());
        assertEquals(Contender.ADAPTIVE, pool.limit());
        assertEquals("selector-pool-200-adaptive", pool.name());
        assertTrue(pool.model().endsWith("with the adaptive admission limit"), pool.model());
        assertEquals("platform-50-adaptive", Contender.parse("platform-50-adaptive").name());
        assertEquals(Contender.UNLIMITED, Contender.parse("platform-50").limit(), "a pool's own limit is its size");
        assertTrue(Contender.parse("platform-50-limit-20").model().endsWith("at most 20 requests in flight"));
        for (String bad : List.of("selector-pool-200-adaptive-limit-10", "platform-adaptive", "selector-pool--adaptive")) {
            var e = assertThrows(IllegalArgumentException.class, () -> Contender.parse(bad), bad);
            assertTrue(e.getMessage().contains("selector-pool-200-adaptive"), e.getMessage());
        }
    }

    @Test
    void testBareVirtualTakesNoLimitAndUnknownModesNameIt() {
        var limited = assertThrows(IllegalArgumentException.class, () -> Contender.parse("bare-virtual-limit-100"));
        assertTrue(limited.getMessage().contains("no admission control"), limited.getMessage());
        for (String bad : List.of("bare", "bare-platform-200", "green")) {
            var e = assertThrows(IllegalArgumentException.class, () -> Contender.parse(bad), bad);
            assertTrue(e.getMessage().contains("bare-virtual"), e.getMessage());
        }
    }

    @Test
    void testBareVirtualRunsOnlyWhatItServes() {
        var bare = Contender.parse("bare-virtual");
        for (Scenario s : List.of(Scenario.HELLO, Scenario.SLEEP, Scenario.IDLE)) {
            assertNull(bare.refusal(s), s.id);
        }
        for (Scenario s : List.of(Scenario.IO, Scenario.CPU, Scenario.MIXED, Scenario.FANOUT, Scenario.IMPATIENT)) {
            String refusal = bare.refusal(s);
            assertTrue(refusal != null && refusal.contains("only /hello and /sleep") && refusal.contains(s.id), s.id + ": " + refusal);
        }
        for (Scenario s : Scenario.values()) {
            assertNull(Contender.parse("platform-200").refusal(s), "the demo server runs every scenario: " + s.id);
        }
    }

    @Test
    void testAnIncompatiblePairIsRefusedBeforeTheRunWithAClearMessage() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ComparisonOptions.parse(List.of("--scenarios", "hello,io", "--modes", "virtual,bare-virtual")));
        assertEquals("bare-virtual serves only /hello and /sleep, not the io scenario's /backend: it runs only the idle, hello, sleep "
                + "scenarios, and this run asks for io; choose with --scenarios (e.g. --scenarios hello,sleep), or leave bare-virtual "
                + "out of --modes", e.getMessage());
        // The default scenarios (io, cpu, mixed) are all refused.
        var defaults = assertThrows(IllegalArgumentException.class, () -> ComparisonOptions.parse(List.of("--modes", "bare-virtual")));
        assertTrue(defaults.getMessage().contains("asks for io, cpu, mixed"), defaults.getMessage());
        var ok = ComparisonOptions.parse(List.of("--scenarios", "hello,sleep,idle", "--modes", "virtual,bare-virtual"));
        assertEquals(List.of(Contender.parse("virtual"), Contender.parse("bare-virtual")), ok.contenders());
        var wrk = ComparisonOptions.parse(List.of("--scenarios", "hello,sleep", "--modes", "bare-virtual", "--loadgen", "wrk"));
        assertTrue(wrk.wrk());
    }
}
