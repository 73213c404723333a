package dev.loomkit.comparison.compare;

import dev.loomkit.comparison.load.LoadLine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Measures the points of one server: drives it with the built-in load generator or with wrk,
 * reads its process before and after each window (when its pid is known), and what the
 * neighbours spent, and adds a row per point. The same for a server the comparison started and
 * for one given by URL ({@code --target}).
 */
final class PointDriver {

    /**
     * What is measured.
     *
     * @param scenario   the scenario's id in the results
     * @param contender  the contender's name in the results
     * @param address    where requests go
     * @param host       the authority (host:port): the Host header's value, and wrk's URL
     * @param path       the request target
     * @param pid        the server's process, or -1 if unknown (no RSS, threads or CPU then)
     * @param metricsPort the port of the demo server's admin listener, which serves its /metrics
     *                   (request subtasks, 503s by kind), or -1 for a server without them
     * @param baselineMb the fresh server's RSS, or -1 if unknown
     */
    record Subject(String scenario, String contender, InetSocketAddress address, String host, String path, long pid, int metricsPort,
                   double baselineMb) {
        /** Whether client sockets may be spread over 127.0.0.x source addresses: IPv4 loopback only. */
        boolean loopback() {
            return address.getAddress() instanceof java.net.Inet4Address a && a.isLoopbackAddress();
        }
    }

    /** How far the run is, for the progress line. */
    static final class Progress {
        int done;
        int total;
        final long started = System.nanoTime();

        String elapsed() {
            long s = (System.nanoTime() - started) / 1_000_000_000;
            return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
        }
    }

    /** The longest a window waits for the server's JIT after the warm-up ({@link JitSettle}). */
    static final Duration JIT_CAP = Duration.ofSeconds(30);

    private final ComparisonOptions options;
    private final CpuPlacement placement;
    private final ConsoleTable table;
    private final List<PointResult> results;
    /** The open-loop rate ladders' steps, apart from the points (one row per point is what the tables and charts expect). */
    private final List<PointResult> rungs;
    private final Progress progress;
    private final RunTiming timing;

    /**
     * {@return how long a ladder's step lets the server settle at a new rate before its window
     * opens: half a second, or the warm-up if shorter}
     */
    static Duration rungSettle(ComparisonOptions options) {
        return options.warmup().compareTo(Duration.ofMillis(500)) < 0 ? options.warmup() : Duration.ofMillis(500);
    }

    /**
     * {@return a ladder step's window: two thirds of a point's (2 s by default), since a ladder has
     * several; the generator runs it on, up to three times, for the answers a p99.9 needs}
     */
    static Duration rungWindow(ComparisonOptions options) {
        return Duration.ofMillis(Math.max(1, options.duration().toMillis() * 2 / 3));
    }

    PointDriver(ComparisonOptions options, CpuPlacement placement, ConsoleTable table, List<PointResult> results, List<PointResult> rungs,
                Progress progress, RunTiming timing) {
        this.rungs = rungs;
        this.timing = timing;
        this.options = options;
        this.placement = placement;
        this.table = table;
        this.results = results;
        this.progress = progress;
    }

