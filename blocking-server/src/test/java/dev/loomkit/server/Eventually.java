package dev.loomkit.server;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits, with a deadline, for a condition no latch can signal (a gauge, a counter). The toolkit's
 * tests have the same helper; test classes do not cross module boundaries, so each module has one.
 */
final class Eventually {
    private Eventually() {
    }

    static void until(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after 10 s waiting for: " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }
}
