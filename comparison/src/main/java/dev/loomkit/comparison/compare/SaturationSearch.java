package dev.loomkit.comparison.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finds, in the open loop, the highest request rate a server sustains at one number of connections:
 * a ladder of rates stepped up until one is not sustained.
 *
 * <p>A rate is <em>sustained</em> if the window's good answers (2xx) reach {@value #GOODPUT_SHARE}
 * of the requests that fell due in it, and no more than {@value #FAILED_SHARE} of them failed (a
 * 503, a timeout or an error). The generator counts the requests due from each connection's
 * schedule: at a low rate most connections have one request in a window or none, and the rate
 * times the window's length would be off by more than the 5% allowed. In the open loop a request's latency counts from when it was due, so
 * a server that falls behind shows it as latency that grows through the window, and as answers
 * short of the rate.
 *
 * <p>The rungs lie on one grid for every contender, {@code 1000 * 2^k} requests/s (k any whole
 * number, so 250, 500, 1,000, 2,000 ...), so that contenders can be compared at the same rate. The
 * first is the highest grid rate at or below a quarter of the most the closed loop answered at
 * these connections or fewer (where a server's closed loop collapsed at these, every client
 * waiting past its timeout, the open loop may still find a rate it sustains), doubled until a
 * window holds {@value #LEAST_DUE} requests; each sustained rung doubles; after the first that is not, the rate halfway between
 * (geometrically: {@code sqrt 2} below it) is tried, so the saturation is known within a factor of
 * {@code sqrt 2}. If the first rung is not sustained, the search ends there: the server is saturated
 * below anything tried (a pool with a thread per connection and more clients than threads leaves
 * the clients beyond its size unanswered at any rate).
 *
 * <pre>{@code
 * var search = new SaturationSearch(closedLoopThroughput, 2.0);
 * for (double rate; (rate = search.next()) > 0; ) {
 *     search.record(measure(rate));     // good answers/s, requests due, failed requests, window seconds
 * }
 * search.sustained();                   // the highest sustained rate, 0 if none
 * }</pre>
 *
 * <p>Not thread-safe: one search belongs to the thread that drives its points.
 */
final class SaturationSearch {
    /** The share of offered requests that must come back good for a rate to count as sustained. */
    static final double GOODPUT_SHARE = 0.95;
    /** The most of the offered requests that may fail (503, timeout, error) at a sustained rate. */
    static final double FAILED_SHARE = 0.01;
    /**
     * The most rungs one search measures: from a quarter of the closed loop's rate, doubling up to
     * eight times it, and one more for the rate between the last sustained and the first not.
     */
    static final int MAX_RUNGS = 7;
    /** The fewest requests due in a step's window for its verdict to mean something: the first step is at least this. */
    static final long LEAST_DUE = 50;

    /**
     * One measured rung: the rate offered, the requests that fell due in its window (-1 if not
     * counted), what came back, and whether that is sustaining it.
     */
    record Rung(double offered, long due, double goodput, long failed, double seconds, boolean sustained) {
    }

    private final List<Rung> rungs = new ArrayList<>();
    /** The next rate to measure, or 0 when the search is over. */
    private double next;

    /**
     * @param closedLoopThroughput good answers per second the closed loop measured at these
     *                             connections or fewer, the most; the ladder starts at about a
     *                             quarter of it, or higher for {@link #LEAST_DUE} requests in a window
     * @param windowSeconds        each step's window
     */
    SaturationSearch(double closedLoopThroughput, double windowSeconds) {
        double start = 0;
        if (closedLoopThroughput > 0 && windowSeconds > 0) {
            start = gridAtOrBelow(closedLoopThroughput / 4);
            while (start * windowSeconds < LEAST_DUE) {
                start *= 2;
            }
        }
        // Above what the closed loop answered, the first step would only say what it said: nothing.
        next = start > 0 && start <= closedLoopThroughput ? start : 0;
    }

    /** {@return the highest grid rate ({@code 1000 * 2^k}) at or below {@code rate}} */
    static double gridAtOrBelow(double rate) {
        if (!(rate > 0) || !Double.isFinite(rate)) {
            throw new IllegalArgumentException("a rate must be positive and finite, got " + rate);
        }
        double k = Math.floor(Math.log(rate / 1000) / Math.log(2) + 1e-9); // 1e-9: 2000 is on the grid, not below it
        return 1000 * Math.pow(2, k);
    }

    /** {@return the next rate to measure, in requests/s; 0 when the search is over} */
    double next() {
        return next;
    }

    /**
     * Records what the rate {@link #next()} gave, and chooses the next.
     *
     * @param goodput good answers per second in the window
     * @param due     requests that fell due in the window, or -1 if not counted (then the rate
     *                times the window's length)
     * @param failed  requests that failed in the window: 503s, timeouts, errors
     * @param seconds the window's length
     * @throws IllegalStateException if the search is over
     */
    Rung record(double goodput, long due, long failed, double seconds) {
        if (next == 0) {
            throw new IllegalStateException("the search is over: nothing more to record");
        }
        double offered = next;
        var rung = new Rung(offered, due, goodput, failed, seconds, sustains(offered, due, goodput, failed, seconds));
        rungs.add(rung);
        double lowestFailed = failedAt();
        if (rungs.size() >= MAX_RUNGS) {
            next = 0;
        } else if (rung.sustained()) {
            // Climbing: double, keeping the last rung for the rate between. Bisecting (a higher
            // rate failed already): the bracket is as narrow as it gets.
            next = lowestFailed > 0 || rungs.size() >= MAX_RUNGS - 1 ? 0 : offered * 2;
        } else if (sustained() > 0 && Math.abs(sustained() * 2 - offered) < 1e-6 * offered) {
            next = offered / Math.sqrt(2); // between the last sustained rung and this one
        } else {
            next = 0; // the first rung failed, or the bisection did: saturated below what was tried, or bracketed
        }
        return rung;
    }

    /**
     * {@return whether a window at {@code offered} requests/s sustained it: good answers and
     * failures within bounds of the requests that fell due in it ({@code due}; or, not counted, the
     * rate times the window)}
     */
    static boolean sustains(double offered, long due, double goodput, long failed, double seconds) {
        double asked = asked(offered, due, seconds);
        // Nothing due, nothing shown: a window without requests sustains nothing.
        return asked > 0 && goodput * seconds >= GOODPUT_SHARE * asked && failed <= FAILED_SHARE * asked;
    }

    /** {@return the requests a step asked of the server: those that fell due in its window, or if not counted the rate times the window} */
    static double asked(double offered, long due, double seconds) {
        return due >= 0 ? due : offered * seconds;
    }

    /** {@return a ladder's step as the harness recorded it} */
    static Rung rung(PointResult r) {
        long failed = r.errors() + r.rejected() + r.timeouts();
        return new Rung(r.offered(), r.due(), r.throughput(), failed, r.seconds(),
                sustains(r.offered(), r.due(), r.throughput(), failed, r.seconds()));
    }

    /** {@return every rung measured, in order} */
    List<Rung> rungs() {
        return List.copyOf(rungs);
    }

    /** {@return the highest rate sustained; 0 if none was} */
    double sustained() {
        return sustained(rungs);
    }

    /** {@return the lowest rate not sustained; 0 if every rate tried was} */
    double failedAt() {
        return failedAt(rungs);
    }

    static double sustained(List<Rung> rungs) {
        return rungs.stream().filter(Rung::sustained).mapToDouble(Rung::offered).max().orElse(0);
    }

    static double failedAt(List<Rung> rungs) {
        return rungs.stream().filter(r -> !r.sustained()).mapToDouble(Rung::offered).min().orElse(0);
    }

    /** {@return the outcome in words, e.g. "sustained 11,314 req/s (11,229 answered good a second); not 16,000"} */
    String summary() {
        return summary(rungs);
    }

    /** {@return what a ladder's rungs found, in words} */
    static String summary(List<Rung> rungs) {
        double s = sustained(rungs);
        double f = failedAt(rungs);
        if (rungs.isEmpty()) {
            return "no rate tried: the closed loop answered too few requests to step up from";
        }
        if (s == 0) {
            return String.format(Locale.ROOT, "saturated at every rate tried: not even %,.0f req/s", f);
        }
        // What came back at the rate sustained, beside it: a step may pass with up to 5% short.
        double answered = rungs.stream().filter(r -> r.sustained() && r.offered() == s).mapToDouble(Rung::goodput).findFirst().orElse(0);
        return f == 0 ? String.format(Locale.ROOT, "sustained %,.0f req/s (%,.0f answered good a second), the highest rate tried", s, answered)
                : String.format(Locale.ROOT, "sustained %,.0f req/s (%,.0f answered good a second); not %,.0f", s, answered, f);
    }
}
