package dev.loomkit.comparison.compare;

import dev.loomkit.comparison.load.LoadGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The open-loop rate ladders' part of a report ({@link SaturationSearch}): {@code saturation.csv}
 * (a row per step, the points' columns and the rate offered), the {@code saturation} section of
 * {@code results.json} (per scenario and contender, the highest rate sustained and the steps), and
 * per scenario an HTML table and a latency spectrum of every contender at one rate.
 */
final class SaturationReport {
    private SaturationReport() {
    }

    /** {@return saturation.csv's text} */
    static String csv(List<PointResult> rungs) {
        return PointResult.CSV_HEADER + "\n" + rungs.stream().map(PointResult::csv).map(l -> l + "\n").collect(Collectors.joining());
    }

    /** {@return results.json's saturation section: per scenario and contender, what its ladder found, and its steps} */
    static List<Map<String, Object>> json(List<PointResult> rungs) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (var byScenario : group(rungs).entrySet()) {
            for (var e : byScenario.getValue().entrySet()) {
                List<SaturationSearch.Rung> steps = e.getValue().stream().map(SaturationSearch::rung).toList();
                var m = new LinkedHashMap<String, Object>();
                m.put("scenario", byScenario.getKey());
                m.put("contender", e.getKey());
                m.put("connections", e.getValue().getFirst().connections());
                m.put("sustained_rps", SaturationSearch.sustained(steps));
                m.put("not_sustained_rps", SaturationSearch.failedAt(steps));
                m.put("summary", SaturationSearch.summary(steps));
                List<Map<String, Object>> rows = new ArrayList<>();
                for (int i = 0; i < steps.size(); i++) {
                    var row = e.getValue().get(i).toMap();
                    row.put("sustained", steps.get(i).sustained());
                    rows.add(row);
                }
                m.put("steps", rows);
                out.add(m);
            }
        }
        return out;
    }

    /**
     * {@return a scenario's ladders as HTML: a table of every step, and the spectrum chart at the
     * chosen rate (also written as {@code <scenario>-open-loop-spectrum.svg}); empty without ladders}
     */
    static String html(Path dir, String scenario, List<PointResult> rungs) throws IOException {
        Map<String, List<PointResult>> ladders = group(rungs).getOrDefault(scenario, Map.of());
        if (ladders.isEmpty()) {
            return "";
        }
        int connections = ladders.values().iterator().next().getFirst().connections();
        var sb = new StringBuilder("<h3>Open loop on ").append(String.format(Locale.ROOT, "%,d", connections))
                .append(" connections: rates stepped up to saturation</h3>\n<p class=\"note\">After the closed-loop point at these "
                        + "connections, as many connections of their own, once the server was idle, were paced at rates on one grid "
                        + "(1,000 &times; 2<sup>k</sup> req/s, then &radic;2 below the first rate not sustained), from about a quarter of "
                        + "the most the closed loop answered at these connections or fewer. "
                        + "Latency counts from when each request was due, so a server that falls behind shows it. A rate is sustained if ")
                .append(String.format(Locale.ROOT, "%.0f%% of it was answered good and at most %.0f%% failed",
                        100 * SaturationSearch.GOODPUT_SHARE, 100 * SaturationSearch.FAILED_SHARE))
                .append(".</p>\n<table><tr><th>mode</th><th>offered req/s</th><th>good req/s</th><th>p50 ms</th><th>p90 ms</th>"
                        + "<th>p99 ms</th><th>p99.9 ms</th><th>max ms</th><th>failed</th><th>server CPU s</th><th>sustained</th></tr>\n");
        for (var e : ladders.entrySet()) {
            for (PointResult r : e.getValue()) {
                var rung = SaturationSearch.rung(r);
                sb.append("<tr><td>").append(SvgChart.esc(e.getKey())).append("</td><td>")
                        .append(String.format(Locale.ROOT, "%,.0f", r.offered())).append("</td><td>")
                        .append(String.format(Locale.ROOT, "%,.0f", r.throughput())).append("</td>")
                        .append(Report.cell(r.p50())).append(Report.cell(r.p90())).append(Report.cell(r.p99())).append(Report.cell(r.p999()))
                        .append(Report.cell(r.max()))
                        .append("<td>").append(rung.failed()).append("</td><td>")
                        .append(r.cpuSeconds() < 0 ? "-" : String.format(Locale.ROOT, "%.1f", r.cpuSeconds())).append("</td><td>")
                        .append(rung.sustained() ? "yes" : "no").append("</td></tr>\n");
            }
            List<SaturationSearch.Rung> steps = e.getValue().stream().map(SaturationSearch::rung).toList();
            sb.append("<tr><td>").append(SvgChart.esc(e.getKey())).append("</td><td colspan=\"10\" style=\"text-align:left\"><b>")
                    .append(SvgChart.esc(SaturationSearch.summary(steps))).append("</b></td></tr>\n");
        }
        sb.append("</table>\n");
        double rate = sameLoad(ladders);
        if (rate > 0) {
            Map<String, HlogCharts.Log> logs = new LinkedHashMap<>();
            for (String contender : ladders.keySet()) {
                HlogCharts.Log log = HlogCharts.readRung(dir, scenario, contender, connections, rate);
                if (log != null) {
                    logs.put(contender, log);
                }
            }
            if (!logs.isEmpty()) {
                String svg = HlogCharts.spectrum(String.format(Locale.ROOT, "%s: latency in the open loop at %,.0f req/s, %s connections",
                        scenario, rate, SvgChart.label(connections)), logs);
                Files.writeString(dir.resolve(scenario + "-open-loop-spectrum.svg"), svg);
                sb.append("<div class=\"charts\">").append(svg).append("</div>\n");
            }
        }
        return sb.toString();
    }

    /**
     * {@return the rate at which to compare the contenders' distributions: the one the most of their
     * ladders measured, then the one the most sustained, then the highest; 0 if none}
     */
    static double sameLoad(Map<String, List<PointResult>> ladders) {
        // By the rate's label (the .hlog's name): the same rate, whoever measured it.
        Map<String, double[]> counts = new LinkedHashMap<>(); // label -> {measured, sustained, rate}
        for (List<PointResult> steps : ladders.values()) {
            for (PointResult r : steps) {
                double[] c = counts.computeIfAbsent(LoadGenerator.rateLabel(r.offered()), k -> new double[] {0, 0, r.offered()});
                c[0]++;
                c[1] += SaturationSearch.rung(r).sustained() ? 1 : 0;
            }
        }
        return counts.values().stream()
                .max(Comparator.comparingDouble((double[] c) -> c[0]).thenComparingDouble(c -> c[1]).thenComparingDouble(c -> c[2]))
                .map(c -> c[2]).orElse(0.0);
    }

    /** {@return the rungs by scenario, then contender, in the order they were measured} */
    private static Map<String, Map<String, List<PointResult>>> group(List<PointResult> rungs) {
        return rungs.stream().collect(Collectors.groupingBy(PointResult::scenario, LinkedHashMap::new,
                Collectors.groupingBy(PointResult::contender, LinkedHashMap::new, Collectors.toList())));
    }
}
