package dev.loomkit.comparison.compare;

import java.util.Locale;

/**
 * What one point measured: one scenario, one contender, one number of connections, one repeat.
 * Latencies in milliseconds; memory in MiB; CPU in seconds of CPU time during the measurement:
 * the server's ({@code cpuSeconds}), the load generator's and the backend's (negative when unknown),
 * with the backend's delayed answers in the window (-1 without a backend).
 *
 * <p>Immutable, and made with a {@link Builder} whose setters name each figure, so that a new
 * figure adds a setter and breaks no caller, and two figures of the same type cannot be swapped
 * unseen (as they could among a record's 28 positional components).
 */
final class PointResult {
    private final String scenario;
    private final String contender;
    private final int connections;
    private final int repeat;
    private final double seconds;
    private final long requests;
    private final double throughput;
    private final double p50;
    private final double p90;
    private final double p99;
    private final double p999;
    private final double max;
    private final long errors;
    private final long rejected;
    private final long timeouts;
    private final long connectErrors;
    private final double peakRssMb;
    private final long threads;
    private final double cpuSeconds;
    private final long voluntarySwitches;
    private final long involuntarySwitches;
    private final long abandoned;
    private final long subtasksCompleted;
    private final long subtasksCancelled;
    private final double baselineRssMb;
    private final double loadCpuSeconds;
    private final double backendCpuSeconds;
    private final long backendAnswers;
    private final long admissionRefused;
    private final long connectionsRejected;
    private final long stillConnecting;
    private final double offered;
    private final long due;

    private PointResult(Builder b) {
        this.scenario = b.scenario;
        this.contender = b.contender;
        this.connections = b.connections;
        this.repeat = b.repeat;
        this.seconds = b.seconds;
        this.requests = b.requests;
        this.throughput = b.throughput;
        this.p50 = b.p50;
        this.p90 = b.p90;
        this.p99 = b.p99;
        this.p999 = b.p999;
        this.max = b.max;
        this.errors = b.errors;
        this.rejected = b.rejected;
        this.timeouts = b.timeouts;
        this.connectErrors = b.connectErrors;
        this.peakRssMb = b.peakRssMb;
        this.threads = b.threads;
        this.cpuSeconds = b.cpuSeconds;
        this.voluntarySwitches = b.voluntarySwitches;
        this.involuntarySwitches = b.involuntarySwitches;
        this.abandoned = b.abandoned;
        this.subtasksCompleted = b.subtasksCompleted;
        this.subtasksCancelled = b.subtasksCancelled;
        this.baselineRssMb = b.baselineRssMb;
        this.loadCpuSeconds = b.loadCpuSeconds;
        this.backendCpuSeconds = b.backendCpuSeconds;
        this.backendAnswers = b.backendAnswers;
        this.admissionRefused = b.admissionRefused;
        this.connectionsRejected = b.connectionsRejected;
        this.stillConnecting = b.stillConnecting;
        this.offered = b.offered;
        this.due = b.due;
    }

    /**
     * {@return a builder for one point; the figures not set stay unknown (-1, or NaN for latencies)}
     *
     * @param scenario    the scenario
     * @param contender   the contender's label
     * @param connections connections driven
     * @param repeat      which repeat, from 0
     */
    static Builder builder(String scenario, String contender, int connections, int repeat) {
        return new Builder(scenario, contender, connections, repeat);
    }

    /** {@return the scenario, as named on the command line} */
    String scenario() {
        return scenario;
    }

    /** {@return the contender's label} */
    String contender() {
        return contender;
    }

    /** {@return connections driven} */
    int connections() {
        return connections;
    }

    /** {@return which repeat, from 0} */
    int repeat() {
        return repeat;
    }

    /** {@return the measurement window} */
    double seconds() {
        return seconds;
    }

    /** {@return good answers (2xx) in the window} */
    long requests() {
        return requests;
    }

    /** {@return good answers per second} */
    double throughput() {
        return throughput;
    }

    /** {@return median latency of good answers, ms; NaN if not reported} */
    double p50() {
        return p50;
    }

    /** {@return 90th percentile, ms; NaN if not reported} */
    double p90() {
        return p90;
    }

    /** {@return 99th percentile, ms; NaN if not reported} */
    double p99() {
        return p99;
    }

    /** {@return 99.9th percentile, ms; NaN if not reported} */
    double p999() {
        return p999;
    }

    /** {@return slowest good answer, ms; NaN if not reported} */
    double max() {
        return max;
    }

    /** {@return requests that failed otherwise} */
    long errors() {
        return errors;
    }

    /** {@return 503 answers} */
    long rejected() {
        return rejected;
    }

    /** {@return requests that outlived the client's timeout} */
    long timeouts() {
        return timeouts;
    }

