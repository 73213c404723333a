package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ThreadModeTest {

    @Test
    void testParseAcceptsBothModesInAnyCase() {
        assertEquals(ThreadMode.VIRTUAL, ThreadMode.parse("virtual"));
        assertEquals(ThreadMode.PLATFORM, ThreadMode.parse(" Platform "));
        assertEquals("virtual", ThreadMode.VIRTUAL.label());
    }

    @Test
    void testParseRejectsUnknownModeNamingTheAcceptedOnes() {
        var e = assertThrows(IllegalArgumentException.class, () -> ThreadMode.parse("green"));
        assertEquals("unknown thread mode 'green': expected 'virtual' or 'platform'", e.getMessage());
        assertThrows(NullPointerException.class, () -> ThreadMode.parse(null));
    }
}
