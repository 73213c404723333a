package dev.loomkit.comparison.compare;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The main job: for each scenario and each contender, starts the demo server (or, for
 * {@code bare-virtual}, the bare reference server) in a JVM of its own,
 * drives it from a load-generator JVM at each point, samples the server's process between the
 * points' start and end, prints a table as it goes, and writes CSV, JSON and an HTML report.
 */
public final class Comparison {
    private static final Pattern NUMBER = Pattern.compile("\"(\\w+)\":(-?[0-9.]+)");
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

    public Comparison(List<String> args, PrintStream out) {
        this.options = ComparisonOptions.parse(args);
        this.out = out;
        this.placement = CpuPlacement.choose(options.serverCpus());
    }

    public static String help() {
        return ComparisonOptions.help();
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
        out.println("server JVM flags (identical for every mode): --enable-preview " + String.join(" ", options.serverFlags()));
        out.println("scheduling: " + ChildJvm.scheduling());
        out.println("CPUs: " + placement.describe());
        if (!placement.placed()) {
            out.println("warning: without CPUs of its own the server competes with the load generator and the backend; "
                    + "an I/O-bound scenario may measure their cost as much as the server's");
        }
        out.printf(Locale.ROOT, "load: %s%s, %d ms warm-up + %d ms measured per point, timeout %d ms, %d repeat(s); CPU unit: %d hashes = 1 ms here%n",
                options.wrk() ? "wrk, " : "built-in generator, ", options.rate() > 0 ? "open loop at " + (long) options.rate() + " req/s" : "closed loop",
                options.warmup().toMillis(), options.duration().toMillis(), options.timeout().toMillis(), options.repeats(), unitsPerMs);
        for (Contender c : options.contenders()) {
            out.println("  " + c.name() + ": " + (c.bare() ? BARE_NOTE : c.model()));
        }
        out.println("report: " + dir.toAbsolutePath());
        out.println();
        var table = new ConsoleTable(out, placement.serverCount());
        List<PointResult> results = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        int total = options.scenarios().size() * options.contenders().size() * options.points().size() * options.repeats();
        int done = 0;
        long started = System.nanoTime();
        try {
            if (options.scenarios().stream().anyMatch(s -> s.needsBackend)) {
                backend = ChildJvm.start("backend", placement.othersPrefix(), ComparisonOptions.BACKEND_FLAGS, List.of("backend"),
                        dir.resolve("backend.log"));
                String line = backend.awaitLine("backend listening on port ");
                backendPort = Integer.parseInt(line.substring(line.lastIndexOf(' ') + 1));
            }
            for (Scenario scenario : options.scenarios()) {
                table.header(scenario);
                List<Integer> wanted = new ArrayList<>(options.points());
                if (scenario == Scenario.IDLE && !options.pointsGiven()) {
                    // Idle connections go up to the most one process may hold: the open-file limit.
                    int largest = (int) Math.min(60_000, (machine.openFiles() - FD_MARGIN) / 1_000 * 1_000);
                    if (largest > wanted.getLast()) {
                        wanted.add(largest);
                        total += options.contenders().size() * options.repeats();
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
                            done += options.contenders().size() * options.repeats();
                        }
                    }
                }
                if (points.isEmpty()) {
                    continue;
                }
                for (Contender contender : options.contenders()) {
                    done = runContender(scenario, contender, points, unitsPerMs, scenario.needsBackend ? backendPort : 0, table, results,
                            done, total, started);
                }
            }
        } finally {
            if (backend != null) {
                backend.close();
            }
        }
        out.println();
        Report.write(dir, machine, options, placement, unitsPerMs, results, skipped);
        out.println("wrote " + dir.resolve("report.html") + ", results.csv, results.json and the charts (*.svg)");
        return dir;
    }

    /** The machine's open-file limit caps the connections one process can hold: say so rather than fail. */
    private static String fdRefusal(Scenario scenario, int connections, long limit) {
        long server = connections + (scenario.needsBackend ? Math.min(connections * (scenario == Scenario.FANOUT ? 10L : 1L), BACKEND_CONNECTIONS) : 0) + FD_MARGIN;
        long client = connections + FD_MARGIN;
        long need = Math.max(server, client);
        return need > limit ? "needs about " + need + " open files in one process; this machine allows " + limit : null;
    }

    private int runContender(Scenario scenario, Contender contender, List<Integer> points, long unitsPerMs, int backendPort,
                             ConsoleTable table, List<PointResult> results, int done, int total, long started) throws Exception {
        Path log = options.out().resolve("server-" + scenario.id + "-" + contender.name() + ".log");
        try (var server = ChildJvm.start("server " + contender.name(), placement.serverPrefix(), options.serverFlags(),
                serverArgs(contender, points, backendPort), log)) {
            // Both servers print "<name> server on http://host:port ..." once they listen.
            String ready = server.awaitLine(contender.bare() ? "bare server on http://" : "demo server on http://");
            int port = Integer.parseInt(ready.replaceAll("^\\w+ server on http://[^:]+:(\\d+).*$", "$1"));
            double baselineMb = ProcStats.read(server.pid()).rssKb() / 1024.0; // the fresh server, before any load
            if (options.wrk()) {
                return runWithWrk(scenario, contender, points, unitsPerMs, port, server, baselineMb, table, results, done, total, started);
            }
            List<String> plan = new ArrayList<>();
            for (int p : points) {
                for (int r = 0; r < options.repeats(); r++) {
                    plan.add(Integer.toString(p));
                }
            }
            List<String> loadArgs = List.of("load", "--target", "127.0.0.1:" + port, "--path", scenario.path(unitsPerMs),
                    "--points", String.join(",", plan), "--warmup", Long.toString(options.warmup().toMillis()),
                    "--duration", Long.toString(options.duration().toMillis()), "--timeout", Long.toString(options.timeout().toMillis()),
                    "--rate", Double.toString(options.rate()), "--sources", Integer.toString(options.sources()), "--paced", "true");
            if (scenario.abandon() != null || scenario == Scenario.IDLE) {
                loadArgs = new ArrayList<>(loadArgs);
                if (scenario.abandon() != null) {
                    loadArgs.addAll(List.of("--abandon", scenario.abandon()));
                }
                if (scenario == Scenario.IDLE) {
                    loadArgs.addAll(List.of("--idle", "true"));
                }
            }
            try (var load = ChildJvm.start("load generator", placement.othersPrefix(), ComparisonOptions.CLIENT_FLAGS, loadArgs,
                    options.out().resolve("load-" + scenario.id + "-" + contender.name() + ".log"))) {
                for (int i = 0; i < plan.size(); i++) {
                    int connections = Integer.parseInt(plan.get(i));
                    int repeat = i % options.repeats();
                    table.progress(String.format(Locale.ROOT, "  ... %s, %s, %,d connections (point %d of %d, %s elapsed)",
                            scenario.id, contender.name(), connections, done + 1, total, elapsed(started)));
                    // The generator holds each window until the samples before it are taken, and
                    // the next point until the samples after it are: a slow /metrics answer from an
                    // overloaded server must not shift the samples off the window.
                    String prefix = "{\"point\":" + i + ",";
                    load.awaitLine(prefix, "\"phase\":\"warm\"");
                    long[] subtasksBefore = serverMeters(contender, port);
                    Sides sidesBefore = sides(backendPort > 0, ProcStats.read(load.pid()).cpuTicks());
                    ProcStats before = ProcStats.read(server.pid());
                    var sampler = new RssSampler(server.pid());
                    load.send("go");
                    String end = load.awaitLine(prefix, "\"phase\":\"end\"");
                    ProcStats after = ProcStats.read(server.pid());
                    Sides sidesAfter = sides(backendPort > 0, ProcStats.read(load.pid()).cpuTicks());
                    sampler.stop();
                    long[] subtasksAfter = serverMeters(contender, port);
                    load.send("next");
                    PointResult r = result(scenario, contender, connections, repeat, end, before, after, sampler,
                            subtasksBefore, subtasksAfter, baselineMb, sidesBefore, sidesAfter);
                    results.add(r);
                    table.row(r);
                    done++;
                }
                load.waitFor(Duration.ofSeconds(60));
            }
        }
        return done;
    }

    /** {@return the command line of the contender's server JVM: the demo server, or the bare reference} */
    private static List<String> serverArgs(Contender contender, List<Integer> points, int backendPort) {
        if (contender.bare()) {
            return List.of("bare", "--port", "0"); // no options: no limits, no backend, nothing to tune
        }
        // The server's connection limit must not be what a point measures: room for the largest point.
        int maxConnections = Math.max(12_000, points.getLast() + 1_000);
        List<String> serveArgs = new ArrayList<>(List.of("serve", "--mode", contender.mode().label(), "--port", "0",
                "--max-connections", Integer.toString(maxConnections), "--backend-connections", Integer.toString(BACKEND_CONNECTIONS)));
        if (contender.pool() > 0) {
            serveArgs.addAll(List.of("--pool", Integer.toString(contender.pool())));
        }
        // Without a limit of its own, a contender's admission limit is its connection limit: never binding.
        int limit = contender.limit() > 0 ? contender.limit() : maxConnections;
        serveArgs.addAll(List.of("--max-requests", Integer.toString(limit)));
        if (backendPort > 0) {
            serveArgs.addAll(List.of("--backend", "127.0.0.1:" + backendPort));
        }
        return serveArgs;
    }

    /** {@return the server's request subtasks, {completed, cancelled}; absent (-1) for the bare reference, which has no /metrics} */
    private static long[] serverMeters(Contender contender, int port) {
        return contender.bare() ? new long[] {-1, -1} : ServerMeters.requestSubtasks(port);
    }

    private int runWithWrk(Scenario scenario, Contender contender, List<Integer> points, long unitsPerMs, int port, ChildJvm server,
                           double baselineMb, ConsoleTable table, List<PointResult> results, int done, int total, long started) throws Exception {
        String url = "http://127.0.0.1:" + port + scenario.path(unitsPerMs);
        for (int connections : points) {
            for (int repeat = 0; repeat < options.repeats(); repeat++) {
                table.progress(String.format(Locale.ROOT, "  ... %s, %s, %,d connections with wrk (point %d of %d, %s elapsed)",
                        scenario.id, contender.name(), connections, done + 1, total, elapsed(started)));
                WrkLoad.run(placement.othersPrefix(), placement.othersCount(), url, connections, options.warmup(), options.timeout());
                ProcStats before = ProcStats.read(server.pid());
                long[] subtasksBefore = serverMeters(contender, port);
                Sides sidesBefore = sides(backendPort > 0, ProcStats.reapedChildrenCpuTicks());
                var sampler = new RssSampler(server.pid());
                WrkLoad.Result w = WrkLoad.run(placement.othersPrefix(), placement.othersCount(), url, connections, options.duration(),
                        options.timeout());
                // wrk has ended and been waited for: its CPU is now in this process's reaped children's.
                Sides sidesAfter = sides(backendPort > 0, ProcStats.reapedChildrenCpuTicks());
                ProcStats after = ProcStats.read(server.pid());
                long[] subtasksAfter = serverMeters(contender, port);
                sampler.stop();
                var r = new PointResult(scenario.id, contender.name(), connections, repeat, w.seconds(), w.ok(), w.throughput(),
                        w.p50(), w.p90(), w.p99(), Double.NaN, w.max(), w.errors(), w.non2xx(), w.timeouts(), 0,
                        Math.max(sampler.peakKb(), after.rssKb()) / 1024.0, Math.max(sampler.peakThreads(), after.threads()),
                        (after.cpuTicks() - before.cpuTicks()) / ProcStats.TICKS_PER_SECOND,
                        after.voluntary() - before.voluntary(), after.involuntary() - before.involuntary(),
                        0, delta(subtasksBefore, subtasksAfter, 0), delta(subtasksBefore, subtasksAfter, 1), baselineMb,
                        sidesBefore.loadCpu(sidesAfter), sidesBefore.backendCpu(sidesAfter), sidesBefore.backendAnswers(sidesAfter));
                results.add(r);
                table.row(r);
                done++;
            }
        }
        return done;
    }

    private static PointResult result(Scenario s, Contender c, int connections, int repeat, String json, ProcStats before,
                                      ProcStats after, RssSampler sampler, long[] subtasksBefore, long[] subtasksAfter,
                                      double baselineMb, Sides sidesBefore, Sides sidesAfter) {
        Matcher m = NUMBER.matcher(json);
        var values = new java.util.HashMap<String, Double>();
        while (m.find()) {
            values.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return new PointResult(s.id, c.name(), connections, repeat, values.get("seconds"), values.get("requests").longValue(),
                values.get("throughput"), values.get("p50"), values.get("p90"), values.get("p99"), values.get("p999"),
                values.get("max"), values.get("errors").longValue(), values.get("rejected").longValue(), values.get("timeouts").longValue(),
                values.get("connectErrors").longValue(), Math.max(sampler.peakKb(), after.rssKb()) / 1024.0,
                Math.max(sampler.peakThreads(), after.threads()), (after.cpuTicks() - before.cpuTicks()) / ProcStats.TICKS_PER_SECOND,
                after.voluntary() - before.voluntary(), after.involuntary() - before.involuntary(),
                values.getOrDefault("abandoned", 0.0).longValue(), delta(subtasksBefore, subtasksAfter, 0),
                delta(subtasksBefore, subtasksAfter, 1), baselineMb, sidesBefore.loadCpu(sidesAfter), sidesBefore.backendCpu(sidesAfter),
                sidesBefore.backendAnswers(sidesAfter));
    }

    /**
     * A reading of what the server's two neighbours spent: the load generator's CPU ticks, and the
     * backend's CPU ticks and delayed answers (-1 when there is no backend, or it could not say).
     */
    private record Sides(long loadTicks, long backendTicks, long backendAnswers) {
        double loadCpu(Sides after) {
            return (after.loadTicks - loadTicks) / ProcStats.TICKS_PER_SECOND;
        }

        double backendCpu(Sides after) {
            return backendTicks < 0 || after.backendTicks < 0 ? -1 : (after.backendTicks - backendTicks) / ProcStats.TICKS_PER_SECOND;
        }

        long backendAnswers(Sides after) {
            return backendAnswers < 0 || after.backendAnswers < 0 ? -1 : after.backendAnswers - backendAnswers;
        }
    }

    private Sides sides(boolean withBackend, long loadTicks) {
        if (!withBackend || backend == null) {
            return new Sides(loadTicks, -1, -1);
        }
        long ticks;
        try {
            ticks = ProcStats.read(backend.pid()).cpuTicks();
        } catch (IOException e) {
            ticks = -1;
        }
        return new Sides(loadTicks, ticks, ServerMeters.backendAnswers(backendPort));
    }

    private static long delta(long[] before, long[] after, int i) {
        return before[i] < 0 || after[i] < 0 ? -1 : after[i] - before[i];
    }

    private static String elapsed(long startNanos) {
        long s = (System.nanoTime() - startNanos) / 1_000_000_000;
        return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    /** Samples the server's resident memory and threads while a point is measured. */
    private static final class RssSampler {
        private final AtomicLong peakKb = new AtomicLong();
        private final AtomicLong peakThreads = new AtomicLong();
        private volatile boolean running = true;
        private final Thread thread;

        RssSampler(long pid) {
            thread = Thread.ofVirtual().start(() -> {
                while (running) {
                    try {
                        long[] s = ProcStats.rssAndThreads(pid);
                        peakKb.accumulateAndGet(s[0], Math::max);
                        peakThreads.accumulateAndGet(s[1], Math::max);
                    } catch (IOException e) {
                        return;
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        void stop() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join();
        }

        long peakKb() {
            return peakKb.get();
        }

        long peakThreads() {
            return peakThreads.get();
        }
    }
}
