package dev.loomkit.comparison.compare;

import java.io.PrintStream;
import java.util.Collection;
import java.util.Locale;

/** The table printed as the run goes, one row per point, with a progress line that the next row replaces. */
final class ConsoleTable {
    /** The columns after the name; the name's width is the longest name's, so a long one does not push the rest out of line. */
    private static final String COLUMNS = " %7s %11s %9s %9s %9s %9s %9s %7s %7s %8s %8s %7s %7s %6s %10s %10s %8s %8s%n";
    /** The name column's least width, what {@code selector-pool-200} needs. */
    static final int NAME_WIDTH = 17;
    private final String format;
    /** What starts a row's second line: blanks as wide as the name column, so the text starts under the figures. */
    private final String indent;
    private final PrintStream out;
    /** Only a terminal can have a line rewritten; piped into a file or CI log, \r would be noise. */
    private final boolean terminal;
    private int progressWidth;
    /** The columns are explained once, above the first table. */
    private boolean legendPrinted;
    /** The server's CPUs, for its CPU use in percent of them. */
    private final int serverCpus;
    /** The load generator's CPUs (shared with the backend where there is one). */
    private final int loadCpus;

    /** A load side (generator and backend) that used this share of its CPUs or more in a window is said to have been their limit. */
    static final double LOAD_SATURATED = 0.9;

    /**
     * @param names the names the rows will have (contenders, or the target), for the first column's
     *              width; a longer one still prints, pushing its row's columns out of line
     */
    ConsoleTable(PrintStream out, int serverCpus, int loadCpus, Collection<String> names) {
        this.out = out;
        int width = nameWidth(names);
        this.format = "%-" + width + "s" + COLUMNS;
        this.indent = "%" + width + "s ";
        this.serverCpus = serverCpus;
        this.loadCpus = loadCpus;
        this.terminal = out == System.out && System.console() != null && System.console().isTerminal();
    }

    /** {@return the first column's width for these names: the longest, and at least {@link #NAME_WIDTH}} */
    static int nameWidth(Collection<String> names) {
        return Math.max(NAME_WIDTH, names.stream().mapToInt(String::length).max().orElse(0));
    }

    void header(String title) {
        clearProgress();
        if (!legendPrinted) {
            legendPrinted = true;
            out.println("columns: req/s, latencies, errors, 503s and timeouts as the client saw them in the window; the server's"
                    + " rss MiB (peak), OS threads (peak), cpu s and cpu % (of its own CPUs; a little over 100 where the window's"
                    + " edges and /proc's readings differ), voluntary and involuntary context switches; the load generator's CPU"
                    + " per answered request (gen us/r) and the backend's per 10,000 delayed answers (bk ms/10k); n/a or - where"
                    + " unknown");
        }
        out.println();
        out.println(title);
        out.printf(Locale.ROOT, format, "mode", "conns", "req/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms",
                "errors", "503s", "timeouts", "rss MiB", "threads", "cpu s", "cpu %", "vol cs", "invol cs", "gen us/r", "bk ms/10k");
    }

    void progress(String text) {
        if (!terminal) {
            return;
        }
        clearProgress();
        out.print(text);
        out.flush();
        progressWidth = text.length();
    }

    private void clearProgress() {
        if (progressWidth > 0) {
            out.print("\r" + " ".repeat(progressWidth) + "\r");
            progressWidth = 0;
        }
    }

    /** No answer of any kind, not even a timeout on a connection made: the server was never reached. */
    private static boolean nothingCameBack(PointResult r) {
        return r.requests() == 0 && r.rejected() == 0 && r.timeouts() == 0 && r.errors() == 0;
    }

    void row(PointResult r) {
        clearProgress();
        figures(r.contender(), r);
        notes(r);
        out.flush();
    }

    /** Before an open-loop rate ladder ({@link SaturationSearch}), after its point: what its rows are. */
    void ladderHeader(int connections) {
        clearProgress();
        out.printf(Locale.ROOT, indent + "open loop on %,d connections of its own, rates stepped up to saturation (latency counted from"
                        + " when each request was due; a rate is sustained if %.0f%% of the requests due are answered good and at most %.0f%%"
                        + " fail):%n", "", connections, 100 * SaturationSearch.GOODPUT_SHARE, 100 * SaturationSearch.FAILED_SHARE);
    }

    /** A step of the ladder: its rate in the name column, then the point's columns. */
    void rung(PointResult r, boolean sustained) {
        clearProgress();
        figures(String.format(Locale.ROOT, "  at %,.0f/s", r.offered()), r);
        if (!sustained) {
            long asked = Math.round(SaturationSearch.asked(r.offered(), r.due(), r.seconds()));
            out.printf(Locale.ROOT, indent + "not sustained: %,d good answers of %,d requests due in the window (%.0f%%), %,d failed (503, timeout, error)%n",
                    "", r.requests(), asked, asked == 0 ? 0 : 100.0 * r.requests() / asked, r.errors() + r.rejected() + r.timeouts());
        }
        notes(r);
        out.flush();
    }

