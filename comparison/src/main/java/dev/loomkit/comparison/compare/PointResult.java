package dev.loomkit.comparison.compare;

import java.util.Locale;

/**
 * What one point measured: one scenario, one contender, one number of connections, one repeat.
 * Latencies in milliseconds; memory in MiB; CPU in seconds of CPU time during the measurement:
 * the server's ({@code cpuSeconds}), the load generator's and the backend's (negative when unknown),
 * with the backend's delayed answers in the window (-1 without a backend).
 */
record PointResult(String scenario, String contender, int connections, int repeat, double seconds, long requests,
                   double throughput, double p50, double p90, double p99, double p999, double max, long errors,
                   long rejected, long timeouts, long connectErrors, double peakRssMb, long threads, double cpuSeconds,
                   long voluntarySwitches, long involuntarySwitches, long abandoned, long subtasksCompleted,
                   long subtasksCancelled, double baselineRssMb, double loadCpuSeconds, double backendCpuSeconds,
                   long backendAnswers) {

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

    /** {@return the share of requests that got no good answer (503, timeout, error), in percent} */
    double failedPercent() {
        long failed = errors + rejected + timeouts;
        long all = requests + failed;
        return all == 0 ? 0 : 100.0 * failed / all;
    }

    static final String CSV_HEADER = "scenario,contender,connections,repeat,seconds,requests,throughput,p50_ms,p90_ms,p99_ms,"
            + "p999_ms,max_ms,errors,rejected_503,timeouts,connect_errors,peak_rss_mb,threads,cpu_seconds,voluntary_cs,involuntary_cs,"
            + "abandoned,subtasks_completed,subtasks_cancelled,baseline_rss_mb,load_cpu_seconds,backend_cpu_seconds,backend_answers";

    String csv() {
        return String.format(Locale.ROOT, "%s,%s,%d,%d,%.3f,%d,%.1f,%s,%s,%s,%s,%s,%d,%d,%d,%d,%.1f,%d,%.2f,%d,%d,%d,%d,%d,%.1f,%.2f,%.2f,%d",
                scenario, contender, connections, repeat, seconds, requests, throughput, num(p50, ""), num(p90, ""), num(p99, ""),
                num(p999, ""), num(max, ""), errors,
                rejected, timeouts, connectErrors, peakRssMb, threads, cpuSeconds, voluntarySwitches, involuntarySwitches,
                abandoned, subtasksCompleted, subtasksCancelled, baselineRssMb, loadCpuSeconds, backendCpuSeconds, backendAnswers);
    }

    String json() {
        return String.format(Locale.ROOT, "{\"scenario\":\"%s\",\"contender\":\"%s\",\"connections\":%d,\"repeat\":%d,\"seconds\":%.3f,"
                        + "\"requests\":%d,\"throughput\":%.1f,\"p50_ms\":%s,\"p90_ms\":%s,\"p99_ms\":%s,\"p999_ms\":%s,"
                        + "\"max_ms\":%s,\"errors\":%d,\"rejected_503\":%d,\"timeouts\":%d,\"connect_errors\":%d,\"peak_rss_mb\":%.1f,\"threads\":%d,"
                        + "\"cpu_seconds\":%.2f,\"voluntary_cs\":%d,\"involuntary_cs\":%d,\"abandoned\":%d,\"subtasks_completed\":%d,"
                        + "\"subtasks_cancelled\":%d,\"baseline_rss_mb\":%.1f,\"load_cpu_seconds\":%.2f,\"backend_cpu_seconds\":%.2f,"
                        + "\"backend_answers\":%d}",
                scenario, contender, connections, repeat, seconds, requests, throughput, num(p50, "null"), num(p90, "null"),
                num(p99, "null"), num(p999, "null"), num(max, "null"), errors,
                rejected, timeouts, connectErrors, peakRssMb, threads, cpuSeconds, voluntarySwitches, involuntarySwitches,
                abandoned, subtasksCompleted, subtasksCancelled, baselineRssMb, loadCpuSeconds, backendCpuSeconds, backendAnswers);
    }

    /** A latency for CSV or JSON; what a load generator does not report (NaN) is empty or null. */
    private static String num(double v, String missing) {
        return Double.isNaN(v) ? missing : String.format(Locale.ROOT, "%.3f", v);
    }
}
