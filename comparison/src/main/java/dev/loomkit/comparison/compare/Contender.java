package dev.loomkit.comparison.compare;

import dev.loomkit.server.ThreadMode;

/**
 * A server configuration under comparison: a thread mode, for platform threads a pool size, and
 * optionally a limit on requests in flight (the server's admission control).
 *
 * @param mode  the thread mode
 * @param pool  the pool size (platform only)
 * @param limit the most requests in flight, or 0 for none below the connection count
 */
record Contender(ThreadMode mode, int pool, int limit) {
    private static final String LIMIT = "-limit-";

    String name() {
        String base = mode == ThreadMode.VIRTUAL ? "virtual" : "platform-" + pool;
        return limit > 0 ? base + LIMIT + limit : base;
    }

    /**
     * Parses {@code virtual} or {@code platform-N}, either optionally followed by {@code -limit-M}.
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    static Contender parse(String s) {
        String v = s.strip();
        int limit = 0;
        int at = v.indexOf(LIMIT);
        if (at > 0) {
            limit = positive(v.substring(at + LIMIT.length()), s);
            v = v.substring(0, at);
        }
        if (v.equals("virtual")) {
            return new Contender(ThreadMode.VIRTUAL, 0, limit);
        }
        if (v.startsWith("platform-")) {
            return new Contender(ThreadMode.PLATFORM, positive(v.substring(9), s), limit);
        }
        throw unknown(s);
    }

    private static int positive(String digits, String whole) {
        try {
            int n = Integer.parseInt(digits);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the message below says what is accepted
        }
        throw unknown(whole);
    }

    private static IllegalArgumentException unknown(String s) {
        return new IllegalArgumentException("unknown mode '" + s + "'; use virtual or platform-N (e.g. platform-200), "
                + "optionally with -limit-M for at most M requests in flight (e.g. virtual-limit-1000)");
    }
}