    /**
     * Drives every point with one built-in load generator JVM, which holds each window until the
     * samples before it are taken.
     *
     * @param backend reads the backend's {CPU ticks, delayed answers}, or null for none
     * @param ladder  whether an open-loop rate ladder ({@link SaturationSearch}) at {@link
     *                ComparisonOptions#saturationAt()} connections follows that point, on connections of its own
     */
    void builtin(Subject s, List<Integer> points, List<String> extraLoadArgs, Path loadLog, Supplier<long[]> backend, boolean ladder)
            throws Exception {
        List<String> plan = new ArrayList<>();
        for (int p : points) {
            for (int r = 0; r < options.repeats(); r++) {
                plan.add(Integer.toString(p));
            }
        }
        // The ladder follows its point's repeats, on connections of its own that send nothing until
        // the server is idle: at the end of the points it met servers still in the aftermath of 10,000
        // connections (a selector pool's queue of clients gone; an adaptive limit refusing 80% of
        // 125 req/s on a CPU-bound server), and measured that rather than their capacity.
        int ladderIndex = -1;
        if (ladder && points.contains(options.saturationAt())) {
            ladderIndex = (points.indexOf(options.saturationAt()) + 1) * options.repeats();
            plan.add(ladderIndex, Integer.toString(options.saturationAt()));
        }
        List<String> loadArgs = new ArrayList<>(List.of("load", "--target", s.address().getHostString() + ":" + s.address().getPort(),
                "--host", s.host(), "--path", s.path(), "--points", String.join(",", plan),
                // The harness holds the warm-up (below), with the JIT's readings inside it.
                "--warmup", "0", "--duration", Long.toString(options.duration().toMillis()),
                "--timeout", Long.toString(options.timeout().toMillis()), "--rate", Double.toString(options.rate()),
                // Spreading sockets over 127.0.0.x source addresses works only towards loopback.
                "--sources", Integer.toString(s.loopback() ? options.sources() : 0), "--paced"));
        loadArgs.addAll(List.of("--hlog", HlogCharts.prefix(options.out(), s.scenario(), s.contender())));
        loadArgs.addAll(extraLoadArgs);
        if (ladderIndex >= 0) {
            loadArgs.addAll(List.of("--ladder-point", Integer.toString(ladderIndex)));
        }
        try (var load = ChildJvm.start("load generator", placement.othersPrefix(), ComparisonOptions.CLIENT_FLAGS, loadArgs, loadLog)) {
            for (int i = 0; i < plan.size(); i++) {
                int connections = Integer.parseInt(plan.get(i));
                if (i == ladderIndex) {
                    long ladderStart = System.nanoTime();
                    double connect = load.awaitLoadLine(i, LoadLine.WARM).figureOr("connectSeconds", -1);
                    // Connected, sending nothing: first the server finishes what the point before
                    // left it (a pool's queue of requests whose clients have gone, say).
                    Duration idle = ServerIdle.await(s.pid());
                    if (idle.compareTo(ServerIdle.STEP.multipliedBy(3)) > 0) {
                        table.note(String.format(Locale.ROOT, "%s: waited %.1f s for the server to finish the work the point before left it%s",
                                s.contender(), idle.toMillis() / 1000.0, idle.compareTo(ServerIdle.CAP) >= 0 ? " (it had not, at the cap)" : ""));
                    }
                    // From the most the closed loop answered at these connections or fewer: where it
                    // collapsed at these (every client waiting past its timeout), the open loop may
                    // still find a rate the server sustains.
                    double best = results.stream().filter(r -> r.scenario().equals(s.scenario()) && r.contender().equals(s.contender())
                            && r.connections() <= connections).mapToDouble(PointResult::throughput).max().orElse(0);
                    ladder(s, load, i, connections, best, backend, ladderStart, connect, idle.toMillis() / 1000.0);
                    load.send("next");
                    continue;
                }
                table.progress(String.format(Locale.ROOT, "  ... %s, %s, %,d connections (point %d of %d, %s elapsed)",
                        s.scenario(), s.contender(), connections, progress.done + 1, progress.total, progress.elapsed()));
                // The generator holds each window until the samples before it are taken, and the
                // next point until the samples after it are: a slow /metrics answer from an
                // overloaded server must not shift the samples off the window.
                long pointStart = System.nanoTime();
                LoadLine warm = load.awaitLoadLine(i, LoadLine.WARM); // connected: the warm-up load is on
                // The warm-up: at least its time, and on until the server's JIT is quiet.
                Duration held = JitSettle.await(s.pid(), options.warmup(), options.warmup().plus(JIT_CAP));
                // What the hold took past its shortest (the warm-up, or the two quiet readings) is the JIT's.
                long shortest = JitSettle.shortestHold(s.pid(), options.warmup()).toMillis();
                double heldMore = Math.max(0, held.toMillis() - shortest) / 1000.0;
                if (heldMore > JitSettle.STEP_MILLIS / 1000.0) { // more than a reading's slack
                    table.progress(String.format(Locale.ROOT, "  ... %s, %s, %,d connections: warm-up held %.1f s more for the server's JIT",
                            s.scenario(), s.contender(), connections, heldMore));
                }
                Window w = window(s, load, i, backend);
                LoadLine end = w.end();
                int repeat = (ladderIndex >= 0 && i > ladderIndex ? i - 1 : i) % options.repeats();
                add(w.point(s, connections, repeat));
                load.send("next");
                timing.point(s.scenario(), s.contender(), connections, repeat, warm.figureOr("connectSeconds", -1),
                        Math.min(held.toMillis(), shortest) / 1000.0, heldMore, end.figure("seconds"),
                        w.readingSeconds(), warm.figureOr("teardownSeconds", -1), (System.nanoTime() - pointStart) / 1e9);
            }
            load.waitFor(Duration.ofSeconds(60));
        }
    }

