package dev.loomkit.comparison.compare;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The main job: for each scenario and each contender, starts the demo server (or, for
 * {@code bare-virtual}, the bare reference server) in a JVM of its own, has a {@link PointDriver}
 * measure it at each point, prints a table as it goes, and writes CSV, JSON and an HTML report.
 * With {@code --target URL} it measures a server someone else started, the same way.
 */
public final class Comparison {
    /** Descriptors a JVM needs besides its sockets: jars, pipes, epoll, and some slack. */
    private static final int FD_MARGIN = 300;
    /** The most backend sockets a server opens (see BackendClient); with clients, under the fd limit. */
    private static final int BACKEND_CONNECTIONS = 8_000;

    /** What the bare-virtual reference is, for the console and the report. */
    static final String BARE_NOTE = "a reference, not a server: a blocking ServerSocket, a virtual thread per connection, "
            + "only the request line parsed, /hello and /sleep, no timeouts, limits, scopes or metrics. Without /metrics "
            + "its server meters are absent (-1 in the CSV and JSON); RSS, threads, CPU and context switches come from /proc "
            + "as for the others";

    private final ComparisonOptions options;
    private final PrintStream out;
    private final CpuPlacement placement;
    /** The backend JVM and its port, or null when no scenario of the run needs it; set by run. */
    private ChildJvm backend;
    private int backendPort;

    /**
     * A comparison as the command line asks for it.
     *
     * @throws IllegalArgumentException saying what is wrong with {@code args}
     */
    public Comparison(List<String> args, PrintStream out) {
        this(ComparisonOptions.parse(args), out);
    }

    Comparison(ComparisonOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.placement = CpuPlacement.choose(options.serverCpus());
    }

    /** Runs it; returns the report directory. */
    public Path run() throws Exception {
        Path dir = options.out();
        Files.createDirectories(dir);
        Machine machine = Machine.describe();
        long unitsPerMs = Calibration.hashUnitsPerMs();
        if (options.wrk()) {
            WrkLoad.requireInstalled();
        }
        out.println("loomkit comparison: virtual threads against platform-thread pools");
        // Read now: the tree may change while the run goes on, and the report must name what ran.
        out.println("commit: " + Provenance.commit());
        out.println("machine: " + machine.summary());
        if (options.target() == null) {
            out.println("server JVM flags (identical for every mode): --enable-preview " + String.join(" ", options.serverFlags()));
            out.println("scheduling: " + ChildJvm.scheduling());
            out.println("CPUs: " + placement.describe());
            if (!placement.placed()) {
                out.println("warning: without CPUs of its own the server competes with the load generator and the backend; "
                        + "an I/O-bound scenario may measure their cost as much as the server's");
            }
        } else {
            out.println("target: " + options.target() + (options.targetPid() > 0 ? ", process " + options.targetPid()
                    : " (no --target-pid: no RSS, threads or CPU of the server)"));
            out.println("CPUs: " + (placement.placed() ? "load generator on CPU(s) " + placement.others()
                    + " (taskset); the target runs where its owner started it" : placement.describe()));
        }
        out.printf(Locale.ROOT, "load: %s%s, %d ms warm-up (held until the server's JIT is quiet) + %d ms measured per point (built-in: "
                        + "longer, up to 3 times, until 1,000 answers for p99.9), timeout %d ms, %d repeat(s); CPU unit: %d hashes = 1 ms here%n",
                options.wrk() ? "wrk, " : "built-in generator, ", options.rate() > 0 ? "open loop at " + (long) options.rate() + " req/s" : "closed loop",
                options.warmup().toMillis(), options.duration().toMillis(), options.timeout().toMillis(), options.repeats(), unitsPerMs);
        if (options.saturationAt() > 0) {
            out.printf(Locale.ROOT, "saturation: after each server's point at %,d connections, as many connections of their own, sending "
                            + "nothing until the server is idle, paced in the open loop at rising rates (%d ms each, after %d ms to settle) up to the highest "
                            + "the server sustains (--saturation off: none)%n",
                    options.saturationAt(), PointDriver.rungWindow(options).toMillis(), PointDriver.rungSettle(options).toMillis());
        }
        if (options.target() == null) {
            for (Contender c : options.contenders()) {
                out.println("  " + c.name() + ": " + (c.bare() ? BARE_NOTE : c.model()));
            }
        }
        out.println("report: " + dir.toAbsolutePath());
        out.println();
        // The server's CPU share is of the CPUs it may use: its own placement, or a target's affinity.
        List<String> names = options.target() != null ? List.of(options.targetName())
                : options.contenders().stream().map(Contender::name).toList();
        var table = new ConsoleTable(out, Report.serverCpus(options, placement), placement.othersCount(), names);
        List<PointResult> results = new ArrayList<>();
        List<PointResult> rungs = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        var progress = new PointDriver.Progress();
        var timing = new RunTiming(dir);
        var driver = new PointDriver(options, placement, table, results, rungs, progress, timing);
        try {
            if (options.target() != null) {
                progress.total = options.points().size() * options.repeats();
                runTarget(driver, table, machine, progress, skipped);
            } else {
                runScenarios(driver, table, machine, unitsPerMs, progress, skipped);
            }
        } catch (Exception | Error e) {
            // What was measured before the failure is kept: a partial report, which says where it stopped.
            if (!results.isEmpty()) {
                skipped.add("the run stopped early, after " + results.size() + " point(s): " + e);
                try {
                    Report.write(dir, machine, options, placement, unitsPerMs, results, rungs, skipped);
                    out.println("the run failed; wrote a partial report of " + results.size() + " point(s) to " + dir.resolve("report.html"));
                } catch (IOException | RuntimeException reportFailure) {
                    e.addSuppressed(reportFailure);
                }
            }
            throw e;
        }
        out.println();
        Report.write(dir, machine, options, placement, unitsPerMs, results, rungs, skipped);
        out.println(timing.summary());
        out.println("wrote " + dir.resolve("report.html") + ", results.csv, results.json, timing.csv and the charts (*.svg)");
        return dir;
    }

