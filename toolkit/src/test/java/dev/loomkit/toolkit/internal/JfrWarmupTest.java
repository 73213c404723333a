package dev.loomkit.toolkit.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.toolkit.sync.AsyncMutex;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 9, item 15: the JFR event classes are made ready when the toolkit is first used, on a
 * thread of their own, without any event being made, so the first cancellation and the first
 * contended lock do not pay for it.
 */
class JfrWarmupTest {

    @Test
    @Timeout(60)
    void testFirstUseOfTheToolkitWarmsTheEventsUpOnItsOwnThread() throws Exception {
        // Using a mutex loads its class, whose initialisation starts the warm-up (ScopeImpl's does too).
        try (var guard = AsyncMutex.create("warm-up").lock()) {
            assertTrue(guard != null);
        }
        assertTrue(JfrWarmup.awaitReady(Duration.ofSeconds(50)), "the warm-up ran");
        // Starting it again is a no-op, and it stays ready.
        JfrWarmup.start();
        assertTrue(JfrWarmup.awaitReady(Duration.ZERO));
    }
}
