package dev.loomkit.comparison.compare;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.stream.Collectors;

/** What each request makes the server do. */
enum Scenario {
    /** Wait 50 ms on a real call over loopback to the backend, then answer. */
    IO("io", "I/O-bound: a 50 ms backend call", true),
    /** Hash for about 1 ms; no I/O. */
    CPU("cpu", "CPU-bound: about 1 ms of hashing", false),
    /** Fetch a page (20 ms backend call), then process it (about 2 ms of hashing). */
    MIXED("mixed", "mixed: 20 ms backend call, then about 2 ms of hashing", true),
    /** Fork 10 subtasks that each wait 20 ms on the backend, and join them. */
    FANOUT("fanout", "fan-out: 10 subtasks, each a 20 ms backend call", true),
    /** Half the clients give up 50 ms into a request whose 10 subtasks each wait 200 ms. */
    IMPATIENT("impatient", "impatient clients: half leave 50 ms into a request of 10 parallel 200 ms backend calls", true),
    /** Each connection sends one request, then stays open and idle: what an idle connection costs. */
    IDLE("idle", "idle connections: one request each, then held open; server RSS per connection", false),
    /** Answer at once: the server's own cost per request, and nothing else. */
    HELLO("hello", "GET /hello: the server's own cost alone", false),
    /** Thread.sleep(50) in the handler: a 50 ms wait without a backend. */
    SLEEP("sleep", "Thread.sleep(50) in the handler: a 50 ms wait without a backend", false);

    final String id;
    final String description;
    final boolean needsBackend;

    Scenario(String id, String description, boolean needsBackend) {
        this.id = id;
        this.description = description;
        this.needsBackend = needsBackend;
    }

    /** {@return the load generator's abandon setting (share:ms), or null if every client waits} */
    String abandon() {
        return this == IMPATIENT ? "0.5:50" : null;
    }

    /** {@return whether its requests need more than /hello and /sleep, all the bare-virtual reference serves} */
    boolean needsDemoRoutes() {
        String p = path(1);
        return !p.equals("/hello") && !p.startsWith("/sleep?");
    }

    /** {@return the request path, given how many hash units make one millisecond of CPU} */
    String path(long unitsPerMs) {
        return switch (this) {
            case IO -> "/backend?ms=50";
            case CPU -> "/work?ms=0&cpu=" + unitsPerMs;
            case MIXED -> "/mixed?ms=20&cpu=" + 2 * unitsPerMs;
            case FANOUT -> "/fanout-backend?n=10&ms=20";
            case IMPATIENT -> "/fanout-backend?n=10&ms=200";
            case IDLE, HELLO -> "/hello";
            case SLEEP -> "/sleep?ms=50";
        };
    }

    /** {@return the scenarios' ids, comma-separated} */
    static String ids(Collection<Scenario> scenarios) {
        return scenarios.stream().map(sc -> sc.id).collect(Collectors.joining(", "));
    }

    static Scenario parse(String s) {
        for (Scenario sc : values()) {
            if (sc.id.equals(s.strip().toLowerCase(Locale.ROOT))) {
                return sc;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + s + "'; known: " + ids(Arrays.asList(values())));
    }
}
