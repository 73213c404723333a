package dev.loomkit.comparison.compare;

import dev.loomkit.comparison.Cli;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ./loomkit run [options]}: the comparison. Three profiles, {@code --quick}, the default and
 * {@code --full}; any setting may then be overridden. An option left out is null here, and takes
 * its profile's value in {@link #options(List)}, which also checks what goes together.
 */
@Command(name = "./loomkit run", sortOptions = false,
        description = "Compares virtual threads with platform-thread pools: the same server, the same load, rising connections.",
        footer = {"", "Each command has its own --help; ./loomkit serve [options] runs the serve command."})
public final class CompareCommand implements Callable<Integer> {
    @Mixin
    private Cli.Help help;
    @Spec
    private CommandSpec spec;
    private final PrintStream out;

    @Option(names = "--quick", description = "io and cpu, the default three modes, 10/100/1000 connections (about 3½ minutes: "
            + "each point waits for the server's JIT, and the open-loop ladder follows 1,000)")
    private boolean quick;
    @Option(names = "--full", description = "the six scenarios from io to idle, six modes (adding virtual-unlimited, "
            + "virtual-limit-1000 and platform-1000 to the default three), 10..10000 connections, three repeats")
    private boolean full;
    @Option(names = "--scenarios", split = ",", paramLabel = "NAME", description = {
        "io, cpu, mixed, fanout, impatient, idle; and, asked for by name, hello (GET /hello: the server's own cost alone) "
            + "and sleep (Thread.sleep(50) in the handler); neither starts the backend. Default: io,cpu,mixed"})
    private List<String> scenarios;
    @Option(names = "--modes", split = ",", paramLabel = "MODE", description = {
        "virtual (a virtual thread per connection, with the server's default adaptive admission limit), selector-pool-N (N platform threads, a thread per request, idle "
            + "connections on a selector: Tomcat NIO, Jetty) or platform-N (N platform threads, a thread per connection: "
            + "prefork); each optionally with -limit-M: at most M requests in flight, the rest wait up to 1 s, then 503; "
            + "a pool with -adaptive: the server's adaptive limit on top of the pool (selector-pool-200-adaptive); "
            + "or bare-virtual: the reference, the least a virtual-thread-per-connection server can do (/hello and /sleep "
            + "only, so the hello, sleep and idle scenarios; no /metrics, so no server meters); virtual-unlimited (no "
            + "admission limit at all) and virtual-adaptive (virtual, said outright). "
            + "Default: virtual,selector-pool-200,platform-200"})
    private List<String> modes;
    @Option(names = "--connections", split = ",", paramLabel = "N", converter = Cli.Whole.class,
            description = "the points, each in [1, 60000]; default 10,100,1000,5000,10000")
    private List<Long> connections;
    @Option(names = "--warmup", paramLabel = "MS", converter = Cli.Whole.class, description = "load before each point's measurement (default 1000; --quick 500, --full 2000)")
    private Long warmupMs;
    @Option(names = "--duration", paramLabel = "MS", converter = Cli.Whole.class, description = "each point's measurement (default 3000; --quick 1500, --full 5000); the built-in generator "
                    + "runs a window on, up to three times, until it has the 1,000 answers a p99.9 needs")
    private Long durationMs;
    @Option(names = "--timeout", paramLabel = "MS", converter = Cli.Whole.class,
            description = "a request not answered in this time counts as a timeout (default 3000; --quick 1000)")
    private Long timeoutMs;
    @Option(names = "--repeats", paramLabel = "N", converter = Cli.Whole.class,
            description = "how many times each point is measured (the report shows min, median, max; default 1, --full 3)")
    private Long repeats;
    @Option(names = "--rate", paramLabel = "R", description = "open loop at R requests/s in total (default: closed loop)")
    private Double rate;
    @Option(names = "--saturation", paramLabel = "N|off", description = {
        "after each server's point at N connections (one of the points), step as many connections of their own through "
            + "open-loop rates up to the highest the server sustains, latency counted from when each request was due (default: the most connections up to 1,000; "
            + "off with --rate, --loadgen wrk, or 'off')"})
    private String saturation;
    @Option(names = "--sources", paramLabel = "N", converter = Cli.Whole.class,
            description = "loopback source addresses for client sockets, 1 to 250 (default 16)")
    private Long sources;
    @Option(names = "--loadgen", paramLabel = "builtin|wrk",
            description = "who drives the load (wrk: closed loop, whole seconds, no p99.9)")
    private String loadgen;
    @Option(names = "--out", paramLabel = "DIR", description = "report directory (default reports/<time>)")
    private Path outDir;
    @Option(names = "--server-flag", paramLabel = "F", description = "add JVM flag F to every server JVM alike (repeatable)")
    private List<String> serverFlags = new ArrayList<>();
    @Option(names = "--server-cpus", paramLabel = "N", converter = Cli.Whole.class, description = {
        "CPUs of the server's own (taskset); the load generator and backend share the rest (default: half, at least 1; "
            + "0: all share all)"})
    private Long serverCpus;
    @Option(names = "--target", paramLabel = "URL", description = {
        "measure a server you started instead (http only), with the same generator, points and report; e.g. Jetty or "
            + "Spring Boot with virtual threads on, then off. Only the load generator is placed"})
    private String target;
    @Option(names = "--target-pid", paramLabel = "PID", description = "with --target: add the server's RSS, threads and CPU from /proc")
    private String targetPid;
    @Option(names = "--target-name", paramLabel = "NAME", description = "with --target: its name in the report (default host:port)")
    private String targetName;

