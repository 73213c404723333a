package dev.loomkit.comparison.compare;

import dev.loomkit.server.ThreadMode;

/**
 * A server configuration under comparison: a thread mode, for platform threads a pool size, and
 * optionally a limit on requests in flight (the server's admission control); or the
 * {@code bare-virtual} reference, which is not the demo server at all but the least a
 * virtual-thread-per-connection server can do (see {@code BareServer}).
 *
 * @param mode  the thread mode
 * @param pool  the pool size (platform and selector-pool only)
 * @param limit the most requests in flight; {@link #UNLIMITED} for none below the connection count;
 *              {@link #ADAPTIVE} for the server's adaptive limit (the virtual mode's default:
 *              {@code virtual}, said outright {@code virtual-adaptive}; a pool's on request:
 *              {@code selector-pool-200-adaptive})
 * @param bare  whether this is the bare-virtual reference (virtual threads, no pool, no limit)
 */
record Contender(ThreadMode mode, int pool, int limit, boolean bare) {
    private static final String LIMIT = "-limit-";
    private static final String ADAPTIVE_SUFFIX = "-adaptive";
    static final String BARE = "bare-virtual";
    /** No admission limit below the connection count. */
    static final int UNLIMITED = 0;
    /** The server's adaptive admission limit. */
    static final int ADAPTIVE = -1;

    String name() {
        if (bare) {
            return BARE;
        }
        String base = switch (mode) {
            case VIRTUAL -> "virtual";
            case PLATFORM -> "platform-" + pool;
            case SELECTOR_POOL -> "selector-pool-" + pool;
        };
        // The virtual server's two admission models are named outright: results named plain
        // "virtual" before the adaptive limit became its default had no limit.
        return limit > 0 ? base + LIMIT + limit
                : limit == ADAPTIVE ? base + ADAPTIVE_SUFFIX
                : mode != ThreadMode.VIRTUAL ? base // a pool's limit is its size
                : base + "-unlimited";
    }

    /** {@return the threading model in a few words, for the report} */
    String model() {
        if (bare) {
            return "the reference: a virtual thread per connection, nothing else";
        }
        return switch (mode) {
            case VIRTUAL -> "a virtual thread per connection (loomkit)" + (limit == ADAPTIVE ? ", adaptive admission limit (the default)"
                    : limit == UNLIMITED ? ", no admission limit" : ", at most " + limit + " requests in flight");
            case PLATFORM -> "a pool of " + pool + " platform threads, a thread per connection while it lasts (prethreaded, Apache prefork)"
                    + poolLimit();
            case SELECTOR_POOL -> "a pool of " + pool + " platform threads, a thread per request; idle keep-alive connections wait "
                    + "on a selector (Tomcat NIO, Jetty)" + poolLimit();
        };
    }

    private String poolLimit() {
        return limit == ADAPTIVE ? ", with the adaptive admission limit" : limit > 0 ? ", at most " + limit + " requests in flight" : "";
    }

    /** {@return why this contender cannot run the scenario, or null if it can} */
    String refusal(Scenario scenario) {
        return bare && scenario.needsDemoRoutes()
                ? BARE + " serves only /hello and /sleep, not the " + scenario.id + " scenario's " + scenario.path(1).replaceAll("\\?.*", "")
                : null;
    }

    /**
     * Parses {@code virtual} (the server's default: its adaptive admission limit; also {@code virtual-adaptive}),
     * {@code virtual-unlimited} (no admission limit), {@code platform-N} or {@code selector-pool-N}, each of these
     * three optionally followed by {@code -limit-M} (a fixed limit), a pool's by {@code -adaptive} (the adaptive
     * limit), or {@code bare-virtual}. A pool has no admission limit unless given one: its size is its limit.
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    static Contender parse(String s) {
        String v = s.strip();
        if (v.equals(BARE)) {
            return new Contender(ThreadMode.VIRTUAL, 0, 0, true);
        }
        if (v.startsWith(BARE + "-")) {
            throw new IllegalArgumentException("'" + s + "': " + BARE + " is a reference with no admission control, "
                    + "pool or options; use " + BARE + " alone");
        }
        int limit = 0;
        int at = v.indexOf(LIMIT);
        if (at > 0) {
            limit = positive(v.substring(at + LIMIT.length()), s);
            v = v.substring(0, at);
        }
        if (v.equals("virtual")) {
            return new Contender(ThreadMode.VIRTUAL, 0, limit > 0 ? limit : ADAPTIVE, false);
        }
        if ((v.equals("virtual-adaptive") || v.equals("virtual-unlimited")) && limit == 0) {
            return new Contender(ThreadMode.VIRTUAL, 0, v.equals("virtual-adaptive") ? ADAPTIVE : UNLIMITED, false);
        }
        boolean adaptivePool = limit == 0 && (v.startsWith("platform-") || v.startsWith("selector-pool-")) && v.endsWith(ADAPTIVE_SUFFIX);
        if (adaptivePool) {
            v = v.substring(0, v.length() - ADAPTIVE_SUFFIX.length());
            limit = ADAPTIVE;
        }
        if (v.startsWith("platform-")) {
            return new Contender(ThreadMode.PLATFORM, positive(v.substring(9), s), limit, false);
        }
        if (v.startsWith("selector-pool-")) {
            return new Contender(ThreadMode.SELECTOR_POOL, positive(v.substring(14), s), limit, false);
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
        return new IllegalArgumentException("unknown mode '" + s + "'; use virtual (the server's default, its adaptive admission "
                + "limit; also virtual-adaptive), virtual-unlimited (no admission limit), platform-N (e.g. platform-200: a thread per connection) "
                + "or selector-pool-N (e.g. selector-pool-200: a thread per request, idle connections on a selector), "
                + "optionally with -limit-M for at most M requests in flight (e.g. virtual-limit-1000), a pool with -adaptive for the "
                + "adaptive limit (e.g. selector-pool-200-adaptive), "
                + "or " + BARE + " (the reference: a bare virtual-thread-per-connection server, /hello and /sleep only)");
    }
}
