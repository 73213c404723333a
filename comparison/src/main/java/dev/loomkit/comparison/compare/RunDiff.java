package dev.loomkit.comparison.compare;

import dev.loomkit.comparison.Cli;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./loomkit run diff A B}: two reports side by side, point by point, with the change from A
 * to B in throughput and p99, and a throughput chart per scenario with both runs' lines. Points
 * where either run failed more than {@value #OVERLOADED_PERCENT}% of requests are marked
 * overloaded: there the numbers measure how a server breaks, which moves from run to run, and the
 * summary of how far the runs agreed leaves them out.
 */
public final class RunDiff {
    static final double OVERLOADED_PERCENT = 1.0;

    /** The medians of one point over its repeats. */
    record Point(double throughput, double p99, double failedPercent) {
    }

    /** A point's identity across runs. */
    record Key(String scenario, String contender, int connections) {
    }

    private RunDiff() {
    }

    /**
     * Runs the command.
     *
     * @param args {@code A B [--out DIR]}: two report directories (or their results.csv)
     * @param out  where the table goes
     * @return the directory the chart pages went to
     * @throws IllegalArgumentException if the arguments are not two readable reports
     */
    public static Path run(List<String> args, PrintStream out) throws IOException {
        return Cli.parse(new DiffCommand(out), args).diff();
    }

    /** {@code ./loomkit run diff A B [--out DIR]}. */
    @Command(name = "diff", sortOptions = false, description = "Two reports side by side: the change per point, and charts.")
    public static final class DiffCommand implements Callable<Integer> {
        @Mixin
        private Cli.Help help;
        @Parameters(paramLabel = "REPORT", arity = "0..*",
                description = "two report directories (or their results.csv): A, the reference, then B")
        private List<String> reports = new ArrayList<>();
        @Option(names = "--out", paramLabel = "DIR", description = "where the chart pages go (default reports/diff-<time>)")
        private Path dir;
        private final PrintStream out;

        /** @param out where the table goes */
        public DiffCommand(PrintStream out) {
            this.out = out;
        }

        @Override
        public Integer call() throws IOException {
            diff();
            return 0;
        }

        Path diff() throws IOException {
            if (reports.size() != 2) {
                throw new IllegalArgumentException("diff compares two reports: diff A B [--out DIR], where A and B are report "
                        + "directories (or their results.csv); got " + reports.size() + " argument(s)");
            }
            return RunDiff.diff(reports.get(0), reports.get(1), dir, out);
        }
    }

    private static Path diff(String first, String second, Path dir, PrintStream out) throws IOException {
        Path a = csv(first);
        Path b = csv(second);
        Map<Key, Point> pa = read(a);
        Map<Key, Point> pb = read(b);
        if (dir == null) {
            dir = Path.of("reports", "diff-" + java.time.LocalDateTime.now().withNano(0).toString().replace(':', '-'));
        }
        Files.createDirectories(dir);
        out.println("A: " + a.toAbsolutePath());
        out.println("B: " + b.toAbsolutePath());
        // The contender column is as wide as the longest name in either run, so rows stay in line.
        int width = Math.max(20, Stream.concat(pa.keySet().stream(), pb.keySet().stream())
                .mapToInt(k -> k.contender().length()).max().orElse(0));
        String name = "%-10s %-" + width + "s";
        out.printf(Locale.ROOT, name + " %7s %11s %11s %8s %9s %9s %8s %s%n", "scenario", "contender", "conns", "A req/s", "B req/s",
                "change", "A p99", "B p99", "change", "");
        double worst = 0;
        Key worstKey = null;
        int compared = 0;
        var html = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>loomkit: two runs</title></head>"
                + "<body style=\"font-family:sans-serif\"><h1>Two runs side by side</h1><p>A: " + SvgChart.esc(a.toString()) + "<br>B: "
                + SvgChart.esc(b.toString()) + "</p>\n");
        Map<String, SvgChart> charts = new LinkedHashMap<>();
        for (var e : pa.entrySet()) {
            Key k = e.getKey();
            Point x = e.getValue();
            Point y = pb.get(k);
            charts.computeIfAbsent(k.scenario(), s -> new SvgChart(s + ": throughput, A against B", "requests per second", false))
                    .add(k.contender() + " (A)", k.connections(), x.throughput());
            if (y == null) {
                out.printf(Locale.ROOT, name + " %7d %,11.0f %11s%n", k.scenario(), k.contender(), k.connections(), x.throughput(), "absent");
                continue;
            }
            charts.get(k.scenario()).add(k.contender() + " (B)", k.connections(), y.throughput());
            boolean overloaded = x.failedPercent() > OVERLOADED_PERCENT || y.failedPercent() > OVERLOADED_PERCENT;
            double change = change(x.throughput(), y.throughput());
            out.printf(Locale.ROOT, name + " %7d %,11.0f %,11.0f %8s %9s %9s %8s %s%n", k.scenario(), k.contender(), k.connections(),
                    x.throughput(), y.throughput(), percent(change), ConsoleTable.fmt(x.p99()), ConsoleTable.fmt(y.p99()),
                    percent(change(x.p99(), y.p99())), overloaded ? "overloaded" : "");
            if (!overloaded && !Double.isNaN(change)) {
                compared++;
                if (worstKey == null || Math.abs(change) > Math.abs(worst)) {
                    worst = change;
                    worstKey = k;
                }
            }
        }
        for (Key k : pb.keySet()) {
            if (!pa.containsKey(k)) {
                out.printf(Locale.ROOT, name + " %7d %11s %,11.0f%n", k.scenario(), k.contender(), k.connections(), "absent", pb.get(k).throughput());
            }
        }
        String summary = compared == 0 ? "no point that is not overloaded is in both runs"
                : String.format(Locale.ROOT, "at the %d points not overloaded in either run, throughput moved by at most %s (%s, %s, %,d connections)",
                        compared, percent(worst), worstKey.scenario(), worstKey.contender(), worstKey.connections());
        out.println();
        out.println(summary);
        html.append("<p>").append(SvgChart.esc(summary)).append("</p>\n");
        for (var c : charts.entrySet()) {
            String svg = c.getValue().render();
            Files.writeString(dir.resolve("diff-" + c.getKey() + "-throughput.svg"), svg);
            html.append(svg);
        }
        Files.writeString(dir.resolve("diff.html"), html.append("</body></html>\n").toString());
        out.println("wrote " + dir.resolve("diff.html"));
        return dir;
    }

    private static Path csv(String arg) {
        Path p = Path.of(arg);
        return Files.isDirectory(p) ? p.resolve("results.csv") : p;
    }

    /** {@return each point's medians over its repeats} */
    static Map<Key, Point> read(Path csv) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(csv);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no report at " + csv + ": give a directory a run wrote (it holds results.csv)");
        }
        if (lines.isEmpty() || !lines.getFirst().startsWith("scenario,contender,connections,repeat,seconds,requests,throughput,")) {
            throw new IllegalArgumentException(csv + " is not a comparison's results.csv");
        }
        List<String> header = List.of(lines.getFirst().split(","));
        int tp = header.indexOf("throughput");
        int p99 = header.indexOf("p99_ms");
        int requests = header.indexOf("requests");
        int errors = header.indexOf("errors");
        int rejected = header.indexOf("rejected_503");
        int timeouts = header.indexOf("timeouts");
        Map<Key, List<double[]>> rows = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            if (f.length < header.size()) {
                throw new IllegalArgumentException(csv + ": a row with " + f.length + " fields where the header has " + header.size());
            }
            long failed = Long.parseLong(f[errors]) + Long.parseLong(f[rejected]) + Long.parseLong(f[timeouts]);
            long all = Long.parseLong(f[requests]) + failed;
            // Nothing answered, no latency (older reports wrote 0 for it).
            boolean answered = Long.parseLong(f[requests]) > 0;
            rows.computeIfAbsent(new Key(f[0], f[1], Integer.parseInt(f[2])), k -> new ArrayList<>()).add(new double[] {
                    Double.parseDouble(f[tp]), f[p99].isEmpty() || !answered ? Double.NaN : Double.parseDouble(f[p99]),
                    all == 0 ? 0 : 100.0 * failed / all});
        }
        Map<Key, Point> points = new LinkedHashMap<>();
        rows.forEach((k, v) -> points.put(k, new Point(median(v, 0), median(v, 1), median(v, 2))));
        return points;
    }

    private static double median(List<double[]> rows, int i) {
        return Report.median(rows.stream().map(r -> r[i]).toList());
    }

    /** {@return the change from a to b, in percent of a; NaN if a is 0 or either is unknown} */
    static double change(double a, double b) {
        return a == 0 || Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : 100 * (b - a) / a;
    }

    private static String percent(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%+.1f%%", v);
    }
}
