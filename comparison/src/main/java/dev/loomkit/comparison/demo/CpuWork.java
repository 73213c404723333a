package dev.loomkit.comparison.demo;

import dev.loomkit.toolkit.Cancellation;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The CPU work of the demo's {@code /work} and {@code /mixed}: chained SHA-256 over a 1 KiB block,
 * one unit per digest. One place, so that the harness calibrates with the very code the servers
 * run.
 */
public final class CpuWork {
    /** The bytes hashed per unit. */
    static final int UNIT_BYTES = 1024;

    private CpuWork() {
    }

    /**
     * Hashes {@code units} units. Looks for a cancellation of the current scope every 64 units
     * (about 50 us): CPU work has no blocking call for an interrupt to land on.
     *
     * @return the first 8 bytes of the last digest, in hex (so that the work cannot be optimised away)
     * @throws NoSuchAlgorithmException if the JDK has no SHA-256 (it must have)
     * @throws dev.loomkit.toolkit.ScopeCancelledException if the current scope is cancelled meanwhile
     */
    public static String hash(long units) throws NoSuchAlgorithmException {
        var digest = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[UNIT_BYTES];
        byte[] out = new byte[32];
        for (long i = 0; i < units; i++) {
            if ((i & 63) == 63) {
                Cancellation.throwIfCancelled();
            }
            digest.update(block);
            out = digest.digest(out);
            System.arraycopy(out, 0, block, 0, out.length);
        }
        return HexFormat.of().formatHex(out, 0, 8);
    }
}