    private void runScenarios(PointDriver driver, ConsoleTable table, Machine machine, long unitsPerMs, PointDriver.Progress progress,
                              List<String> skipped) throws Exception {
        progress.total = options.scenarios().size() * options.contenders().size() * options.points().size() * options.repeats();
        try {
            if (options.scenarios().stream().anyMatch(s -> s.needsBackend)) {
                backend = ChildJvm.start("backend", placement.othersPrefix(), ComparisonOptions.BACKEND_FLAGS, List.of("backend"),
                        options.out().resolve("backend.log"));
                String line = backend.awaitLine("backend listening on port ");
                backendPort = Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
            }
            for (Scenario scenario : options.scenarios()) {
                table.header(scenario.id + ": " + scenario.description);
                List<Integer> wanted = new ArrayList<>(options.points());
                if (scenario == Scenario.IDLE && !options.pointsGiven()) {
                    // Idle connections go up to the most one process may hold: the open-file limit.
                    int largest = (int) Math.min(60_000, (machine.openFiles() - FD_MARGIN) / 1_000 * 1_000);
                    if (largest > wanted.getLast()) {
                        wanted.add(largest);
                        progress.total += options.contenders().size() * options.repeats();
                    }
                }
                List<Integer> points = new ArrayList<>();
                for (int p : wanted) {
                    String refusal = fdRefusal(scenario, p, machine.openFiles());
                    if (refusal == null) {
                        points.add(p);
                    } else {
                        skipped.add(scenario.id + " at " + p + " connections: " + refusal);
                        out.println("  skipped " + p + " connections: " + refusal);
                        if (options.points().contains(p)) {
                            progress.done += options.contenders().size() * options.repeats();
                        }
                    }
                }
                if (points.isEmpty()) {
                    continue;
                }
                for (Contender contender : options.contenders()) {
                    runContender(driver, scenario, contender, points, unitsPerMs, scenario.needsBackend ? backendPort : 0);
                }
            }
        } finally {
            if (backend != null) {
                backend.close();
            }
        }
    }

    /** The machine's open-file limit caps the connections one process can hold: say so rather than fail. */
    private static String fdRefusal(Scenario scenario, int connections, long limit) {
        long server = connections + (scenario.needsBackend ? Math.min(connections * (scenario == Scenario.FANOUT ? 10L : 1L), BACKEND_CONNECTIONS) : 0) + FD_MARGIN;
        long client = connections + FD_MARGIN;
        long need = Math.max(server, client);
        return need > limit ? "needs about " + need + " open files in one process; this machine allows " + limit : null;
    }