    /**
     * Steps a point's connections, made for it, through open-loop rates up to saturation ({@link
     * SaturationSearch}), each with a window of its own, read around like a point's; its rows go
     * to {@link #rungs}, and the table prints them.
     *
     * @param closedThroughput the most the closed loop answered at these connections or fewer
     * @param ladderStart      when the ladder's point began, making its connections
     * @param connectSeconds   how long that took, as the generator says (-1 if not)
     * @param idleSeconds      how long the server then took to be idle, counted as the ladder's settling
     */
    private void ladder(Subject s, ChildJvm load, int index, int connections, double closedThroughput, Supplier<long[]> backend,
                        long ladderStart, double connectSeconds, double idleSeconds) throws Exception {
        double settle = idleSeconds;
        double windows = 0;
        double readings = 0;
        var search = new SaturationSearch(closedThroughput, rungWindow(options).toMillis() / 1000.0);
        table.ladderHeader(connections);
        for (double rate; (rate = search.next()) > 0; ) {
            table.progress(String.format(Locale.ROOT, "  ... %s, %s, %,d connections, open loop at %,.0f req/s (%s elapsed)",
                    s.scenario(), s.contender(), connections, rate, progress.elapsed()));
            load.send(String.format(Locale.ROOT, "rate %.3f %d", rate, rungWindow(options).toMillis()));
            // The generator has waited for the requests sent at the old rate (or in the closed
            // loop) to finish, and starts every connection's schedule afresh: a backlog of the old
            // rate is neither answered nor sent in the new window. Then the new rate settles.
            LoadLine warm = load.awaitLoadLine(index, LoadLine.WARM);
            if (warm.figureOr("stillInFlight", 0) > 0) {
                // The drain gave up after a timeout and a second: what is left may end in this window.
                table.note(String.format(Locale.ROOT, "%,.0f requests of the step before were still in flight after %.1f s: "
                        + "the next window may count their endings", warm.figure("stillInFlight"), warm.figureOr("drainSeconds", 0)));
            }
            long settleStart = System.nanoTime();
            Thread.sleep(rungSettle(options));
            settle += (System.nanoTime() - settleStart) / 1e9 + warm.figureOr("drainSeconds", 0);
            Window w = window(s, load, index, backend);
            windows += w.end().figure("seconds");
            readings += w.readingSeconds();
            PointResult r = w.point(s, connections, 0).offered(search.next()).due((long) w.end().figureOr("due", -1)).build();
            rungs.add(r);
            var rung = search.record(r.throughput(), r.due(), r.errors() + r.rejected() + r.timeouts(), r.seconds());
            table.rung(r, rung.sustained());
        }
        table.saturation(s.contender(), search.summary());
        timing.ladder(s.scenario(), s.contender(), connections, connectSeconds, settle, windows, readings,
                (System.nanoTime() - ladderStart) / 1e9);
    }

    /** One window of the built-in generator: its end line, the readings around it, and how long they took. */
    private record Window(LoadLine end, Reading before, Reading after, RssSampler sampler, double readingSeconds) {
        /** {@return a point's figures from the generator's end line and the readings around its window} */
        PointResult.Builder point(Subject s, int connections, int repeat) {
            return builder(s, connections, repeat, end.figure("seconds"), (long) end.figure("requests"), end.figure("throughput"),
                    new double[] {latency(end, "p50"), latency(end, "p90"), latency(end, "p99"), latency(end, "p999"), latency(end, "max")},
                    new long[] {(long) end.figure("errors"), (long) end.figure("rejected"), (long) end.figure("timeouts"),
                            (long) end.figure("connectErrors"), (long) end.figure("abandoned"), (long) end.figureOr("stillConnecting", -1)},
                    before, after, sampler);
        }
    }

