package dev.loomkit.comparison.load;

import dev.loomkit.comparison.http.ResponseReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.HdrHistogram.Recorder;

/**
 * The built-in load generator, run in a JVM of its own. For each point (a number of connections) it
 * opens the connections, runs a warm-up, then measures for a fixed time, and prints one JSON line.
 * Each connection is a virtual thread with a blocking keep-alive socket.
 * <ul>
 *   <li>closed loop: each connection sends its next request when the last answer arrived;</li>
 *   <li>open loop ({@code rate > 0}): requests are due at a fixed total rate, spread over the
 *       connections, and latency counts from when a request was due, not when it was sent, so a
 *       stalled server cannot hide its queue (coordinated omission).</li>
 * </ul>
 * Client sockets are spread over several loopback source addresses (127.0.0.1, 127.0.0.2, ...) so
 * that many connections do not exhaust one address's ephemeral ports; with no sources (a target
 * that is not on loopback) the kernel chooses.
 */
public final class LoadGenerator {
    /** Latencies up to this are recorded exactly (3 significant digits); longer ones are clamped. */
    private static final long MAX_LATENCY_MICROS = Duration.ofSeconds(60).toNanos() / 1000;
    /**
     * Answers a window needs for its p99.9: a thousand, so that at least one lies beyond it. A
     * window short of them runs on (at most twice its length again), else its p99.9 is unknown.
     */
    static final long P999_SAMPLES = 1_000;
    /** The highest open-loop rate a plan or the harness may ask for, in requests/s in total. */
    static final double MAX_RATE = 10_000_000;

    /**
     * What to run: the same request against the same server, at each point; the connections of the
     * point at index {@code ladderPoint} (-1 for none) send nothing until the harness gives them a
     * rate (a rate ladder's).
     */
    public record Plan(InetSocketAddress target, String host, String path, List<Integer> points, Duration warmup, Duration duration,
                       Duration timeout, double rate, int sources, double abandonShare, Duration abandonAfter, boolean idle,
                       String hlog, int ladderPoint) {
    }

    private final Plan plan;
    private final PrintStream out;
    /** Paced by the harness: it says "go" to open a point's window and "next" to start the next point. */
    private final java.io.BufferedReader control;
    private final byte[] request;

    private volatile boolean measuring;
    private volatile boolean stopping;
    /**
     * The open loop's pace: nanoseconds between one connection's requests, 0 for closed loop. Set
     * by the main thread for each point, and again for each step of a rate ladder ("rate R MS"
     * from the harness); each connection reads it before every request. {@link #paceGeneration}
     * changes with it, so that a connection behind its old schedule starts the new one afresh
     * instead of sending its backlog at once.
     */
    private volatile long intervalNanos;
    private volatile int paceGeneration;
    /** Requests sent and not yet answered, timed out or failed: a change of pace waits for them (see {@link #pace}). */
    private final AtomicInteger inFlight = new AtomicInteger();
    /** {@link #intervalNanos} while a change of pace waits for the old pace's requests: nothing is sent. */
    private static final long PAUSED = -1;
    /**
     * Each connection's first due time at the current pace (its schedule is that plus whole
     * intervals), or {@link Long#MIN_VALUE} before it has one: from these a window knows exactly how
     * many requests fell due in it. Written by the connections, read by the main thread.
     */
    private volatile AtomicLongArray phases = new AtomicLongArray(0);
    private final Recorder recorder = new Recorder(MAX_LATENCY_MICROS, 3);
    private final LongAdder errors = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder abandoned = new LongAdder();
    private final LongAdder idleHeld = new LongAdder(); // connections answered and now held idle
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder connectErrors = new LongAdder();
    private volatile String firstError;
    /** How long the previous point's connections took to end: the generator's main thread only. */
    private long lastTeardownNanos;
    private final Semaphore connecting = new Semaphore(256); // stay within the server's listen backlog

