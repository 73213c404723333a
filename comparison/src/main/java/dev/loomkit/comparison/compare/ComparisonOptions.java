package dev.loomkit.comparison.compare;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The comparison's settings. Three profiles, {@code --quick}, the default and {@code --full}; any
 * setting may then be overridden.
 *
 * @param scenarios   what the requests do
 * @param contenders  the servers compared
 * @param points      connection counts, rising
 * @param warmup      load before each point's measurement
 * @param duration    each point's measurement
 * @param timeout     a request not answered in this time counts as a timeout
 * @param repeats     how many times each point is measured (the report shows min, median, max)
 * @param rate        open-loop total request rate, or 0 for closed loop
 * @param sources     loopback source addresses the client spreads its sockets over
 * @param out         where the report goes
 * @param wrk         drive the points with wrk instead of the built-in load generator
 * @param pointsGiven whether --connections chose the points (else the idle scenario adds the largest allowed)
 * @param extraServerFlags JVM flags added to every server JVM alike ({@code --server-flag})
 * @param serverCpus  CPUs of the server's own ({@code --server-cpus}): -1 for half, 0 for none (see {@link CpuPlacement})
 * @param args        the command line as given, for the record of what produced a report
 * @param target      a server someone else runs ({@code --target URL}), or null for the scenarios' own servers
 * @param targetPid   that server's process, for its RSS, threads and CPU ({@code --target-pid}), or -1
 * @param targetName  its name in the report ({@code --target-name}, default its host:port)
 */