    /** @param out where the report's tables go; null when only parsing */
    public CompareCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws Exception {
        new Comparison(options(spec.commandLine().getParseResult().originalArgs()), out).run();
        return 0;
    }

    /**
     * {@return the settings: the profile's, overridden by what was given}
     *
     * @param args the command line as given, for the record of what produced a report
     * @throws IllegalArgumentException if a value is out of range, or options that do not go together were given
     */
    ComparisonOptions options(List<String> args) {
        if (quick && full) {
            throw new IllegalArgumentException("--quick and --full are two profiles: choose one");
        }
        Cli.once(args, "--scenarios", "--modes", "--connections");
        if ((scenarios != null && scenarios.isEmpty()) || (modes != null && modes.isEmpty())
                || (connections != null && connections.isEmpty())) {
            throw new IllegalArgumentException("--scenarios, --modes and --connections need at least one value each");
        }
        String profile = quick ? "quick" : full ? "full" : "default";
        List<Scenario> scenarioList = scenarios != null ? scenarios.stream().map(Scenario::parse).toList() : switch (profile) {
            case "quick" -> List.of(Scenario.IO, Scenario.CPU);
            // hello and sleep are asked for by name: they measure a server's own cost, not the comparison's workloads
            case "full" -> List.of(Scenario.IO, Scenario.CPU, Scenario.MIXED, Scenario.FANOUT, Scenario.IMPATIENT, Scenario.IDLE);
            default -> List.of(Scenario.IO, Scenario.CPU, Scenario.MIXED);
        };
        List<Contender> contenders = (modes != null ? modes : switch (profile) {
            case "full" -> List.of("virtual", "virtual-unlimited", "virtual-limit-1000", "selector-pool-200", "platform-200", "platform-1000");
            // The three threading models (issue 10); the virtual server without its limit is
            // asked for by name (virtual-unlimited): a fourth contender is a third more time.
            default -> List.of("virtual", "selector-pool-200", "platform-200");
        }).stream().map(Contender::parse).toList();
        boolean pointsGiven = connections != null;
        List<Integer> points = pointsGiven ? points(connections)
                : profile.equals("quick") ? List.of(10, 100, 1_000) : List.of(10, 100, 1_000, 5_000, 10_000);
        Duration warmup = Duration.ofMillis(warmupMs != null ? warmupMs
                : profile.equals("quick") ? 500 : profile.equals("full") ? 2_000 : 1_000);
        Duration duration = Duration.ofMillis(durationMs != null ? durationMs
                : profile.equals("quick") ? 1_500 : profile.equals("full") ? 5_000 : 3_000);
        // Shorter than the measured window, or a starved connection can never show as a timeout.
        Duration timeout = Duration.ofMillis(timeoutMs != null ? timeoutMs : profile.equals("quick") ? 1_000 : 3_000);
        int repeatCount = repeats != null ? (int) Math.min(Integer.MAX_VALUE, repeats) : profile.equals("full") ? 3 : 1;
        double openRate = rate != null ? rate : 0;
        if (openRate < 0 || !Double.isFinite(openRate)) {
            throw new IllegalArgumentException("--rate needs a non-negative number, got '" + rate + "'");
        }
        // Sixteen loopback addresses: a point that churns through connections (a pool answering
        // 503 and closing, 17,000 times in a window) leaves tens of thousands of sockets in
        // TIME_WAIT, and binding a client socket gets slow once an address's ports are crowded.
        int sourceCount = sources != null ? (int) Math.min(Integer.MAX_VALUE, sources) : 16;
        if (repeatCount < 1) {
            throw new IllegalArgumentException("--repeats must be at least 1, got " + repeatCount);
        }
        if (sourceCount < 1 || sourceCount > 250) {
            throw new IllegalArgumentException("--sources must be in [1, 250], got " + sourceCount);
        }
        if (duration.isZero()) {
            throw new IllegalArgumentException("--duration must be positive, got 0");
        }
        boolean wrk = false;
        if (loadgen != null) {
            if (!loadgen.equals("builtin") && !loadgen.equals("wrk")) {
                throw new IllegalArgumentException("--loadgen is builtin or wrk, got '" + loadgen + "'");
            }
            wrk = loadgen.equals("wrk");
        }
        for (String flag : serverFlags) {
            if (!flag.startsWith("-")) {
                throw new IllegalArgumentException("--server-flag takes one JVM flag, such as -Djdk.pollerMode=1; got '" + flag + "'");
            }
        }
        int cpus = -1;
        if (serverCpus != null) {
            if (serverCpus > 9_999) {
                throw new IllegalArgumentException("--server-cpus takes a whole number of CPUs (0: no placement), got " + serverCpus);
            }
            cpus = serverCpus.intValue();
        }
        if (wrk && (scenarioList.contains(Scenario.IMPATIENT) || scenarioList.contains(Scenario.IDLE))) {
            throw new IllegalArgumentException("the impatient and idle scenarios need the built-in load generator: wrk can neither walk away nor sit idle");
        }
        refuseUnservable(scenarioList, contenders);
        if (wrk && openRate > 0) {
            throw new IllegalArgumentException("--rate (open loop) is the built-in load generator's; wrk runs closed loop");
        }
        URI targetUri = target == null ? null : targetUri(target);
        long pid = -1;
        if (targetPid != null) {
            if (!targetPid.matches("[1-9][0-9]{0,9}") || !Files.isDirectory(Path.of("/proc", targetPid))) {
                throw new IllegalArgumentException("--target-pid needs the pid of a running process, got '" + targetPid + "'");
            }
            pid = Long.parseLong(targetPid);
        }
        if (targetName != null && !targetName.matches("[A-Za-z0-9_.:-]{1,60}")) {
            throw new IllegalArgumentException("--target-name takes letters, digits and _ . : - (it names files and CSV rows), got '"
                    + targetName + "'");
        }
        if (targetUri == null && (pid > 0 || targetName != null)) {
            throw new IllegalArgumentException("--target-pid and --target-name go with --target URL");
        }
        if (targetUri != null && (scenarios != null || modes != null || !serverFlags.isEmpty())) {
            throw new IllegalArgumentException("--target measures a server you started: --scenarios, --modes and --server-flag "
                    + "choose and start loomkit's own, so they do not go with it");
        }
        String name = targetName;
        if (targetUri != null && name == null) {
            name = targetUri.getHost() + ":" + (targetUri.getPort() > 0 ? targetUri.getPort() : 80);
        }
        Path dir = outDir != null ? outDir : Path.of("reports", LocalDateTime.now().withNano(0).toString().replace(':', '-'));
        int saturationAt = saturationAt(saturation, points, wrk, openRate);
        return new ComparisonOptions(scenarioList, contenders, points, warmup, duration, timeout, repeatCount, openRate,
                sourceCount, dir, wrk, pointsGiven, List.copyOf(serverFlags), cpus, List.copyOf(args), targetUri, pid, name, saturationAt);
    }

