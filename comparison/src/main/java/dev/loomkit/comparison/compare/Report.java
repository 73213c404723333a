package dev.loomkit.comparison.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * Writes a run's results: {@code results.csv} and {@code results.json} for machines,
 * {@code report.html} with charts for people, and each chart as an SVG of its own (for a README).
 * Where points were repeated, charts show the median, and the HTML table the median with the range of req/s and p99.
 */
final class Report {
    /** The charts per scenario: file suffix, title, y-axis label, log scale, value. */
    private record Metric(String id, String title, String unit, boolean logY, ToDoubleFunction<PointResult> value) {
    }

    private static final List<Metric> METRICS = List.of(
            new Metric("throughput", "throughput", "requests per second", false, PointResult::throughput),
            new Metric("p99", "p99 latency of answered requests", "ms (log scale)", true, PointResult::p99),
            new Metric("failed", "requests failed (503, timeout, error)", "percent", false, PointResult::failedPercent),
            new Metric("memory", "server peak RSS", "MiB", false, PointResult::peakRssMb));

    private Report() {
    }

    static void write(Path dir, Machine machine, ComparisonOptions options, CpuPlacement placement, long unitsPerMs,
                      List<PointResult> results, List<PointResult> rungs, List<String> skipped) throws IOException {
        Files.writeString(dir.resolve("results.csv"), PointResult.CSV_HEADER + "\n"
                + results.stream().map(PointResult::csv).collect(Collectors.joining("\n")) + "\n");
        if (!rungs.isEmpty()) {
            Files.writeString(dir.resolve("saturation.csv"), SaturationReport.csv(rungs));
        }
        // What produced the results, so that two reports can be told apart and a result traced to its code.
        var provenance = new LinkedHashMap<String, Object>();
        provenance.put("time", ZonedDateTime.now().withNano(0).toString());
        provenance.put("commit", Provenance.commit());
        provenance.put("arguments", options.args());
        provenance.put("machine", machine.summary());
        provenance.put("jdk", machine.jdk());
        provenance.put("serverFlags", "--enable-preview " + String.join(" ", options.serverFlags()));
        provenance.put("clientFlags", "--enable-preview " + String.join(" ", ComparisonOptions.CLIENT_FLAGS));
        provenance.put("backendFlags", "--enable-preview " + String.join(" ", ComparisonOptions.BACKEND_FLAGS));
        provenance.put("target", options.target() == null ? null : options.target().toString());
        provenance.put("loadGenerator", options.wrk() ? "wrk" : "builtin");
        provenance.put("scheduling", ChildJvm.scheduling());
        var cpus = new LinkedHashMap<String, Object>();
        cpus.put("placed", placement.placed());
        cpus.put("server", placement.server());
        cpus.put("others", placement.others());
        cpus.put("serverCpus", serverCpus(options, placement));
        cpus.put("description", placement.describe());
        provenance.put("cpuPlacement", cpus);
        provenance.put("hashUnitsPerMs", unitsPerMs);
        provenance.put("saturationAtConnections", options.saturationAt());
        provenance.put("results", results.stream().map(PointResult::toMap).toList());
        provenance.put("saturation", SaturationReport.json(rungs));
        Files.writeString(dir.resolve("results.json"), PointResult.JSON_WRITER.asString(provenance) + "\n");

        var html = new StringBuilder();
        html.append("""
                <!doctype html><html><head><meta charset="utf-8"><title>loomkit: virtual vs platform threads</title>
                <style>body{font-family:sans-serif;max-width:1400px;margin:2em auto;color:#222}
                table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}
                th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:8px}
                .note{color:#555}</style></head><body>
                <h1>Virtual threads against platform-thread pools</h1>
                """);
        html.append("<p class=\"note\">Measured ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now()))
                .append(" on ").append(esc(machine.summary())).append(".<br>")
                .append(options.target() != null
                        ? "The server measured: " + esc(options.targetName()) + " at <code>" + esc(options.target().toString())
                                + "</code>, started by its owner" + (options.targetPid() > 0 ? " (process " + options.targetPid() + ", read from /proc)" : "")
                        : "Every server ran in a JVM of its own with the same flags: <code>--enable-preview "
                                + esc(String.join(" ", options.serverFlags())) + "</code>")
                .append(". The load came from another JVM (")
                .append(options.rate() > 0 ? "open loop at " + (long) options.rate() + " req/s, latency from when each request was due" : "closed loop")
                .append(", ").append(options.warmup().toMillis()).append(" ms warm-up or more, until the server's JIT compilers were quiet (at most ")
                .append(PointDriver.JIT_CAP.toSeconds()).append(" s more), and ").append(options.duration().toMillis())
                .append(" ms measured per point (the built-in generator's longer, up to three times, until it has the 1,000 answers a"
                        + " p99.9 needs; without them p99.9 is left blank), timeout ").append(options.timeout().toMillis()).append(" ms, ").append(options.repeats())
                .append(" repeat(s)). CPUs: ").append(esc(placement.describe()))
                .append(". Absolute numbers are this machine's; the ratios between modes in one run are the result. Scheduling: ")
                .append(esc(ChildJvm.scheduling())).append(". Commit ").append(esc(Provenance.commit())).append(".</p>\n");
        html.append(neighbours(results));
        html.append("<ul class=\"note\">");
        for (Contender c : options.target() != null ? List.<Contender>of() : options.contenders()) {
            html.append("<li><b>").append(esc(c.name())).append("</b>: ").append(esc(c.bare() ? Comparison.BARE_NOTE : c.model())).append("</li>");
        }
        html.append("</ul>\n");
        if (!skipped.isEmpty()) {
            html.append("<p class=\"note\">Skipped: ").append(esc(String.join("; ", skipped))).append("</p>\n");
        }
        Map<String, List<PointResult>> byScenario = results.stream()
                .collect(Collectors.groupingBy(PointResult::scenario, LinkedHashMap::new, Collectors.toList()));
        for (var e : byScenario.entrySet()) {
            String scenario = e.getKey();
            html.append("<h2>").append(esc(describe(scenario))).append("</h2>\n<div class=\"charts\">\n");
            for (Metric m : METRICS) {
                var chart = new SvgChart(scenario + ": " + m.title(), m.unit(), m.logY());
                for (var point : medians(e.getValue(), m.value()).entrySet()) {
                    chart.add(point.getKey().contender(), point.getKey().connections(), point.getValue());
                }
                String svg = chart.render();
                Files.writeString(dir.resolve(scenario + "-" + m.id() + ".svg"), svg);
                html.append(svg);
            }
            // The distributions at one load, from the generator's logs (none with wrk).
            List<String> contenders = e.getValue().stream().map(PointResult::contender).distinct().toList();
            int load = HlogCharts.chosenLoad(dir, scenario, contenders, e.getValue().stream().map(PointResult::connections).toList());
            if (load > 0) {
                var logs = HlogCharts.logs(dir, scenario, contenders, load);
                String[][] charts = {{"spectrum", HlogCharts.spectrum(scenario, load, logs)},
                        {"throughput-over-time", HlogCharts.overTime(scenario, load, logs, false)},
                        {"p99-over-time", HlogCharts.overTime(scenario, load, logs, true)}};
                for (String[] c : charts) {
                    Files.writeString(dir.resolve(scenario + "-" + c[0] + ".svg"), c[1]);
                    html.append(c[1]);
                }
            }
            html.append("</div>\n");
            html.append(table(e.getValue(), options.repeats() > 1));
            html.append(SaturationReport.html(dir, scenario, rungs));
        }
        html.append("</body></html>\n");
        Files.writeString(dir.resolve("report.html"), html.toString());
    }

    private record Key(String contender, int connections) {
    }

    /**
     * {@return a sentence on what the server's neighbours cost over the run: the load generator per
     * request and the backend per 10,000 delayed answers; they must stay small beside the server's}
     */
    static String neighbours(List<PointResult> results) {
        double loadCpu = results.stream().filter(r -> r.loadCpuSeconds() >= 0).mapToDouble(PointResult::loadCpuSeconds).sum();
        long requests = results.stream().filter(r -> r.loadCpuSeconds() >= 0).mapToLong(PointResult::requests).sum();
        double serverCpu = results.stream().filter(r -> r.cpuSeconds() >= 0).mapToDouble(PointResult::cpuSeconds).sum();
        long served = results.stream().filter(r -> r.cpuSeconds() >= 0).mapToLong(PointResult::requests).sum();
        var sb = new StringBuilder("<p class=\"note\">What the neighbours cost over the run: ");
        if (requests > 0) {
            sb.append(String.format(Locale.ROOT, "the load generator %.1f µs of CPU per answered request (the servers %.1f µs)",
                    loadCpu * 1e6 / requests, served == 0 ? 0 : serverCpu * 1e6 / served));
        }
        var withBackend = results.stream().filter(r -> r.backendAnswers() > 0 && r.backendCpuSeconds() >= 0).toList();
        if (!withBackend.isEmpty()) {
            double cpu = withBackend.stream().mapToDouble(PointResult::backendCpuSeconds).sum();
            long answers = withBackend.stream().mapToLong(PointResult::backendAnswers).sum();
            sb.append(String.format(Locale.ROOT, "; the backend %.0f ms of CPU per 10,000 delayed answers (%,d answers)", cpu * 1e3 * 10_000 / answers, answers));
        }
        return sb.append(". Per point: the CSV's load_cpu_seconds, backend_cpu_seconds and backend_answers.</p>\n").toString();
    }

    private static Map<Key, Double> medians(List<PointResult> rows, ToDoubleFunction<PointResult> value) {
        Map<Key, List<Double>> grouped = new LinkedHashMap<>();
        for (PointResult r : rows) {
            grouped.computeIfAbsent(new Key(r.contender(), r.connections()), k -> new ArrayList<>()).add(value.applyAsDouble(r));
        }
        Map<Key, Double> out = new LinkedHashMap<>();
        grouped.forEach((k, v) -> out.put(k, median(v)));
        return out;
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String table(List<PointResult> rows, boolean repeated) {
        var sb = new StringBuilder("<p class=\"note\">req/s, latencies, errors, 503s and timeouts are the client's, in the window;"
                + " the server's own count of its 503s is by kind; RSS, OS threads, CPU and context switches are the server process's;"
                + " abandoned: requests the client walked away from (impatient); subtasks: the server's request subtasks that"
                + " completed or were cancelled; RSS KiB per connection: the idle scenario's server RSS above the fresh server's, per"
                + " connection held open; - where unknown (a server without meters, or one too loaded to answer them in 3 s).</p>\n"
                + "<table><tr><th>mode</th><th>connections</th><th>req/s</th>");
        if (repeated) {
            sb.append("<th>req/s min / max</th>");
        }
        sb.append("<th>p50 ms</th><th>p90 ms</th><th>p99 ms</th>");
        if (repeated) {
            sb.append("<th>p99 min / max</th>");
        }
        sb.append("<th>p99.9 ms</th><th>max ms</th><th>errors</th><th>503s (client)</th><th>503s after the admission wait (server)</th>"
                + "<th>503s to connections turned away (server)</th><th>timeouts</th><th>peak RSS MiB</th><th>OS threads</th>"
                + "<th>CPU s</th><th>voluntary cs</th><th>involuntary cs</th><th>abandoned</th><th>subtasks completed</th>"
                + "<th>subtasks cancelled</th><th>RSS KiB per connection</th></tr>\n");
        Map<Key, List<PointResult>> grouped = rows.stream().collect(Collectors.groupingBy(r -> new Key(r.contender(), r.connections()),
                LinkedHashMap::new, Collectors.toList()));
        grouped.entrySet().stream().sorted(Comparator.comparing((Map.Entry<Key, List<PointResult>> e) -> e.getKey().connections()))
                .forEach(e -> {
                    List<PointResult> reps = e.getValue();
                    PointResult med = reps.stream().sorted(Comparator.comparingDouble(PointResult::throughput)).toList().get(reps.size() / 2);
                    sb.append("<tr><td>").append(esc(e.getKey().contender())).append("</td><td>").append(e.getKey().connections())
                            .append("</td><td>").append(String.format(Locale.ROOT, "%,.0f", median(values(reps, PointResult::throughput)))).append("</td>");
                    if (repeated) {
                        sb.append("<td>").append(range(reps, PointResult::throughput, "%,.0f")).append("</td>");
                    }
                    sb.append(cell(med.p50())).append(cell(med.p90())).append(cell(median(values(reps, PointResult::p99))));
                    if (repeated) {
                        sb.append("<td>").append(range(reps, PointResult::p99, "%.1f")).append("</td>");
                    }
                    sb.append(cell(med.p999())).append(cell(med.max())).append("<td>").append(med.errors()).append("</td><td>")
                            .append(med.rejected()).append("</td><td>").append(known(med.admissionRefused())).append("</td><td>")
                            .append(known(med.connectionsRejected())).append("</td><td>").append(med.timeouts()).append("</td><td>").append(String.format(Locale.ROOT, "%.0f", med.peakRssMb()))
                            .append("</td><td>").append(med.threads()).append("</td><td>").append(String.format(Locale.ROOT, "%.1f", med.cpuSeconds()))
                            .append("</td><td>").append(med.voluntarySwitches()).append("</td><td>").append(med.involuntarySwitches())
                            .append("</td><td>").append(med.abandoned()).append("</td><td>").append(known(med.subtasksCompleted()))
                            .append("</td><td>").append(known(med.subtasksCancelled())).append("</td><td>")
                            // Per connection held is what the idle scenario measures; elsewhere it would divide by answers.
                            .append(med.scenario().equals("idle") ? String.format(Locale.ROOT, "%.1f", med.rssPerConnectionKb()) : "-")
                            .append("</td></tr>\n");
                });
        return sb.append("</table>\n").toString();
    }

    /** {@return the count, or "-" where the server could not say (no meters: a target, the bare reference)} */
    private static String known(long count) {
        return count < 0 ? "-" : Long.toString(count);
    }

    private static List<Double> values(List<PointResult> rows, ToDoubleFunction<PointResult> f) {
        return rows.stream().map(f::applyAsDouble).toList();
    }

    private static String range(List<PointResult> rows, ToDoubleFunction<PointResult> f, String format) {
        double min = rows.stream().mapToDouble(f).min().orElse(0);
        double max = rows.stream().mapToDouble(f).max().orElse(0);
        return String.format(Locale.ROOT, format, min) + " / " + String.format(Locale.ROOT, format, max);
    }

    /** {@return a latency as an HTML table cell, as the console prints it} */
    static String cell(double ms) {
        return "<td>" + ConsoleTable.fmt(ms) + "</td>";
    }

    private static String describe(String scenario) {
        try {
            return Scenario.parse(scenario).description;
        } catch (IllegalArgumentException e) {
            return scenario;
        }
    }

    private static String esc(String s) {
        return SvgChart.esc(s);
    }

    /** {@return the CPUs the server's CPU share is taken of: a target's affinity, or the placement's} */
    static int serverCpus(ComparisonOptions options, CpuPlacement placement) {
        if (options.target() != null && options.targetPid() > 0) {
            try {
                return ProcStats.allowedCpus(options.targetPid());
            } catch (java.io.IOException e) {
                return placement.serverCount(); // the target has gone: the table said the same
            }
        }
        return placement.serverCount();
    }
}