record ComparisonOptions(List<Scenario> scenarios, List<Contender> contenders, List<Integer> points, Duration warmup,
                         Duration duration, Duration timeout, int repeats, double rate, int sources, Path out,
                         boolean wrk, boolean pointsGiven, List<String> extraServerFlags, int serverCpus, List<String> args,
                         java.net.URI target, long targetPid, String targetName) {

    /** Identical for every server JVM: the comparison measures the thread model, not the flags. */
    static final List<String> SERVER_FLAGS = List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-Xss1m");
    static final List<String> CLIENT_FLAGS = List.of("-Xms512m", "-Xmx2g", "-XX:+UseParallelGC");
    static final List<String> BACKEND_FLAGS = List.of("-Xms512m", "-Xmx1g", "-XX:+UseParallelGC");

    /** {@return the flags of every server JVM: the fixed ones, then any added with --server-flag} */
    List<String> serverFlags() {
        List<String> all = new ArrayList<>(SERVER_FLAGS);
        all.addAll(extraServerFlags);
        return List.copyOf(all);
    }

    static ComparisonOptions parse(List<String> args) {
        String profile = args.contains("--quick") ? "quick" : args.contains("--full") ? "full" : "default";
        List<Scenario> scenarios = switch (profile) {
            case "quick" -> List.of(Scenario.IO, Scenario.CPU);
            // hello and sleep are asked for by name: they measure a server's own cost, not the comparison's workloads
            case "full" -> List.of(Scenario.IO, Scenario.CPU, Scenario.MIXED, Scenario.FANOUT, Scenario.IMPATIENT, Scenario.IDLE);
            default -> List.of(Scenario.IO, Scenario.CPU, Scenario.MIXED);
        };
        List<Contender> contenders = switch (profile) {
            case "quick" -> List.of(Contender.parse("virtual"), Contender.parse("selector-pool-200"), Contender.parse("platform-200"));
            case "full" -> List.of(Contender.parse("virtual"), Contender.parse("virtual-limit-1000"),
                    Contender.parse("selector-pool-200"), Contender.parse("platform-200"), Contender.parse("platform-1000"));
            default -> List.of(Contender.parse("virtual"), Contender.parse("selector-pool-200"), Contender.parse("platform-200"));
        };
        List<Integer> points = profile.equals("quick") ? List.of(10, 100, 1_000) : List.of(10, 100, 1_000, 5_000, 10_000);
        Duration warmup = Duration.ofMillis(profile.equals("quick") ? 500 : profile.equals("full") ? 2_000 : 1_000);
        Duration duration = Duration.ofMillis(profile.equals("quick") ? 1_500 : profile.equals("full") ? 5_000 : 3_000);
        // Shorter than the measured window, or a starved connection can never show as a timeout.
        Duration timeout = Duration.ofMillis(profile.equals("quick") ? 1_000 : 3_000);
        int repeats = profile.equals("full") ? 3 : 1;
        double rate = 0;
        // Sixteen loopback addresses: a point that churns through connections (a pool answering
        // 503 and closing, 17,000 times in a window) leaves tens of thousands of sockets in
        // TIME_WAIT, and binding a client socket gets slow once an address's ports are crowded.
        int sources = 16;
        boolean wrk = false;
        boolean pointsGiven = false;
        List<String> extraServerFlags = new ArrayList<>();
        int serverCpus = -1;
        java.net.URI target = null;
        long targetPid = -1;
        String targetName = null;
        boolean serversChosen = false;
        Path out = Path.of("reports", java.time.LocalDateTime.now().withNano(0).toString().replace(':', '-'));
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--quick", "--full" -> { }
                case "--scenarios" -> {
                    scenarios = Arrays.stream(value(args, ++i, a).split(",")).map(Scenario::parse).toList();
                    serversChosen = true;
                }
                case "--modes" -> {
                    contenders = Arrays.stream(value(args, ++i, a).split(",")).map(Contender::parse).toList();
                    serversChosen = true;
                }
                case "--target" -> target = targetUri(value(args, ++i, a));
                case "--target-pid" -> {
                    String v = value(args, ++i, a);
                    if (!v.matches("[1-9][0-9]{0,9}") || !java.nio.file.Files.isDirectory(Path.of("/proc", v))) {
                        throw new IllegalArgumentException("--target-pid needs the pid of a running process, got '" + v + "'");
                    }
                    targetPid = Long.parseLong(v);
                }
                case "--target-name" -> {
                    targetName = value(args, ++i, a);
                    if (!targetName.matches("[A-Za-z0-9_.:-]{1,60}")) {
                        throw new IllegalArgumentException("--target-name takes letters, digits and _ . : - (it names files and CSV rows), got '"
                                + targetName + "'");
                    }
                }
                case "--connections" -> {
                    points = ints(value(args, ++i, a), a);
                    pointsGiven = true;
                }
                case "--warmup" -> warmup = Duration.ofMillis(whole(value(args, ++i, a), a));
                case "--duration" -> duration = Duration.ofMillis(whole(value(args, ++i, a), a));
                case "--timeout" -> timeout = Duration.ofMillis(whole(value(args, ++i, a), a));
                case "--repeats" -> repeats = (int) Math.min(Integer.MAX_VALUE, whole(value(args, ++i, a), a));
                case "--rate" -> rate = number(value(args, ++i, a), a);
                case "--sources" -> sources = (int) Math.min(Integer.MAX_VALUE, whole(value(args, ++i, a), a));
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--server-cpus" -> {
                    String v = value(args, ++i, a);
                    if (!v.matches("[0-9]{1,4}")) {
                        throw new IllegalArgumentException("--server-cpus takes a whole number of CPUs (0: no placement), got '" + v + "'");
                    }
                    serverCpus = Integer.parseInt(v);
                }
                case "--server-flag" -> {
                    String flag = value(args, ++i, a);
                    if (!flag.startsWith("-")) {
                        throw new IllegalArgumentException("--server-flag takes one JVM flag, such as -Djdk.pollerMode=1; got '" + flag + "'");
                    }
                    extraServerFlags.add(flag);
                }
                case "--loadgen" -> {
                    String v = value(args, ++i, a);
                    if (!v.equals("builtin") && !v.equals("wrk")) {
                        throw new IllegalArgumentException("--loadgen is builtin or wrk, got '" + v + "'");
                    }
                    wrk = v.equals("wrk");
                }
                default -> throw new IllegalArgumentException("unknown option '" + a + "'; see --help");
            }
        }
        if (repeats < 1 || sources < 1 || sources > 250 || points.isEmpty() || duration.isZero() || duration.isNegative()) {
            throw new IllegalArgumentException("--repeats and --sources must be at least 1 (sources at most 250), "
                    + "--connections not empty, --duration positive");
        }
        if (wrk && (scenarios.contains(Scenario.IMPATIENT) || scenarios.contains(Scenario.IDLE))) {
            throw new IllegalArgumentException("the impatient and idle scenarios need the built-in load generator: wrk can neither walk away nor sit idle");
        }
        refuseUnservable(scenarios, contenders);
        if (wrk && rate > 0) {
            throw new IllegalArgumentException("--rate (open loop) is the built-in load generator's; wrk runs closed loop");
        }
        if (target == null && (targetPid > 0 || targetName != null)) {
            throw new IllegalArgumentException("--target-pid and --target-name go with --target URL");
        }
        if (target != null && (serversChosen || !extraServerFlags.isEmpty())) {
            throw new IllegalArgumentException("--target measures a server you started: --scenarios, --modes and --server-flag "
                    + "choose and start loomkit's own, so they do not go with it");
        }
        if (target != null && targetName == null) {
            targetName = target.getHost() + ":" + (target.getPort() > 0 ? target.getPort() : 80);
        }
        return new ComparisonOptions(scenarios, contenders, points, warmup, duration, timeout, repeats, rate, sources, out, wrk,
                pointsGiven, List.copyOf(extraServerFlags), serverCpus, List.copyOf(args), target, targetPid, targetName);
    }

    /** {@return an http URL with a host} @throws IllegalArgumentException saying what is wrong with it */
    private static java.net.URI targetUri(String v) {
        java.net.URI u;
        try {
            u = new java.net.URI(v);
        } catch (java.net.URISyntaxException e) {
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

    static String help() {
        return """
                ./loomkit run [--quick | --full] [options]   compare virtual threads with platform-thread pools
                  --quick                 io and cpu, the default three modes, 10/100/1000 connections (about 2½ minutes: each point waits for the server's JIT)
                  --full                  the six scenarios from io to idle, five modes (adding virtual-limit-1000 and
                                          platform-1000), 10..10000
                                          connections, three repeats
                  --scenarios io,cpu,...  io, cpu, mixed, fanout, impatient, idle; and, asked for by name,
                                          hello (GET /hello: the server's own cost alone) and
                                          sleep (Thread.sleep(50) in the handler); neither starts the backend
                  --modes virtual,selector-pool-200,platform-200
                                          virtual (a virtual thread per connection), selector-pool-N (N
                                          platform threads, a thread per request, idle connections on a
                                          selector: Tomcat NIO, Jetty) or platform-N (N platform threads,
                                          a thread per connection: prefork); each optionally with -limit-M:
                                          at most M requests in flight, the rest wait up to 1 s, then 503;
                                          or bare-virtual: the reference, the least a virtual-thread-per-
                                          connection server can do (/hello and /sleep only, so the hello,
                                          sleep and idle scenarios; no /metrics, so no server meters)
                  --connections 10,100,1000,5000,10000
                  --warmup MS --duration MS --timeout MS --repeats N
                  --rate R                open loop at R requests/s in total (default: closed loop)
                  --sources N             loopback source addresses for client sockets (default 16)
                  --loadgen builtin|wrk   who drives the load (wrk: closed loop, whole seconds, no p99.9)
                  --out DIR               report directory (default reports/<time>)
                  --server-flag F         add JVM flag F to every server JVM alike (repeatable)
                  --server-cpus N         CPUs of the server's own (taskset); the load generator and backend
                                          share the rest (default: half, at least 1; 0: all share all)
                  --target URL            measure a server you started instead (http only), with the same
                                          generator, points and report; e.g. Jetty or Spring Boot with
                                          virtual threads on, then off. Only the load generator is placed
                  --target-pid PID        with --target: add the server's RSS, threads and CPU from /proc
                  --target-name NAME      with --target: its name in the report (default host:port)
                ./loomkit run bench [--out DIR]   JMH microbenchmarks and parked-thread memory (a few minutes);
                                          with --out pointing at a comparison report, adds them to it
                ./loomkit run diff A B [--out DIR]   two reports side by side: the change per point, and charts
                ./loomkit run demo        the toolkit demo
                ./loomkit serve ...       the demo server alone
                ./loomkit run bare [--port N]   the bare-virtual reference server alone""";
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args.get(i);
    }

    private static double number(String v, String option) {
        try {
            double d = Double.parseDouble(v);
            if (d < 0 || !Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a non-negative number, got '" + v + "'");
        }
    }

    /** A count or a number of milliseconds: {@code 1.5} is refused, not read as 1. */
    private static long whole(String v, String option) {
        try {
            long n = Long.parseLong(v.strip());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a whole non-negative number, got '" + v + "'");
        }
    }

    private static List<Integer> ints(String v, String option) {
        List<Integer> list = new ArrayList<>();
        for (String p : v.split(",")) {
            long d = whole(p, option);
            if (d < 1 || d > 60_000) {
                throw new IllegalArgumentException(option + " values must be in [1, 60000], got " + p);
            }
            list.add((int) d);
        }
        // Rising and once each: the largest point sizes the server's connection limit, and each
        // point's repeats are numbered.
        return list.stream().distinct().sorted().toList();
    }
}