    /**
     * {@return the point the open-loop rate ladder follows, or 0 for none}: as given, or else the
     * most connections up to 1,000 (none if every point has more): with one request in flight per
     * connection, N connections carry at most N / latency (20,000 req/s at io's 50 ms), more than
     * a 2-core server answers; and few enough for a thread per connection
     */
    private static int saturationAt(String given, List<Integer> points, boolean wrk, double rate) {
        if (given == null) {
            return wrk || rate > 0 ? 0 : points.stream().filter(p -> p <= 1_000).reduce((a, b) -> b).orElse(0);
        }
        if (given.equals("off")) {
            return 0;
        }
        int n;
        try {
            n = Integer.parseInt(given);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--saturation takes a number of connections, one of the points, or off; got '" + given + "'");
        }
        if (!points.contains(n)) {
            throw new IllegalArgumentException("--saturation " + n + " is not one of the points " + points
                    + ": the ladder's rates start from what the closed loop answered there");
        }
        if (wrk || rate > 0) {
            throw new IllegalArgumentException("--saturation steps the built-in generator through open-loop rates of its own: "
                    + "it goes with neither --loadgen wrk nor a fixed --rate");
        }
        return n;
    }

    /** Rising and once each: the largest point sizes the server's connection limit, and each point's repeats are numbered. */
    private static List<Integer> points(List<Long> given) {
        for (long n : given) {
            if (n < 1 || n > 60_000) {
                throw new IllegalArgumentException("--connections values must be in [1, 60000], got " + n);
            }
        }
        return given.stream().map(Long::intValue).distinct().sorted().toList();
    }

