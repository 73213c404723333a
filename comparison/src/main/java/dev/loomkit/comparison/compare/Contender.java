package dev.loomkit.comparison.compare;

import dev.loomkit.server.ThreadMode;

/**
 * A server configuration under comparison: a thread mode and, for platform threads, a pool size.
 *
 * @param mode the thread mode
 * @param pool the pool size (platform only)
 */
record Contender(ThreadMode mode, int pool) {
    String name() {
        return mode == ThreadMode.VIRTUAL ? "virtual" : "platform-" + pool;
    }

    static Contender parse(String s) {
        String v = s.strip();
        if (v.equals("virtual")) {
            return new Contender(ThreadMode.VIRTUAL, 0);
        }
        if (v.startsWith("platform-")) {
            try {
                int pool = Integer.parseInt(v.substring(9));
                if (pool > 0) {
                    return new Contender(ThreadMode.PLATFORM, pool);
                }
            } catch (NumberFormatException e) {
                // fall through to the message
            }
        }
        throw new IllegalArgumentException("unknown mode '" + s + "'; use virtual or platform-N (e.g. platform-200)");
    }
}
