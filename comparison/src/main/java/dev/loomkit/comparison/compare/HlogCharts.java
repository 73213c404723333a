package dev.loomkit.comparison.compare;

import dev.loomkit.comparison.load.LoadGenerator;
import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;

/**
 * Charts from the built-in generator's HdrHistogram logs, one per point ({@code hlog/}): the
 * latency spectrum of each contender at one load (p50 to p99.99 on log scales, where a mean or a
 * p99 alone hides the tail), and throughput and p99 second by second within that point.
 */
final class HlogCharts {
    /** The percentiles of the spectrum; one is drawn only if some sample lies beyond it. */
    private static final double[] PERCENTILES = {50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99};

    /** One point's log, read: its one-second intervals and their sum. */
    record Log(List<Histogram> intervals, Histogram total) {
    }

    private HlogCharts() {
    }

    /** {@return the directory and file prefix the generator writes a contender's logs under, for a scenario} */
    static String prefix(Path reportDir, String scenario, String contender) {
        return reportDir.resolve("hlog").resolve(scenario + "-" + contender).toString();
    }

    /** {@return the point's log, or null if there is none (wrk, or the point was skipped)} */
    static Log read(Path reportDir, String scenario, String contender, int connections) {
        return read(LoadGenerator.hlogFile(prefix(reportDir, scenario, contender), connections, 0));
    }

    /** {@return the log of an open-loop ladder's step at {@code rate}, or null if there is none} */
    static Log readRung(Path reportDir, String scenario, String contender, int connections, double rate) {
        return read(LoadGenerator.rungHlogFile(prefix(reportDir, scenario, contender), connections, rate));
    }

    private static Log read(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        List<Histogram> intervals = new ArrayList<>();
        Histogram total = null;
        try {
            var reader = new HistogramLogReader(file.toFile());
            for (EncodableHistogram e; (e = reader.nextIntervalHistogram()) != null; ) {
                if (e instanceof Histogram h) {
                    intervals.add(h);
                    if (total == null) {
                        total = new Histogram(h.getHighestTrackableValue(), h.getNumberOfSignificantValueDigits());
                    }
                    total.add(h);
                }
            }
        } catch (FileNotFoundException | RuntimeException e) {
            return null; // a log cut short (the generator was stopped): no chart rather than no report
        }
        return total == null ? null : new Log(intervals, total);
    }

    /**
     * {@return the load at which to compare the contenders' distributions: the most connections, up
     * to 1,000, that every contender has a log for; or the fewest if none qualifies; or -1}
     */
    static int chosenLoad(Path reportDir, String scenario, List<String> contenders, List<Integer> connections) {
        int chosen = -1;
        for (int c : connections.stream().sorted().distinct().toList()) {
            boolean all = contenders.stream().allMatch(n -> Files.isRegularFile(
                    LoadGenerator.hlogFile(prefix(reportDir, scenario, n), c, 0)));
            if (all && (chosen < 0 || c <= 1_000)) {
                chosen = c;
            }
        }
        return chosen;
    }

    /** {@return the spectrum chart of each contender's latency at {@code connections}} */
    static String spectrum(String scenario, int connections, Map<String, Log> logs) {
        return spectrum(scenario + ": latency of answered requests at " + SvgChart.label(connections) + " connections", logs);
    }

    /** {@return the spectrum chart of each contender's latency, under {@code title}} */
    static String spectrum(String title, Map<String, Log> logs) {
        var chart = new SvgChart(title, "ms (log scale)", true)
                .xAxis("percentile (log scale of 1 / (1 - p))", true, HlogCharts::percentileLabel);
        for (var e : logs.entrySet()) {
            Histogram h = e.getValue().total();
            for (double p : PERCENTILES) {
                if (h.getTotalCount() * (1 - p / 100) >= 1) {
                    chart.add(e.getKey(), 100 / (100 - p), h.getValueAtPercentile(p) / 1000.0);
                }
            }
        }
        return chart.render();
    }

    /** {@return throughput, or p99, second by second within the point, one line per contender} */
    static String overTime(String scenario, int connections, Map<String, Log> logs, boolean p99) {
        var chart = new SvgChart(scenario + ": " + (p99 ? "p99" : "throughput") + " over time at " + SvgChart.label(connections)
                + " connections", p99 ? "ms (log scale)" : "requests per second", p99)
                .xAxis("seconds into the measured window", false, SvgChart::label);
        for (var e : logs.entrySet()) {
            List<Histogram> intervals = e.getValue().intervals();
            if (intervals.isEmpty()) {
                continue;
            }
            long t0 = intervals.getFirst().getStartTimeStamp();
            for (Histogram h : intervals) {
                double seconds = Math.max(1, h.getEndTimeStamp() - h.getStartTimeStamp()) / 1000.0;
                double x = (h.getEndTimeStamp() - t0) / 1000.0;
                chart.add(e.getKey(), x, p99 ? h.getValueAtPercentile(99) / 1000.0 : h.getTotalCount() / seconds);
            }
        }
        return chart.render();
    }

    static String percentileLabel(double x) {
        double p = 100 - 100 / x;
        return "p" + (p == Math.rint(p) ? Long.toString((long) p) : String.format(Locale.ROOT, "%s", trimZeros(p)));
    }

    private static String trimZeros(double p) {
        String s = String.format(Locale.ROOT, "%.4f", p);
        return s.replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    /** {@return each contender's log at the load, by contender; empty if there are none} */
    static Map<String, Log> logs(Path reportDir, String scenario, List<String> contenders, int connections) {
        Map<String, Log> logs = new LinkedHashMap<>();
        for (String c : contenders) {
            Log log = read(reportDir, scenario, c, connections);
            if (log != null) {
                logs.put(c, log);
            }
        }
        return logs;
    }
}