    /**
     * @param plan    what to run
     * @param out     where the JSON lines go
     * @param control where the harness's "go" and "next" come from, or {@code null} to run unpaced
     */
    public LoadGenerator(Plan plan, PrintStream out, java.io.BufferedReader control) {
        this.plan = plan;
        this.out = out;
        this.control = control;
        this.request = ("GET " + plan.path() + " HTTP/1.1\r\nHost: " + plan.host() + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Runs every point; prints a JSON line per point. */
    public void run() throws InterruptedException {
        for (int i = 0; i < plan.points().size(); i++) {
            runPoint(i, plan.points().get(i));
        }
    }

    private void runPoint(int index, int connections) throws InterruptedException {
        stopping = false;
        measuring = false;
        long pointStart = System.nanoTime();
        var started = new CountDownLatch(connections);
        List<Thread> threads = new ArrayList<>(connections);
        var phaseArray = new AtomicLongArray(connections);
        for (int c = 0; c < connections; c++) {
            phaseArray.set(c, Long.MIN_VALUE);
        }
        phases = phaseArray;
        // A ladder's point connects and waits, sending nothing, for the harness's first rate: the
        // server may still be busy with the point before.
        pace(index == plan.ladderPoint() ? PAUSED : plan.rate(), connections, threads);
        for (int c = 0; c < connections; c++) {
            InetAddress source = sourceAddress(c);
            int connection = c;
            threads.add(Thread.ofVirtual().name("conn-" + c).start(() -> connectionLoop(connection, source, started)));
        }
        try {
            // Every connection's first attempt counts, connected or not; but an attempt can be slow
            // (a full listen backlog, or loopback ports scarce after a point that churned through
            // connections: bind then searches a crowded port range). Bounded: the point goes on with
            // the connections it has, and the ones still trying join it as they connect (at most 256
            // attempts at a time, see connecting: the rest wait their turn here). As long as a
            // request may take, and two seconds more: a server that has not taken its connections by
            // then is one whose clients wait to connect, and that is what the window should see (it
            // was 30 s, and a default run spent 159 s of its 12½ minutes here, mostly on the
            // thread-per-connection pools at 5,000 and 10,000 connections). How many had not made
            // their first attempt is in the generator's log (load-*.log in the report).
            long budget = plan.timeout().toMillis() + 2_000;
            if (!started.await(budget, TimeUnit.MILLISECONDS)) {
                System.err.printf(Locale.ROOT, "point %d: %d of %d connections had not made their first attempt after %d ms; going on%n",
                        index, started.getCount(), connections, budget);
            }
            long connected = System.nanoTime();
            sleep(plan.warmup());
            // The harness samples the server before the window opens; its sampling can be slow (an
            // overloaded server answers its /metrics late), so the window waits for it rather than
            // leaving part of the window outside its samples. The warm-up load goes on meanwhile.
            // Where the time goes, for the harness's timing.csv: making the connections, and ending the
            // previous point's (the run's length is mostly what is not a window).
            var warm = new java.util.LinkedHashMap<String, Double>();
            warm.put("connectSeconds", (connected - pointStart) / 1e9);
            warm.put("teardownSeconds", lastTeardownNanos / 1e9);
            out.println(new LoadLine(index, connections, LoadLine.WARM, warm).json());
            out.flush();
            // "go" opens the point's window. Then, or instead (a point made for a ladder alone, as the
            // harness does), the harness may step the point's connections through open-loop rates (a
            // rate ladder, up to saturation): "rate R MS" paces them at R requests/s in total and
            // opens a window of MS once it says "go"; "next" ends the point.
            String first = control == null ? "go" : awaitControl(); // unpaced: each point's window, and no ladder
            if (first.equals("go")) {
                window(index, connections, started, threads, plan.duration(), hlogFile(index, connections, 0));
                first = awaitControl();
            }
            for (String command = first; !command.equals("next"); command = awaitControl()) {
                double rate;
                long windowMs;
                try {
                    String[] words = command.split(" ");
                    if (words.length != 3 || !words[0].equals("rate")) {
                        throw new IllegalArgumentException();
                    }
                    rate = Double.parseDouble(words[1]);
                    windowMs = Long.parseLong(words[2]);
                } catch (IllegalArgumentException e) {
                    rate = -1;
                    windowMs = -1;
                }
                if (!(rate > 0 && rate <= MAX_RATE) || windowMs < 1) {
                    throw new IllegalStateException("expected 'next' or 'rate R MS' from the harness (R in (0, " + (long) MAX_RATE
                            + "], MS at least 1), got '" + command + "'");
                }
                if (plan.idle() || plan.abandonShare() > 0) {
                    throw new IllegalStateException("'" + command + "': a rate ladder paces requests, and this plan's connections "
                            + (plan.idle() ? "sit idle" : "walk away from theirs"));
                }
                // What the server still holds from the old pace (a closed loop's queue, a rate it could
                // not keep up with) would be answered in the new window, and requests of the new pace
                // queued behind it would be answered late: so nothing is sent until the old pace's
                // requests have finished, for as long as a request may take.
                pace(PAUSED, connections, threads);
                long drainStart = System.nanoTime();
                long drainUntil = drainStart + plan.timeout().toNanos() + TimeUnit.SECONDS.toNanos(1);
                while (inFlight.get() > 0 && System.nanoTime() - drainUntil < 0) {
                    Thread.sleep(10);
                }
                double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
                int stillInFlight = inFlight.get();
                pace(rate, connections, threads);
                out.println(new LoadLine(index, connections, LoadLine.WARM, java.util.Map.of("rate", rate,
                        "drainSeconds", drainSeconds, "stillInFlight", (double) stillInFlight)).json());
                out.flush();
                awaitControl("go");
                window(index, connections, started, threads, Duration.ofMillis(windowMs), hlogFile(index, connections, rate));
            }
        } finally {
            // However the point ends (a harness that went away, a command it did not understand),
            // its connections end with it.
            // The harness reads the server's meters after the last window before it says "next": only
            // then end the requests still waiting (instead of waiting out their timeouts, up to 3 s per
            // overloaded point), so that what this teardown cancels is not counted as the point's.
            // An interrupted virtual thread's blocking socket read closes its socket and returns at once.
            long teardownStart = System.nanoTime();
            stopping = true; // before the interrupts: an idle connection holds on until it sees this
            for (Thread t : threads) {
                t.interrupt();
            }
            long joinUntil = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            for (Thread t : threads) {
                long left = joinUntil - System.nanoTime();
                if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                    System.err.println("point " + index + ": connections still ending after 30 s; going on");
                    break;
                }
            }
            lastTeardownNanos = System.nanoTime() - teardownStart;
        }
    }

    /**
     * Paces every connection at {@code rate} requests/s in total; 0 for closed loop. A connection
     * waiting for its next request's time is woken to start the new schedule at once: at a low
     * rate it may wait seconds, longer than a window.
     */
    private void pace(double rate, int connections, List<Thread> threads) {
        long interval = rate == PAUSED ? PAUSED : rate > 0 ? Math.max(1, (long) (1e9 * connections / rate)) : 0;
        // Each connection's schedule at a random phase, set here rather than when the connection
        // next looks: one still finishing a request starts behind it, and the window counts the
        // requests due from when the pace began (see dueBetween).
        long now = System.nanoTime();
        var random = java.util.concurrent.ThreadLocalRandom.current();
        for (int c = 0; c < phases.length(); c++) {
            phases.set(c, interval > 0 ? now + (long) (random.nextDouble() * interval) : Long.MIN_VALUE);
        }
        intervalNanos = interval;
        paceGeneration++; // the main thread's only; after the phases, which a connection reads once it sees this change
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
    }

    /** {@return the open loop's rate in requests/s in total, 0 in closed loop or paused} */
    private double rate(int connections) {
        long interval = intervalNanos;
        return interval <= 0 ? 0 : 1e9 * connections / interval;
    }

    /** {@return the point's .hlog (a rate ladder's step has its own, named by its rate), or null for none} */
    private Path hlogFile(int index, int connections, double rate) {
        if (plan.hlog() == null) {
            return null;
        }
        return rate > 0 ? rungHlogFile(plan.hlog(), connections, rate)
                : hlogFile(plan.hlog(), connections, (int) plan.points().subList(0, index).stream().filter(p -> p == connections).count());
    }

    /**
     * Measures one window and prints its end line: the rate it was paced at ({@code rate}, 0 in
     * closed loop) with its figures.
     */
    private void window(int index, int connections, CountDownLatch started, List<Thread> threads, Duration duration, Path hlog)
            throws InterruptedException {
        recorder.reset();
        errors.reset();
        rejected.reset();
        abandoned.reset();
        timeouts.reset();
        connectErrors.reset();
        // Clients that have not yet made their first connection attempt as the window opens (the
        // budget above lets the point go on without them): they join it as they connect.
        long stillConnecting = started.getCount();
        out.println(LoadLine.of(index, connections, LoadLine.START).json());
        out.flush();
        long start = System.nanoTime();
        measuring = true;
        Histogram h = measure(start, connections, duration, hlog);
        measuring = false;
        long elapsed = System.nanoTime() - start;
        // The answers of the window are the ones in its histogram: an answer that came after the
        // last interval was taken (the generator's thread may be descheduled there for a while on
        // a busy machine) counts in neither, so the requests and the .hlog always agree. For idle
        // points, "requests" are the connections held open at the end.
        long answered = plan.idle() ? idleHeld.sum() : h.getTotalCount();
        double rate = rate(connections);
        long due = intervalNanos <= 0 ? -1 : dueBetween(phases, intervalNanos, start, start + elapsed);
        // Nothing more is sent while the harness reads the server after the window (its meters
        // must count the window's requests, not the next ones); the requests in flight finish.
        // Idle connections are let go, as before the point's teardown; others wait, paused, for
        // a ladder's next rate or the teardown.
        if (plan.idle()) {
            stopping = true;
        } else {
            pace(PAUSED, connections, threads);
        }
        var figures = new java.util.LinkedHashMap<String, Double>();
        figures.put("seconds", elapsed / 1e9);
        figures.put("rate", rate);
        // In the open loop, the requests that fell due in the window, counted exactly from each
        // connection's schedule: what the window's answers are measured against (a rate times the
        // window's length is not a whole number of requests per connection: at a low rate, most
        // connections have one request in a window or none).
        figures.put("due", (double) due);
        figures.put("requests", (double) answered);
        figures.put("throughput", plan.idle() ? 0.0 : answered / (elapsed / 1e9));
        // No answer, no latency: -1 (read as absent), not the 0 an empty histogram would give.
        figures.put("p50", latency(h, 50));
        figures.put("p90", latency(h, 90));
        figures.put("p99", latency(h, 99));
        // The 99.9th percentile of fewer than a thousand answers is only their largest few: unknown.
        figures.put("p999", h.getTotalCount() < P999_SAMPLES ? -1 : latency(h, 99.9));
        figures.put("max", latency(h, 100));
        figures.put("mean", h.getTotalCount() == 0 ? -1.0 : h.getMean() / 1000.0);
        figures.put("errors", (double) errors.sum());
        figures.put("rejected", (double) rejected.sum());
        figures.put("timeouts", (double) timeouts.sum());
        figures.put("connectErrors", (double) connectErrors.sum());
        figures.put("abandoned", (double) abandoned.sum());
        figures.put("stillConnecting", (double) stillConnecting);
        out.println(new LoadLine(index, connections, LoadLine.END, figures).json());
        out.flush();
        if (firstError != null) {
            System.err.println("point " + index + " (" + connections + " connections): first I/O error: " + firstError);
            firstError = null;
        }
    }

    /**
     * {@return how many requests fell due in {@code [from, to)}} Each connection's requests are due
     * at its phase plus whole intervals; a connection without a phase (not yet connected at this
     * pace) has none.
     */
    static long dueBetween(AtomicLongArray phases, long interval, long from, long to) {
        long due = 0;
        for (int c = 0; c < phases.length(); c++) {
            long phase = phases.get(c);
            if (phase != Long.MIN_VALUE) {
                due += scheduled(phase, interval, to) - scheduled(phase, interval, from);
            }
        }
        return due;
    }

    /** {@return how many of the times {@code phase + k * interval}, k >= 0, lie before {@code t}} */
    private static long scheduled(long phase, long interval, long t) {
        long since = t - phase;
        return since <= 0 ? 0 : (since + interval - 1) / interval;
    }

    /** {@return a percentile of the window's latencies in ms, or -1 if nothing was answered} */
    private static double latency(Histogram h, double percentile) {
        if (h.getTotalCount() == 0) {
            return -1;
        }
        return ms(percentile >= 100 ? h.getMaxValue() : h.getValueAtPercentile(percentile));
    }

    /**
     * Measures one window in one-second intervals. Each interval's histogram goes to the point's
     * HdrHistogram log ({@code .hlog}) when the plan asks for one: latency over time, and a
     * distribution anyone can replay with HdrHistogram's tools.
     *
     * @return the whole window's histogram
     */
    private Histogram measure(long start, int connections, Duration duration, Path file) throws InterruptedException {
        Histogram total = new Histogram(MAX_LATENCY_MICROS, 3);
        HistogramLogWriter log = null;
        if (file != null) {
            try {
                Files.createDirectories(file.getParent());
                log = new HistogramLogWriter(file.toFile());
                long startMs = System.currentTimeMillis();
                log.outputLogFormatVersion();
                log.outputComment("loomkit load generator: " + connections + " connections, GET " + plan.path()
                        + (intervalNanos > 0 ? String.format(Locale.ROOT, ", open loop at %.0f req/s", rate(connections)) : "")
                        + ", latency in microseconds");
                log.outputStartTime(startMs);
                log.setBaseTime(startMs);
                log.outputLegend();
            } catch (IOException e) {
                System.err.println("cannot write " + file + ": " + e);
                log = null;
            }
        }
        long end = start + duration.toNanos();
        boolean extended = plan.idle(); // an idle point's answers are connections held, not latencies
        Histogram interval = null;
        try {
            for (long now = System.nanoTime(); now - end < 0; now = System.nanoTime()) {
                sleep(Duration.ofNanos(Math.min(TimeUnit.SECONDS.toNanos(1), end - now)));
                interval = recorder.getIntervalHistogram(interval);
                total.add(interval);
                if (log != null) {
                    log.outputIntervalHistogram(interval);
                }
                now = System.nanoTime();
                if (!extended && now - end >= 0) {
                    extended = true;
                    end += extension(total.getTotalCount(), now - start, 2 * duration.toNanos());
                }
            }
        } finally {
            if (log != null) {
                log.close();
            }
        }
        return total;
    }

    /**
     * {@return how much longer a window must run for its p99.9 to rest on {@link #P999_SAMPLES}
     * answers, at the rate it has had; 0 if it has them, or if it would need more than
     * {@code maxExtraNanos} (an overloaded point: its p99.9 is then left unknown)}
     *
     * @param answered  the window's answers so far
     * @param elapsed   its length so far, in nanoseconds
     */
    static long extension(long answered, long elapsed, long maxExtraNanos) {
        if (answered >= P999_SAMPLES || answered == 0 || elapsed <= 0) {
            return 0;
        }
        // Rounded up to whole seconds: the .hlog's intervals stay one second each.
        double needed = (P999_SAMPLES - answered) * (double) elapsed / answered;
        long extra = (long) Math.ceil(needed / 1e9) * 1_000_000_000L;
        return extra <= maxExtraNanos ? extra : 0;
    }

    /** {@return the .hlog of a point: {@code <prefix>-<connections>c-r<repeat>.hlog}} */
    public static Path hlogFile(String prefix, int connections, int repeat) {
        return Path.of(prefix + "-" + connections + "c-r" + repeat + ".hlog");
    }

    /** {@return the .hlog of a rate ladder's step: {@code <prefix>-<connections>c-<rate>rps.hlog}, see {@link #rateLabel}} */
    public static Path rungHlogFile(String prefix, int connections, double rate) {
        return Path.of(prefix + "-" + connections + "c-" + rateLabel(rate) + "rps.hlog");
    }

    /**
     * {@return a rate to three significant digits, without an exponent (11313.7 is 11300, 707.107
     * is 707, 0.977 is 0.977)}: enough to tell apart any two rates of a ladder, which differ by sqrt 2 or more
     */
    public static String rateLabel(double rate) {
        return new java.math.BigDecimal(rate).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    private void awaitControl(String word) {
        if (control == null) {
            return;
        }
        String line = awaitControl();
        if (!line.equals(word)) {
            throw new IllegalStateException("expected '" + word + "' from the harness, got '" + line + "'");
        }
    }

    /** {@return the harness's next command, stripped; "next" when unpaced (no harness, no ladder)} */
    private String awaitControl() {
        if (control == null) {
            return "next";
        }
        try {
            String line = control.readLine();
            if (line == null) {
                throw new IllegalStateException("the harness went away (end of input) while the load generator waited for its command");
            }
            return line.strip();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }

    /** {@return the loopback source address for a connection, or null (the kernel chooses) with no sources} */
    private InetAddress sourceAddress(int connection) {
        if (plan.sources() == 0) {
            return null;
        }
        int n = plan.sources();
        byte[] a = {127, 0, 0, (byte) (1 + connection % n)};
        try {
            return InetAddress.getByAddress(a);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void connectionLoop(int connection, InetAddress source, CountDownLatch started) {
        Socket socket = null;
        ResponseReader in = null;
        OutputStream out = null;
        boolean counted = false;
        int generation = -1;
        long interval = 0;
        long due = 0;
        try {
            while (!stopping) {
                if (socket == null) {
                    try {
                        connecting.acquire();
                        try {
                            socket = new Socket();
                            if (source != null) {
                                socket.bind(new InetSocketAddress(source, 0));
                            }
                            socket.connect(plan.target(), (int) plan.timeout().toMillis());
                        } finally {
                            connecting.release();
                        }
                        socket.setTcpNoDelay(true);
                        socket.setSoTimeout((int) plan.timeout().toMillis());
                        in = new ResponseReader(socket.getInputStream(), 8192);
                        out = socket.getOutputStream();
                    } catch (IOException e) {
                        connectErrors.increment();
                        close(socket);
                        socket = null;
                        LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
                        continue;
                    } finally {
                        if (!counted) {
                            counted = true;
                            started.countDown();
                        }
                    }
                }
                if (generation != paceGeneration) {
                    // A new pace: start its schedule at a random phase, so that the connections'
                    // requests are spread over the interval rather than sent together.
                    generation = paceGeneration;
                    interval = intervalNanos;
                    // Its schedule, set by pace (a straggler of an earlier point, left running after
                    // its teardown gave up, has no place in this point's: it starts now).
                    AtomicLongArray schedule = phases;
                    due = interval <= 0 ? 0 : connection < schedule.length() ? schedule.get(connection) : System.nanoTime();
                }
                if (interval == PAUSED) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // until the new pace unparks it
                    continue;
                }
                long begin;
                if (interval > 0) {
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        // Woken on time, early by a new pace (see pace), or spuriously: look again
                        // from the top, so that a request due at the old pace is not sent at the new.
                        LockSupport.parkNanos(wait);
                        continue;
                    }
                    begin = due; // latency from when the request was due
                    due += interval;
                } else {
                    begin = System.nanoTime();
                }
                // An outcome counts if it is observed inside the measurement window, whenever the
                // request was sent: a request sent during warm-up that times out in the window is
                // a timeout of the window (dropping it would hide a server that has stopped answering).
                // In flight from here until its answer, its timeout or its failure: a change of pace
                // waits for the requests in flight to finish.
                // Counted first, then the pace looked at again: a change of pace (the main thread
                // writes the generation, then reads this count) either sees this request in flight
                // and waits for it, or this connection sees the change and sends nothing.
                AtomicInteger flight = inFlight;
                flight.incrementAndGet();
                if (generation != paceGeneration) {
                    flight.decrementAndGet();
                    continue;
                }
                boolean landed = false;
                try {
                    out.write(request);
                    out.flush();
                    if (plan.abandonShare() > 0 && java.util.concurrent.ThreadLocalRandom.current().nextDouble() < plan.abandonShare()) {
                        // The impatient client: it gives up mid-request and closes its connection.
                        LockSupport.parkNanos(plan.abandonAfter().toNanos());
                        close(socket);
                        socket = null;
                        if (measuring) {
                            abandoned.increment();
                        }
                        continue;
                    }
                    int response = in.read();
                    flight.decrementAndGet();
                    landed = true;
                    int status = ResponseReader.status(response);
                    if (plan.idle() && status >= 200 && status < 400) {
                        // Answered once: now hold the connection open, idle, until the point ends.
                        idleHeld.increment();
                        try {
                            while (!stopping) {
                                LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
                            }
                        } finally {
                            idleHeld.decrement();
                        }
                        continue;
                    }
                    long micros = (System.nanoTime() - begin) / 1000;
                    if (measuring) {
                        if (status >= 200 && status < 400) {
                            recorder.recordValue(Math.min(micros, MAX_LATENCY_MICROS));
                        } else if (status == 503) {
                            rejected.increment();
                        } else {
                            errors.increment();
                        }
                    }
                    if (ResponseReader.closes(response)) {
                        // As a browser or a client library would: reuse the connection unless the
                        // server closes it. (Closing after every 503 made each admission refusal,
                        // which keeps the connection, cost the server a new connection too.)
                        close(socket);
                        socket = null;
                    }
                    if (status == 503 && interval == 0 && ResponseReader.retryAfter(response) > 0) {
                        // Closed loop: as a client library that honours Retry-After would, this
                        // client waits before its next request. Sent again at once, a refused
                        // request costs the server a refusal per client per admission timeout
                        // and the generator's core its churn (ADR 0007).
                        backOff(TimeUnit.SECONDS.toNanos(ResponseReader.retryAfter(response)), generation);
                    }
                } catch (SocketTimeoutException e) {
                    if (measuring) {
                        timeouts.increment();
                    }
                    close(socket);
                    socket = null;
                } catch (IOException e) {
                    if (measuring) {
                        errors.increment();
                        if (firstError == null) {
                            firstError = e.toString();
                        }
                    }
                    close(socket);
                    socket = null;
                } finally {
                    if (!landed) {
                        flight.decrementAndGet();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (!counted) {
                started.countDown();
            }
            close(socket);
        }
    }

    private static void close(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // a connection we are done with
            }
        }
    }

    /**
     * Waits {@code nanos}, or until the run stops or the pace changes (a ladder's open loop does not
     * honour Retry-After: its requests are due when they are due), whichever comes first.
     */
    private void backOff(long nanos, int generation) {
        long end = System.nanoTime() + nanos;
        for (long left = nanos; left > 0 && !stopping && generation == paceGeneration; left = end - System.nanoTime()) {
            LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
        }
    }

    private static void sleep(Duration d) throws InterruptedException {
        Thread.sleep(d);
    }
}