    /** {@return an http URL with a host} @throws IllegalArgumentException saying what is wrong with it */
    private static URI targetUri(String v) {
        URI u;
        try {
            u = new URI(v);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--target needs a URL such as http://127.0.0.1:8080/hello, got '" + v + "': " + e.getReason());
        }
        if (!"http".equalsIgnoreCase(u.getScheme()) || u.getHost() == null || u.getRawFragment() != null || u.getRawUserInfo() != null) {
            throw new IllegalArgumentException("--target needs an http URL with a host and no user or fragment, such as "
                    + "http://127.0.0.1:8080/hello (https is not supported), got '" + v + "'");
        }
        return u;
    }

    /** The bare-virtual reference serves /hello and /sleep only: say so before a run, not as errors in its table. */
    private static void refuseUnservable(List<Scenario> scenarios, List<Contender> contenders) {
        for (Contender c : contenders) {
            List<Scenario> refused = scenarios.stream().filter(s -> c.refusal(s) != null).toList();
            if (!refused.isEmpty()) {
                List<Scenario> servable = Arrays.stream(Scenario.values()).filter(s -> c.refusal(s) == null).toList();
                throw new IllegalArgumentException(c.refusal(refused.getFirst()) + ": it runs only the "
                        + Scenario.ids(servable) + " scenarios, and this run asks for " + Scenario.ids(refused)
                        + "; choose with --scenarios (e.g. --scenarios hello,sleep), or leave " + c.name() + " out of --modes");
            }
        }
    }
}