    /** {@return failed connection attempts} */
    long connectErrors() {
        return connectErrors;
    }

    /** {@return the server's peak RSS, MiB; -1 if unknown} */
    double peakRssMb() {
        return peakRssMb;
    }

    /** {@return the server's peak thread count; -1 if unknown} */
    long threads() {
        return threads;
    }

    /** {@return the server's CPU time in the window; -1 if unknown} */
    double cpuSeconds() {
        return cpuSeconds;
    }

    /** {@return the server's voluntary context switches in the window; -1 if unknown} */
    long voluntarySwitches() {
        return voluntarySwitches;
    }

    /** {@return its involuntary ones; -1 if unknown} */
    long involuntarySwitches() {
        return involuntarySwitches;
    }

    /** {@return requests the generator gave up at the end of the window} */
    long abandoned() {
        return abandoned;
    }

    /** {@return the server's subtasks completed; -1 if unknown} */
    long subtasksCompleted() {
        return subtasksCompleted;
    }

    /** {@return its subtasks cancelled; -1 if unknown} */
    long subtasksCancelled() {
        return subtasksCancelled;
    }

    /** {@return the fresh server's RSS, MiB} */
    double baselineRssMb() {
        return baselineRssMb;
    }

    /** {@return the load generator's CPU time in the window; negative if unknown} */
    double loadCpuSeconds() {
        return loadCpuSeconds;
    }

    /** {@return the backend's CPU time in the window; negative if unknown} */
    double backendCpuSeconds() {
        return backendCpuSeconds;
    }

    /** {@return the backend's delayed answers in the window; -1 without a backend} */
    long backendAnswers() {
        return backendAnswers;
    }

    /** {@return the load generator's CPU per answered request, in microseconds, or NaN if unknown} */
    double loadCpuMicrosPerRequest() {
        return loadCpuSeconds < 0 || requests == 0 ? Double.NaN : loadCpuSeconds * 1e6 / requests;
    }

    /** {@return the backend's CPU per 10,000 delayed answers, in milliseconds, or NaN if unknown} */
    double backendCpuMsPer10k() {
        return backendCpuSeconds < 0 || backendAnswers <= 0 ? Double.NaN : backendCpuSeconds * 1e3 * 10_000 / backendAnswers;
    }

    /** {@return the server's CPU use over the window, as a share of {@code cpus} CPUs, in percent} */
    double serverCpuPercent(int cpus) {
        return seconds <= 0 ? 0 : 100 * cpuSeconds / seconds / cpus;
    }

    /**
     * {@return server memory per connection above the fresh server's, in KiB: per connection held
     * open (the idle scenario's requests), else per connection driven}
     */
    double rssPerConnectionKb() {
        long n = scenario.equals("idle") ? requests : connections;
        return n == 0 ? 0 : (peakRssMb - baselineRssMb) * 1024 / n;
    }

    /** {@return the server's 503s to requests that waited out the admission timeout; -1 if unknown} */
    long admissionRefused() {
        return admissionRefused;
    }

    /**
     * {@return the server's 503s to connections it would not serve (at its connection limit, or its
     * pool's queue full), each then closed; -1 if unknown}
     */
    long connectionsRejected() {
        return connectionsRejected;
    }

    /** {@return clients that had not made their first connection attempt when the window opened, or -1 if unknown (wrk)} */
    long stillConnecting() {
        return stillConnecting;
    }

    /** {@return the open loop's rate offered in the window, requests/s in total; 0 in closed loop} */
    double offered() {
        return offered;
    }

    /** {@return in the open loop, the requests that fell due in the window; -1 in closed loop, or if not counted} */
    long due() {
        return due;
    }

    /** {@return the share of requests that got no good answer (503, timeout, error), in percent} */
    double failedPercent() {
        long failed = errors + rejected + timeouts;
        long all = requests + failed;
        return all == 0 ? 0 : 100.0 * failed / all;
    }

    static final String CSV_HEADER = "scenario,contender,connections,repeat,seconds,requests,throughput,p50_ms,p90_ms,p99_ms,"
            + "p999_ms,max_ms,errors,rejected_503,timeouts,connect_errors,peak_rss_mb,threads,cpu_seconds,voluntary_cs,involuntary_cs,"
            + "abandoned,subtasks_completed,subtasks_cancelled,baseline_rss_mb,load_cpu_seconds,backend_cpu_seconds,backend_answers,"
            + "server_503_admission,server_503_connection,still_connecting,offered_rps,due_requests";