    /**
     * Opens the generator's window (it waits, warmed up, for "go"), and reads the server, the
     * generator and the backend before and after it, the peak RSS and threads between.
     */
    private Window window(Subject s, ChildJvm load, int index, Supplier<long[]> backend) throws Exception {
        long readStart = System.nanoTime();
        Reading before = read(s, () -> ProcStats.read(load.pid()).cpuTicks(), backend, true);
        long reading = System.nanoTime() - readStart;
        var sampler = new RssSampler(s.pid());
        load.send("go");
        LoadLine end = load.awaitLoadLine(index, LoadLine.END);
        readStart = System.nanoTime();
        Reading after = read(s, () -> ProcStats.read(load.pid()).cpuTicks(), backend, false);
        reading += System.nanoTime() - readStart;
        sampler.stop();
        return new Window(end, before, after, sampler, reading / 1e9);
    }

    /** Drives each point with wrk: a warm-up run, then the measured one. */
    void wrk(Subject s, List<Integer> points, Supplier<long[]> backend) throws Exception {
        String url = "http://" + s.host() + s.path();
        for (int connections : points) {
            for (int repeat = 0; repeat < options.repeats(); repeat++) {
                table.progress(String.format(Locale.ROOT, "  ... %s, %s, %,d connections with wrk (point %d of %d, %s elapsed)",
                        s.scenario(), s.contender(), connections, progress.done + 1, progress.total, progress.elapsed()));
                // Warm-up runs until one leaves the server's JIT quiet (see JitSettle), at most JIT_CAP.
                long warmStart = System.nanoTime();
                long compiled;
                do {
                    var jitBefore = s.pid() < 0 ? null : JitSettle.compilerTicksByThread(s.pid());
                    WrkLoad.run(placement.othersPrefix(), placement.othersCount(), url, connections, options.warmup(), options.timeout());
                    var jitAfter = jitBefore == null ? null : JitSettle.compilerTicksByThread(s.pid());
                    compiled = jitAfter == null ? 0 : JitSettle.compiled(jitBefore, jitAfter);
                } while (compiled > JitSettle.QUIET_TICKS * Math.max(1, options.warmup().toMillis() / 500)
                        && System.nanoTime() - warmStart < JIT_CAP.toNanos());
                long readStart = System.nanoTime();
                Reading before = read(s, ProcStats::reapedChildrenCpuTicks, backend, true);
                long readBefore = System.nanoTime() - readStart;
                var sampler = new RssSampler(s.pid());
                WrkLoad.Result w = WrkLoad.run(placement.othersPrefix(), placement.othersCount(), url, connections, options.duration(),
                        options.timeout());
                // wrk has ended and been waited for: its CPU is now in this process's reaped children's.
                readStart = System.nanoTime();
                Reading after = read(s, ProcStats::reapedChildrenCpuTicks, backend, false);
                long readAfter = System.nanoTime() - readStart;
                sampler.stop();
                // wrk makes its connections inside its runs: the warm-up runs are the warm-up and the JIT's hold.
                timing.point(s.scenario(), s.contender(), connections, repeat, -1, (readStart - warmStart) / 1e9 - w.seconds()
                        - readBefore / 1e9, -1, w.seconds(), (readBefore + readAfter) / 1e9, -1, (System.nanoTime() - warmStart) / 1e9);
                add(builder(s, connections, repeat, w.seconds(), w.ok(), w.throughput(), new double[] {w.p50(), w.p90(), w.p99(), Double.NaN, w.max()},
                        new long[] {w.errors(), w.non2xx(), w.timeouts(), 0, 0, -1}, before, after, sampler));
            }
        }
    }

    /** One reading around a window: the server's process, its own meters ({@link ServerMeters#read}), the generator's CPU, the backend's. */
    private record Reading(ProcStats server, long[] subtasks, long loadTicks, long[] backend) {
    }

