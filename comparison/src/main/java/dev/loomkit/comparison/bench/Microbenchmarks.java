package dev.loomkit.comparison.bench;

import dev.loomkit.comparison.Cli;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./loomkit run bench}: the JMH microbenchmarks in one of three {@link BenchProfile}s (the
 * headline figures by default, {@code --quick}, {@code --full}), plus the memory of a parked thread
 * measured in child JVMs. Writes {@code microbenchmarks.txt}, {@code jmh.json} and {@code microbenchmarks.html}
 * to the output directory, and adds the tables to its {@code report.html} if there is one.
 */
public final class Microbenchmarks {
    private final Path out;
    private final String include;
    private final BenchProfile profile;
    private final int virtualCount;
    private final int platformCount;
    private final PrintStream console;

    /**
     * The microbenchmarks as the command line asks for them.
     *
     * @throws IllegalArgumentException saying what is wrong with {@code args}
     */
    public Microbenchmarks(List<String> args, PrintStream console) {
        this(Cli.parse(new BenchCommand(console), args), console);
    }

    private Microbenchmarks(BenchCommand c, PrintStream console) {
        if (c.virtualCount < 1 || c.platformCount < 1) {
            throw new IllegalArgumentException("--virtual and --platform need at least one thread");
        }
        this.out = c.dir != null ? c.dir
                : Path.of("reports", "bench-" + java.time.LocalDateTime.now().withNano(0).toString().replace(':', '-'));
        if (c.quick && c.full) {
            throw new IllegalArgumentException("--quick and --full are two profiles: choose one");
        }
        this.include = c.include;
        this.profile = c.quick ? BenchProfile.QUICK : c.full ? BenchProfile.FULL : BenchProfile.HEADLINE;
        this.virtualCount = c.virtualCount;
        this.platformCount = c.platformCount;
        this.console = console;
    }

    /** {@code ./loomkit run bench [options]}. */
    @Command(name = "bench", sortOptions = false,
            description = "JMH microbenchmarks and parked-thread memory: by default the headline figures, with error bars "
                    + "meant to be within 10%% of the score (about 6 minutes); with --out pointing at a comparison report, "
                    + "adds them to it.")
    public static final class BenchCommand implements Callable<Integer> {
        @Mixin
        private Cli.Help help;
        @Option(names = "--out", paramLabel = "DIR", description = "where the results go (default reports/bench-<time>)")
        private Path dir;
        @Option(names = "--quick", description = "every benchmark, 1 fork of three 1 s iterations: about 3 minutes, "
                + "indicative only (its error bars are wide)")
        private boolean quick;
        @Option(names = "--full", description = "every benchmark and parameter, as long as the headline figures each")
        private boolean full;
        @Option(names = "--include", paramLabel = "REGEX",
                description = "the benchmarks to run, by class and method (default: the profile's); parked-thread memory is "
                        + "measured too (--virtual and --platform make it quick)")
        private String include;
        @Option(names = "--virtual", paramLabel = "N", description = "parked virtual threads measured for memory (default 1,000,000)")
        private int virtualCount = 1_000_000;
        @Option(names = "--platform", paramLabel = "N", description = "parked platform threads measured for memory (default 10,000)")
        private int platformCount = 10_000;
        private final PrintStream console;

        /** @param console where progress and tables go */
        public BenchCommand(PrintStream console) {
            this.console = console;
        }

        @Override
        public Integer call() throws Exception {
            new Microbenchmarks(this, console).run();
            return 0;
        }
    }