    String csv() {
        return String.format(Locale.ROOT, "%s,%s,%d,%d,%.3f,%d,%.1f,%s,%s,%s,%s,%s,%d,%d,%d,%d,%.1f,%d,%.2f,%d,%d,%d,%d,%d,%.1f,%.2f,%.2f,%d,%d,%d,%d,%.1f,%d",
                scenario, contender, connections, repeat, seconds, requests, throughput, num(p50, ""), num(p90, ""), num(p99, ""),
                num(p999, ""), num(max, ""), errors,
                rejected, timeouts, connectErrors, peakRssMb, threads, cpuSeconds, voluntarySwitches, involuntarySwitches,
                abandoned, subtasksCompleted, subtasksCancelled, baselineRssMb, loadCpuSeconds, backendCpuSeconds, backendAnswers,
                admissionRefused, connectionsRejected, stillConnecting, offered, due);
    }

    /** Writes JSON with nulls kept: an unknown latency is null, not absent. */
    static final com.fasterxml.jackson.jr.ob.JSON JSON_WRITER =
            com.fasterxml.jackson.jr.ob.JSON.std.with(com.fasterxml.jackson.jr.ob.JSON.Feature.WRITE_NULL_PROPERTIES);

    /** {@return the point as results.json has it: the CSV's columns by name, unknown latencies null} */
    java.util.Map<String, Object> toMap() {
        var m = new java.util.LinkedHashMap<String, Object>();
        m.put("scenario", scenario);
        m.put("contender", contender);
        m.put("connections", connections);
        m.put("repeat", repeat);
        m.put("seconds", seconds);
        m.put("requests", requests);
        m.put("throughput", throughput);
        m.put("p50_ms", latencyOrNull(p50));
        m.put("p90_ms", latencyOrNull(p90));
        m.put("p99_ms", latencyOrNull(p99));
        m.put("p999_ms", latencyOrNull(p999));
        m.put("max_ms", latencyOrNull(max));
        m.put("errors", errors);
        m.put("rejected_503", rejected);
        m.put("timeouts", timeouts);
        m.put("connect_errors", connectErrors);
        m.put("peak_rss_mb", peakRssMb);
        m.put("threads", threads);
        m.put("cpu_seconds", cpuSeconds);
        m.put("voluntary_cs", voluntarySwitches);
        m.put("involuntary_cs", involuntarySwitches);
        m.put("abandoned", abandoned);
        m.put("subtasks_completed", subtasksCompleted);
        m.put("subtasks_cancelled", subtasksCancelled);
        m.put("baseline_rss_mb", baselineRssMb);
        m.put("load_cpu_seconds", loadCpuSeconds);
        m.put("backend_cpu_seconds", backendCpuSeconds);
        m.put("backend_answers", backendAnswers);
        m.put("server_503_admission", admissionRefused);
        m.put("server_503_connection", connectionsRejected);
        m.put("still_connecting", stillConnecting);
        m.put("offered_rps", offered);
        m.put("due_requests", due);
        return m;
    }