    /**
     * Reads around a window. The server's /metrics can answer slowly when it is overloaded, so the
     * slow readings come before the window's {@code /proc} readings ({@code before}) or after them:
     * the server's, the generator's and the backend's CPU are then taken together at the window's
     * edges, not seconds outside them (the load goes on until the next point: a backend read after
     * a slow /metrics counted seconds more of its CPU than the window had).
     */
    private static Reading read(Subject s, LoadTicks loadTicks, Supplier<long[]> backend, boolean before) throws IOException {
        long[] subtasks = before ? meters(s) : null;
        ProcStats server = s.pid() < 0 ? null : ProcStats.read(s.pid());
        long load = loadTicks.read();
        long[] neighbour = backend == null ? new long[] {-1, -1} : backend.get();
        if (!before) {
            subtasks = meters(s);
        }
        return new Reading(server, subtasks, load, neighbour);
    }

    /** {@return the server's own meters ({@link ServerMeters#read}), or unknown for a server without them} */
    private static long[] meters(Subject s) throws IOException {
        return s.metricsPort() > 0 ? ServerMeters.read(s.metricsPort()) : ServerMeters.UNKNOWN;
    }

    /** The load generator's CPU ticks so far. */
    @FunctionalInterface
    private interface LoadTicks {
        long read() throws IOException;
    }

    /** latencies: p50, p90, p99, p99.9, max; counts: errors, 503s, timeouts, connect errors, abandoned, still connecting (-1: unknown). */
    private static PointResult.Builder builder(Subject s, int connections, int repeat, double seconds, long requests, double throughput,
                                               double[] latencies, long[] counts, Reading before, Reading after, RssSampler sampler) {
        var r = PointResult.builder(s.scenario(), s.contender(), connections, repeat)
                .seconds(seconds).requests(requests).throughput(throughput)
                .p50(latencies[0]).p90(latencies[1]).p99(latencies[2]).p999(latencies[3]).max(latencies[4])
                .errors(counts[0]).rejected(counts[1]).timeouts(counts[2]).connectErrors(counts[3]).abandoned(counts[4]).stillConnecting(counts[5])
                .subtasksCompleted(delta(before.subtasks, after.subtasks, 0)).subtasksCancelled(delta(before.subtasks, after.subtasks, 1))
                .admissionRefused(delta(before.subtasks, after.subtasks, 2)).connectionsRejected(delta(before.subtasks, after.subtasks, 3))
                .baselineRssMb(s.baselineMb())
                .loadCpuSeconds((after.loadTicks - before.loadTicks) / ProcStats.TICKS_PER_SECOND)
                .backendCpuSeconds(before.backend[0] < 0 || after.backend[0] < 0 ? -1 : (after.backend[0] - before.backend[0]) / ProcStats.TICKS_PER_SECOND)
                .backendAnswers(delta(before.backend, after.backend, 1));
        if (before.server != null && after.server != null) {
            r.peakRssMb(Math.max(sampler.peakKb(), after.server.rssKb()) / 1024.0)
                    .threads(Math.max(sampler.peakThreads(), after.server.threads()))
                    .cpuSeconds((after.server.cpuTicks() - before.server.cpuTicks()) / ProcStats.TICKS_PER_SECOND)
                    .voluntarySwitches(after.server.voluntary() - before.server.voluntary())
                    .involuntarySwitches(after.server.involuntary() - before.server.involuntary());
        }
        return r;
    }

    /** Adds a point: to the results, to the table, to the progress. */
    private void add(PointResult.Builder b) {
        PointResult point = b.build();
        results.add(point);
        table.row(point);
        progress.done++;
    }

    /** {@return a latency from the generator's line; NaN for its -1, which means nothing was answered} */
    private static double latency(LoadLine end, String key) {
        double ms = end.figure(key);
        return ms < 0 ? Double.NaN : ms;
    }

    private static long delta(long[] before, long[] after, int i) {
        return before[i] < 0 || after[i] < 0 ? -1 : after[i] - before[i];
    }

    /** Samples the server's resident memory and threads while a point is measured (nothing without a pid). */
    private static final class RssSampler {
        private final AtomicLong peakKb = new AtomicLong();
        private final AtomicLong peakThreads = new AtomicLong();
        private volatile boolean running = true;
        private final Thread thread;

        RssSampler(long pid) {
            thread = pid < 0 ? null : Thread.ofVirtual().start(() -> {
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
            if (thread != null) {
                thread.interrupt();
                thread.join();
            }
        }

        long peakKb() {
            return peakKb.get();
        }

        long peakThreads() {
            return peakThreads.get();
        }
    }
}