    /** A line of its own under the rows, for what happened between them. */
    void note(String text) {
        clearProgress();
        out.printf(Locale.ROOT, indent + "%s%n", "", text);
        out.flush();
    }

    /** After a ladder: what it found. */
    void saturation(String contender, String summary) {
        note(contender + ", open loop: " + summary);
    }

    private void figures(String name, PointResult r) {
        out.printf(Locale.ROOT, format, name, r.connections(), String.format(Locale.ROOT, "%,.0f", r.throughput()),
                fmt(r.p50()), fmt(r.p90()), fmt(r.p99()), fmt(r.p999()), fmt(r.max()), r.errors(), r.rejected(), r.timeouts(),
                r.peakRssMb() < 0 ? "-" : String.format(Locale.ROOT, "%.0f", r.peakRssMb()), r.threads() < 0 ? "-" : Long.toString(r.threads()),
                r.cpuSeconds() < 0 ? "-" : String.format(Locale.ROOT, "%.1f", r.cpuSeconds()),
                r.cpuSeconds() < 0 ? "-" : String.format(Locale.ROOT, "%.0f", r.serverCpuPercent(serverCpus)), r.voluntarySwitches(), r.involuntarySwitches(),
                num(r.loadCpuMicrosPerRequest()), num(r.backendCpuMsPer10k()));
    }

    /** The lines under a row: what its columns cannot say. */
    private void notes(PointResult r) {
        if (r.scenario().equals("idle")) {
            out.printf(Locale.ROOT, indent + "%,d connections held open and idle; server RSS %.1f KiB per connection above the fresh server's %.0f MiB%n",
                    "", r.requests(), r.rssPerConnectionKb(), r.baselineRssMb());
        }
        if (r.connectErrors() > 0) {
            // Not in the errors column (requests that failed on a connection): a point where no
            // connection could be made would otherwise print as a quiet row of zeros.
            out.printf(Locale.ROOT, indent + "%,d connection attempts failed (refused, reset or timed out)%s%n", "", r.connectErrors(),
                    nothingCameBack(r) ? ": is the server up, and listening where it was told?" : "");
        }
        double loadShare = loadShare(r, loadCpus);
        if (loadShare >= LOAD_SATURATED) {
            // The load side's CPUs were a limit: the generator sends, reads and times out late, the
            // backend answers late, and the point's figures are theirs as much as the server's. (In
            // the 2026-12-02 default run: virtual threads' io points at 1,000 and 5,000 connections,
            // io at 5,000 and 10,000 against the thread-per-connection pool, cpu at 10,000.)
            // Over 100%: the /proc readings span the window and the hand-offs at its edges, which a
            // saturated generator answers late; "all" is what that says, and what a share that
            // rounds to 100% says too.
            boolean backend = r.backendCpuSeconds() >= 0;
            String share = loadShare >= 0.995 ? "all" : String.format(Locale.ROOT, "%.0f%%", 100 * loadShare);
            out.printf(Locale.ROOT, indent + "the load generator%s used %s of %s %s in the window: this point measured %s as much as the server%n",
                    "", backend ? " and the backend" : "", share, backend ? "their" : "its",
                    loadCpus == 1 ? "CPU" : loadCpus + " CPUs", backend ? "them" : "the generator");
        }
        if (r.stillConnecting() > 0) {
            // The point's load is fewer clients than its connections column says, for a while.
            out.printf(Locale.ROOT, indent + "%,d of the %,d clients had not yet made their first connection attempt when the window opened%n",
                    "", r.stillConnecting(), r.connections());
        }
        if (r.rejected() > 0 && (r.admissionRefused() > 0 || r.connectionsRejected() > 0)) {
            out.printf(Locale.ROOT, indent + "%s%n", "", kinds503(r));
        }
        if (r.abandoned() > 0) {
            out.printf(Locale.ROOT, indent + "%,d requests abandoned by their clients; request subtasks: %,d completed, %,d cancelled%n",
                    "", r.abandoned(), r.subtasksCompleted(), r.subtasksCancelled());
        }
    }

    /**
     * {@return the CPU time of the load side (the generator, and the backend where there is one: they
     * share their CPUs) over the window's, as a share of those CPUs; NaN if unknown}
     */
    static double loadShare(PointResult r, int loadCpus) {
        if (r.loadCpuSeconds() < 0 || !(r.seconds() > 0) || loadCpus < 1) {
            return Double.NaN;
        }
        return (r.loadCpuSeconds() + Math.max(0, r.backendCpuSeconds())) / r.seconds() / loadCpus;
    }

    /**
     * {@return the server's own count of its 503s in the window, by kind} The client's count may
     * differ by the answers in flight at the window's edges.
     */
    static String kinds503(PointResult r) {
        return String.format(Locale.ROOT, "503s by the server's count: %,d requests after waiting out the admission timeout, "
                + "%,d connections turned away at once (connection limit or pool queue full)", r.admissionRefused(), r.connectionsRejected());
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f", v);
    }

    static String fmt(double ms) {
        if (Double.isNaN(ms)) {
            return "n/a";
        }
        return ms >= 100 ? String.format(Locale.ROOT, "%.0f", ms) : String.format(Locale.ROOT, "%.2f", ms);
    }
}
