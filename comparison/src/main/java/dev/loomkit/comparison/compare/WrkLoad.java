package dev.loomkit.comparison.compare;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drives a point with wrk instead of the built-in load generator (closed loop only; wrk reports
 * no p99.9). Its output is parsed into the same fields; non-2xx answers are counted as 503s, which
 * is what the demo server sends when it refuses work.
 */
final class WrkLoad {
    private static final Pattern PERCENTILE = Pattern.compile("^\\s*(50|90|99)%\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE);
    private static final Pattern LATENCY = Pattern.compile("^\\s*Latency\\s+([0-9.]+)(us|ms|s)\\s+([0-9.]+)(us|ms|s)\\s+([0-9.]+)(us|ms|s)", Pattern.MULTILINE);
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([0-9.]+)(us|ms|s|m)");
    private static final Pattern SOCKET_ERRORS = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

    /** The fields of one measured wrk run. */
    record Result(double seconds, long ok, double throughput, double p50, double p90, double p99, double max, long errors,
                  long non2xx, long timeouts) {
    }

    private WrkLoad() {
    }

    static void requireInstalled() {
        try {
            Subprocess.run(List.of("wrk", "--version"), Duration.ofSeconds(10));
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalArgumentException("--loadgen wrk needs wrk on the PATH (Debian: apt-get install wrk)");
        }
    }

    /**
     * Runs wrk once.
     *
     * @param cpus    a command prefix that places it on the load generator's CPUs, or empty
     * @param threads wrk's threads: one per CPU it may use
     */
    static Result run(List<String> cpus, int threads, String url, int connections, Duration duration, Duration timeout)
            throws IOException, InterruptedException {
        long seconds = Math.max(1, (duration.toMillis() + 999) / 1000);
        List<String> command = new java.util.ArrayList<>(cpus);
        command.addAll(List.of("wrk", "-t" + Math.max(1, Math.min(threads, connections)), "-c" + connections, "-d" + seconds + "s",
                "--timeout", Math.max(1, timeout.toSeconds()) + "s", "--latency", url));
        return parse(Subprocess.run(command, Duration.ofSeconds(seconds + 60)).output());
    }

    static Result parse(String out) throws IOException {
        Matcher r = REQUESTS.matcher(out);
        if (!r.find()) {
            throw new IOException("unexpected wrk output:\n" + out);
        }
        long requests = Long.parseLong(r.group(1));
        double seconds = ms(r.group(2), r.group(3)) / 1000.0;
        double p50 = Double.NaN, p90 = Double.NaN, p99 = Double.NaN, max = Double.NaN;
        Matcher pm = PERCENTILE.matcher(out);
        while (pm.find()) {
            double v = ms(pm.group(2), pm.group(3));
            switch (pm.group(1)) {
                case "50" -> p50 = v;
                case "90" -> p90 = v;
                default -> p99 = v;
            }
        }
        Matcher lm = LATENCY.matcher(out);
        if (lm.find()) {
            max = ms(lm.group(5), lm.group(6));
        }
        long errors = 0, timeouts = 0, non2xx = 0;
        Matcher se = SOCKET_ERRORS.matcher(out);
        if (se.find()) {
            errors = Long.parseLong(se.group(1)) + Long.parseLong(se.group(2)) + Long.parseLong(se.group(3));
            timeouts = Long.parseLong(se.group(4));
        }
        Matcher nm = NON_2XX.matcher(out);
        if (nm.find()) {
            non2xx = Long.parseLong(nm.group(1));
        }
        long ok = requests - non2xx;
        return new Result(seconds, ok, ok / seconds, p50, p90, p99, max, errors, non2xx, timeouts);
    }

    private static double ms(String value, String unit) {
        double v = Double.parseDouble(value);
        return switch (unit.toLowerCase(Locale.ROOT)) {
            case "us" -> v / 1000;
            case "s" -> v * 1000;
            case "m" -> v * 60_000;
            default -> v;
        };
    }
}
