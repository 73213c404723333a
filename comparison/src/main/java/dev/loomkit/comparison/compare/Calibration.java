package dev.loomkit.comparison.compare;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * How many hash units (SHA-256 of 1 KiB, as the demo server's {@code /work} does) take one
 * millisecond here. Measured once, in the harness's JVM, and passed to every server as a count, so
 * that every mode does exactly the same work per request.
 */
final class Calibration {
    private Calibration() {
    }

    static long hashUnitsPerMs() throws NoSuchAlgorithmException {
        var digest = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[1024];
        for (int i = 0; i < 20_000; i++) { // warm up the JIT
            digest.update(block);
            digest.digest();
        }
        int units = 20_000;
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) { // the fastest round: least disturbed by other load
            long start = System.nanoTime();
            for (int i = 0; i < units; i++) {
                digest.update(block);
                digest.digest();
            }
            best = Math.min(best, System.nanoTime() - start);
        }
        return Math.max(1, units * 1_000_000L / best);
    }
}