    private void runContender(PointDriver driver, Scenario scenario, Contender contender, List<Integer> points, long unitsPerMs,
                              int backendPort) throws Exception {
        Path log = options.out().resolve("server-" + scenario.id + "-" + contender.name() + ".log");
        try (var server = ChildJvm.start("server " + contender.name(), placement.serverPrefix(), options.serverFlags(),
                serverArgs(contender, points, backendPort), log)) {
            // The demo server prints its admin listener's "admin on http://host:port/metrics" first;
            // both servers then print "<name> server on http://host:port ..." once they listen.
            int metricsPort = contender.bare() ? -1
                    : Integer.parseInt(server.awaitLine("admin on http://").replaceAll("^admin on http://.*:(\\d+)/metrics.*$", "$1"));
            String ready = server.awaitLine(contender.bare() ? "bare server on http://" : "demo server on http://");
            int port = Integer.parseInt(ready.replaceAll("^\\w+ server on http://[^:]+:(\\d+).*$", "$1"));
            server.drainTo(log);
            double baselineMb = ProcStats.read(server.pid()).rssKb() / 1024.0; // the fresh server, before any load
            var subject = new PointDriver.Subject(scenario.id, contender.name(), new InetSocketAddress("127.0.0.1", port),
                    "127.0.0.1:" + port, scenario.path(unitsPerMs), server.pid(), metricsPort, baselineMb);
            var readBackend = backendPort > 0 ? (java.util.function.Supplier<long[]>) this::readBackend : null;
            if (options.wrk()) {
                driver.wrk(subject, points, readBackend);
                return;
            }
            List<String> extra = new ArrayList<>();
            if (scenario.abandon() != null) {
                extra.addAll(List.of("--abandon", scenario.abandon()));
            }
            if (scenario == Scenario.IDLE) {
                extra.add("--idle");
            }
            // A ladder measures throughput at rising rates: not what an idle or impatient point is for.
            boolean ladder = scenario != Scenario.IDLE && scenario.abandon() == null;
            driver.builtin(subject, points, extra, options.out().resolve("load-" + scenario.id + "-" + contender.name() + ".log"), readBackend,
                    ladder);
        }
    }

    /** A server someone else started ({@code --target URL}): the same points, the same generator, the same report. */
    private void runTarget(PointDriver driver, ConsoleTable table, Machine machine, PointDriver.Progress progress,
                           List<String> skipped) throws Exception {
        URI target = options.target();
        int port = target.getPort() > 0 ? target.getPort() : 80;
        String path = (target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath())
                + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
        long pid = options.targetPid();
        double baselineMb = pid > 0 ? ProcStats.read(pid).rssKb() / 1024.0 : -1;
        table.header("target: " + target);
        List<Integer> points = new ArrayList<>();
        for (int p : options.points()) {
            long need = p + FD_MARGIN; // the generator's sockets, in one process
            if (need > machine.openFiles()) {
                skipped.add("target at " + p + " connections: needs about " + need + " open files; this machine allows " + machine.openFiles());
                out.println("  skipped " + p + " connections: needs about " + need + " open files; this machine allows " + machine.openFiles());
                progress.done += options.repeats();
            } else {
                points.add(p);
            }
        }
        var subject = new PointDriver.Subject("target", options.targetName(), new InetSocketAddress(target.getHost(), port),
                target.getHost() + ":" + port, path, pid > 0 ? pid : -1, -1, baselineMb);
        if (options.wrk()) {
            driver.wrk(subject, points, null);
        } else if (!points.isEmpty()) {
            driver.builtin(subject, points, List.of(), options.out().resolve("load-target.log"), null, true);
        }
    }

    /** {@return the command line of the contender's server JVM: the demo server, or the bare reference} */
    private static List<String> serverArgs(Contender contender, List<Integer> points, int backendPort) {
        if (contender.bare()) {
            return List.of("bare", "--port", "0"); // no options: no limits, no backend, nothing to tune
        }
        // The server's connection limit must not be what a point measures: room for the largest point.
        int maxConnections = Math.max(12_000, points.getLast() + 1_000);
        List<String> serveArgs = new ArrayList<>(List.of("serve", "--mode", contender.mode().label(), "--port", "0",
                "--max-connections", Integer.toString(maxConnections), "--backend-connections", Integer.toString(BACKEND_CONNECTIONS),
                "--jvm-metrics", "off", // the JVM binders' JFR stream and GC listener are not what is compared
                "--admin-port", "0")); // meters read on threads of their own: an overloaded server answers them too
        if (contender.pool() > 0) {
            serveArgs.addAll(List.of("--pool", Integer.toString(contender.pool())));
        }
        // Without a limit of its own, a contender's admission limit is its connection limit: never
        // binding; or, adaptive, the ceiling of what it may learn.
        int limit = contender.limit() > 0 ? contender.limit() : maxConnections;
        serveArgs.addAll(List.of("--admission", contender.limit() == Contender.ADAPTIVE ? "adaptive" : "fixed"));
        serveArgs.addAll(List.of("--max-requests", Integer.toString(limit)));
        if (backendPort > 0) {
            serveArgs.addAll(List.of("--backend", "127.0.0.1:" + backendPort));
        }
        return serveArgs;
    }

    /** {@return the backend's {CPU ticks, delayed answers so far}, -1 for what it could not say} */
    private long[] readBackend() {
        long ticks;
        try {
            ticks = ProcStats.read(backend.pid()).cpuTicks();
        } catch (IOException e) {
            ticks = -1;
        }
        return new long[] {ticks, ServerMeters.backendAnswers(backendPort)};
    }
}
