package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ThreadModeTest {

    @Test
    void testParseAcceptsEveryModeInAnyCaseAndRoundTripsItsLabel() {
        assertEquals(ThreadMode.VIRTUAL, ThreadMode.parse("virtual"));
        assertEquals(ThreadMode.PLATFORM, ThreadMode.parse(" Platform "));
        assertEquals(ThreadMode.SELECTOR_POOL, ThreadMode.parse("Selector-Pool"));
        assertEquals("virtual", ThreadMode.VIRTUAL.label());
        assertEquals("selector-pool", ThreadMode.SELECTOR_POOL.label());
        for (ThreadMode m : ThreadMode.values()) {
            assertEquals(m, ThreadMode.parse(m.label()));
        }
    }

    @Test
    void testParseRejectsUnknownModeNamingTheAcceptedOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> ThreadMode.parse("green"));
        assertEquals("unknown thread mode 'green': expected 'virtual', 'platform' or 'selector-pool'", e.getMessage());
        assertThrows(NullPointerException.class, () -> ThreadMode.parse(null));
    }
}