    public Path run() throws Exception {
        Files.createDirectories(out);
        console.println("microbenchmarks (JMH, " + profile.describe() + ") -> " + out.toAbsolutePath());
        var options = profile.apply(new OptionsBuilder(), include)
                .resultFormat(ResultFormatType.JSON).result(out.resolve("jmh.json").toString())
                .build();
        Collection<RunResult> results;
        try {
            results = new Runner(options).run();
        } catch (org.openjdk.jmh.runner.NoBenchmarksException e) {
            // An --include that matches none: a mistake in the command line, said in one line.
            throw new IllegalArgumentException("no benchmark matches --include " + include
                    + " (it is a regular expression over dev.loomkit.comparison.bench.<Class>.<method>)", e);
        }
        List<String[]> rows = new ArrayList<>();
        List<String> wide = new ArrayList<>();
        for (RunResult r : results) {
            var p = r.getParams();
            String params = p.getParamsKeys().stream().map(k -> k + "=" + p.getParam(k)).reduce((x, y) -> x + " " + y).orElse("");
            String name = p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.', p.getBenchmark().lastIndexOf('.') - 1) + 1);
            var s = r.getPrimaryResult();
            rows.add(new String[] {name, params, String.format(Locale.ROOT, "%.3f", s.getScore()),
                    String.format(Locale.ROOT, "%.3f", s.getScoreError()), relativeError(s.getScore(), s.getScoreError()),
                    s.getScoreUnit()});
            if (Double.isFinite(s.getScoreError()) && s.getScore() != 0 && s.getScoreError() > 0.1 * Math.abs(s.getScore())) {
                wide.add((name + " " + params).strip() + " (" + relativeError(s.getScore(), s.getScoreError()) + ")");
            }
        }
        rows.addAll(parked("virtual", virtualCount));
        rows.addAll(parked("platform", platformCount));
        var text = new StringBuilder(String.format(Locale.ROOT, "%-58s %-26s %14s %12s %7s %s%n", "benchmark", "params", "score",
                "± error", "±%", "unit"));
        for (String[] row : rows) {
            text.append(String.format(Locale.ROOT, "%-58s %-26s %14s %12s %7s %s%n", (Object[]) row));
        }
        text.append(wide.isEmpty() ? "every error within 10% of its score\n"
                : wide.size() + " error(s) wider than 10% of the score: " + String.join(", ", wide) + "\n");
        text.append("profile: ").append(profile.describe()).append('\n');
        console.println();
        console.print(text);
        Files.writeString(out.resolve("microbenchmarks.txt"), text);
        var html = new StringBuilder("<h2>Microbenchmarks</h2>\n<p class=\"note\">JMH, " + profile.describe()
                + "; the error is JMH's 99.9% confidence half-width" + (wide.isEmpty() ? ", every one within 10% of its score"
                : ", wider than 10% of the score for " + wide.size()) + "; memory per parked thread from /proc in a child JVM.</p>\n"
                + "<table><tr><th>benchmark</th><th>params</th><th>score</th><th>± error</th><th>±%</th><th>unit</th></tr>\n");
        for (String[] row : rows) {
            html.append("<tr>");
            for (String cell : row) {
                html.append("<td>").append(cell.replace("&", "&amp;").replace("<", "&lt;")).append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</table>\n");
        Files.writeString(out.resolve("microbenchmarks.html"), "<!doctype html><html><head><meta charset=\"utf-8\"><title>loomkit microbenchmarks</title></head><body>\n"
                + html + "</body></html>\n");
        Path report = out.resolve("report.html");
        if (Files.exists(report)) {
            String page = Files.readString(report);
            Files.writeString(report, page.replace("</body></html>", html + "</body></html>"));
            console.println("added the microbenchmarks to " + report);
        }
        console.println("wrote " + out.resolve("microbenchmarks.txt") + ", microbenchmarks.html and jmh.json");
        return out;
    }

    /** {@return the error as a share of the score, "12.3%", or "" where JMH gave none} */
    static String relativeError(double score, double error) {
        if (!Double.isFinite(error) || score == 0) {
            return "";
        }
        return String.format(Locale.ROOT, "%.1f%%", 100 * error / Math.abs(score));
    }

    /** Runs ParkedThreads in a child JVM; returns its row(s). */
    private List<String[]> parked(String kind, int count) throws Exception {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        var process = new ProcessBuilder(java, "--enable-preview", "-Xms256m", "-Xmx4g", "-cp", System.getProperty("java.class.path"),
                "dev.loomkit.comparison.Main", "parked", kind, Integer.toString(count))
                .redirectError(ProcessBuilder.Redirect.appendTo(out.resolve("parked-" + kind + ".log").toFile())).start();
        String line;
        try (var reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            line = reader.readLine();
        } finally {
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        if (line == null || !line.startsWith("PARKED ")) {
            return List.<String[]>of(new String[] {"parked-thread memory", "kind=" + kind, "failed", "", "", "see parked-" + kind + ".log"});
        }
        String[] f = line.split(" ", 6);
        int created = Integer.parseInt(f[2]);
        double perThread = (Long.parseLong(f[4]) - Long.parseLong(f[3])) / (double) Math.max(1, created);
        String note = f.length > 5 ? " (" + f[5].strip() + ")" : "";
        console.printf(Locale.ROOT, "parked %,d %s threads: %.2f KiB of RSS each%s%n", created, kind, perThread, note);
        return List.<String[]>of(new String[] {"parked-thread memory", "kind=" + kind + " n=" + created + note,
                String.format(Locale.ROOT, "%.2f", perThread), "", "", "KiB RSS per thread"});
    }
}
