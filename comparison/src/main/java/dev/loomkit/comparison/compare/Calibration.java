package dev.loomkit.comparison.compare;

import dev.loomkit.comparison.demo.CpuWork;
import java.security.NoSuchAlgorithmException;

/**
 * How many hash units ({@link CpuWork}, what the demo server's {@code /work} and {@code /mixed}
 * compute) take one millisecond here. Measured once, in the harness's JVM, and passed to every
 * server as a count, so that every mode does exactly the same work per request.
 *
 * <p>The fastest of many short rounds, taken once the rounds stop getting faster: the JIT compiles
 * the digest's intrinsic in the background, and five rounds after a fixed warm-up were not always
 * enough (two runs on this machine calibrated 471 and 1,190 units per millisecond, so the "1 ms"
 * of the cpu scenario was 0.4 ms in one of them).
 */
final class Calibration {
    /** Units per round: about 8 ms here. Six runs of this calibration here gave 1,197 to 1,340. */
    private static final int ROUND_UNITS = 10_000;
    /** Rounds in a row without a new best (by more than 1%) that end the calibration. */
    private static final int STABLE_ROUNDS = 50;
    private static final long MAX_NANOS = 5_000_000_000L;

    private Calibration() {
    }

    static long hashUnitsPerMs() throws NoSuchAlgorithmException {
        long deadline = System.nanoTime() + MAX_NANOS;
        long best = Long.MAX_VALUE;
        int sinceBest = 0;
        while (sinceBest < STABLE_ROUNDS && System.nanoTime() - deadline < 0) {
            long start = System.nanoTime();
            CpuWork.hash(ROUND_UNITS);
            long took = System.nanoTime() - start;
            if (took < best * 0.99) {
                sinceBest = 0;
            } else {
                sinceBest++;
            }
            best = Math.min(best, took);
        }
        return Math.max(1, ROUND_UNITS * 1_000_000L / best);
    }
}