    /** {@return the point as one JSON object} */
    String json() {
        try {
            return JSON_WRITER.asString(toMap());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e); // a map of numbers and strings, to a string
        }
    }

    private static Double latencyOrNull(double ms) {
        return Double.isNaN(ms) ? null : ms;
    }

    /** A latency for CSV or JSON; what a load generator does not report (NaN) is empty or null. */
    private static String num(double v, String missing) {
        return Double.isNaN(v) ? missing : String.format(Locale.ROOT, "%.3f", v);
    }

    /** Collects one point's figures; {@link #build()} checks the identifying ones. */
    static final class Builder {
        private final String scenario;
        private final String contender;
        private final int connections;
        private final int repeat;
        private double seconds = -1;
        private long requests = -1;
        private double throughput = -1;
        private double p50 = Double.NaN;
        private double p90 = Double.NaN;
        private double p99 = Double.NaN;
        private double p999 = Double.NaN;
        private double max = Double.NaN;
        private long errors = -1;
        private long rejected = -1;
        private long timeouts = -1;
        private long connectErrors = -1;
        private double peakRssMb = -1;
        private long threads = -1;
        private double cpuSeconds = -1;
        private long voluntarySwitches = -1;
        private long involuntarySwitches = -1;
        private long abandoned = -1;
        private long subtasksCompleted = -1;
        private long subtasksCancelled = -1;
        private double baselineRssMb = -1;
        private double loadCpuSeconds = -1;
        private double backendCpuSeconds = -1;
        private long backendAnswers = -1;
        private long admissionRefused = -1;
        private long connectionsRejected = -1;
        private long stillConnecting = -1;
        private double offered;
        private long due = -1;

        private Builder(String scenario, String contender, int connections, int repeat) {
            this.scenario = java.util.Objects.requireNonNull(scenario, "scenario");
            this.contender = java.util.Objects.requireNonNull(contender, "contender");
            this.connections = connections;
            this.repeat = repeat;
        }

        /** @param v the measurement window @return this builder */
        Builder seconds(double v) {
            seconds = v;
            return this;
        }

        /** @param v good answers (2xx) in the window @return this builder */
        Builder requests(long v) {
            requests = v;
            return this;
        }

        /** @param v good answers per second @return this builder */
        Builder throughput(double v) {
            throughput = v;
            return this;
        }

        /** @param v median latency of good answers, ms; NaN if not reported @return this builder */
        Builder p50(double v) {
            p50 = v;
            return this;
        }

        /** @param v 90th percentile, ms; NaN if not reported @return this builder */
        Builder p90(double v) {
            p90 = v;
            return this;
        }

        /** @param v 99th percentile, ms; NaN if not reported @return this builder */
        Builder p99(double v) {
            p99 = v;
            return this;
        }

        /** @param v 99.9th percentile, ms; NaN if not reported @return this builder */
        Builder p999(double v) {
            p999 = v;
            return this;
        }

        /** @param v slowest good answer, ms; NaN if not reported @return this builder */
        Builder max(double v) {
            max = v;
            return this;
        }

        /** @param v requests that failed otherwise @return this builder */
        Builder errors(long v) {
            errors = v;
            return this;
        }

        /** @param v 503 answers @return this builder */
        Builder rejected(long v) {
            rejected = v;
            return this;
        }

        /** @param v requests that outlived the client's timeout @return this builder */
        Builder timeouts(long v) {
            timeouts = v;
            return this;
        }

        /** @param v failed connection attempts @return this builder */
        Builder connectErrors(long v) {
            connectErrors = v;
            return this;
        }

        /** @param v the server's peak RSS, MiB; -1 if unknown @return this builder */
        Builder peakRssMb(double v) {
            peakRssMb = v;
            return this;
        }

        /** @param v the server's peak thread count; -1 if unknown @return this builder */
        Builder threads(long v) {
            threads = v;
            return this;
        }

        /** @param v the server's CPU time in the window; -1 if unknown @return this builder */
        Builder cpuSeconds(double v) {
            cpuSeconds = v;
            return this;
        }

        /** @param v the server's voluntary context switches in the window; -1 if unknown @return this builder */
        Builder voluntarySwitches(long v) {
            voluntarySwitches = v;
            return this;
        }

        /** @param v its involuntary ones; -1 if unknown @return this builder */
        Builder involuntarySwitches(long v) {
            involuntarySwitches = v;
            return this;
        }

        /** @param v requests the generator gave up at the end of the window @return this builder */
        Builder abandoned(long v) {
            abandoned = v;
            return this;
        }

        /** @param v the server's subtasks completed; -1 if unknown @return this builder */
        Builder subtasksCompleted(long v) {
            subtasksCompleted = v;
            return this;
        }

        /** @param v its subtasks cancelled; -1 if unknown @return this builder */
        Builder subtasksCancelled(long v) {
            subtasksCancelled = v;
            return this;
        }

        /** @param v the fresh server's RSS, MiB @return this builder */
        Builder baselineRssMb(double v) {
            baselineRssMb = v;
            return this;
        }

        /** @param v the load generator's CPU time in the window; negative if unknown @return this builder */
        Builder loadCpuSeconds(double v) {
            loadCpuSeconds = v;
            return this;
        }

        /** @param v the backend's CPU time in the window; negative if unknown @return this builder */
        Builder backendCpuSeconds(double v) {
            backendCpuSeconds = v;
            return this;
        }

        /** @param v the backend's delayed answers in the window; -1 without a backend @return this builder */
        Builder backendAnswers(long v) {
            backendAnswers = v;
            return this;
        }

        /** @param v the server's 503s after the admission wait; -1 if unknown @return this builder */
        Builder admissionRefused(long v) {
            admissionRefused = v;
            return this;
        }

        /** @param v clients without a first connection attempt when the window opened; -1 if unknown @return this builder */
        Builder stillConnecting(long v) {
            stillConnecting = v;
            return this;
        }

        /** @param v the open loop's rate offered, requests/s in total; 0 (the default) in closed loop @return this builder */
        Builder offered(double v) {
            offered = v;
            return this;
        }

        /** @param v in the open loop, the requests that fell due in the window; -1 (the default) if not counted @return this builder */
        Builder due(long v) {
            due = v;
            return this;
        }

        /** @param v the server's 503s to connections it closed at once; -1 if unknown @return this builder */
        Builder connectionsRejected(long v) {
            connectionsRejected = v;
            return this;
        }

        /**
         * {@return the point}
         *
         * @throws IllegalArgumentException if the connections or the repeat are negative
         */
        PointResult build() {
            if (connections < 0 || repeat < 0) {
                throw new IllegalArgumentException("a point needs connections >= 0 and repeat >= 0, got " + connections + " and " + repeat);
            }
            return new PointResult(this);
        }
    }
}
