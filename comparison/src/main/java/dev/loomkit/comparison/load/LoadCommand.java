package dev.loomkit.comparison.load;

import dev.loomkit.comparison.Cli;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code load [options]}: the load generator's command line. The comparison starts it in a child
 * JVM and reads its {@link LoadLine}s; it is not for people, so it is left out of the help.
 */
@Command(name = "load", hidden = true, sortOptions = false, description = "The comparison's load generator.")
public final class LoadCommand implements Callable<Integer> {
    @Mixin
    private Cli.Help help;
    @Option(names = "--target", required = true, paramLabel = "HOST:PORT", description = "the server")
    private String target;
    @Option(names = "--path", paramLabel = "PATH", description = "what each request asks for (default /hello)")
    private String path = "/hello";
    @Option(names = "--host", paramLabel = "HOST", description = "the Host field (default loomkit)")
    private String host = "loomkit";
    @Option(names = "--points", required = true, split = ",", paramLabel = "N", converter = Cli.Whole.class,
            description = "connections at each point, in order (a point repeated is measured again)")
    private List<Long> points;
    @Option(names = "--warmup", paramLabel = "MS", converter = Cli.Whole.class, description = "load before each window (default 1000)")
    private long warmupMs = 1_000;
    @Option(names = "--duration", paramLabel = "MS", converter = Cli.Whole.class, description = "each window (default 3000)")
    private long durationMs = 3_000;
    @Option(names = "--timeout", paramLabel = "MS", converter = Cli.Whole.class, description = "a request's timeout (default 3000)")
    private long timeoutMs = 3_000;
    @Option(names = "--rate", paramLabel = "R", description = "open loop at R requests/s in total; 0, the default, for closed loop")
    private double rate;
    @Option(names = "--sources", paramLabel = "N", converter = Cli.Whole.class,
            description = "loopback source addresses to spread sockets over; 0 for none (default 1)")
    private long sources = 1;
    @Option(names = "--abandon", paramLabel = "SHARE:MS", description = "that share of requests is walked away from after MS")
    private String abandon;
    @Option(names = "--idle", description = "connections sit idle after their answer, held open")
    private boolean idle;
    @Option(names = "--paced", description = "wait for the harness's go and next on standard input")
    private boolean paced;
    @Option(names = "--hlog", paramLabel = "PREFIX", description = "write each window's latency histogram to PREFIX-<connections>.hlog")
    private String hlog;
    @Option(names = "--ladder-point", paramLabel = "K", converter = Cli.Whole.class,
            description = "the point at index K (from 0) is a rate ladder's: its connections wait for the harness's first rate")
    private long ladderPoint = -1;
    private final PrintStream out;

    /** @param out where the result lines go */
    public LoadCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws InterruptedException {
        new LoadGenerator(plan(), out, paced
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : null).run();
        return 0;
    }

    /** {@return the plan the options describe} @throws IllegalArgumentException saying which option is wrong */
    LoadGenerator.Plan plan() {
        int colon = target.lastIndexOf(':');
        InetSocketAddress address;
        try {
            address = new InetSocketAddress(target.substring(0, Math.max(0, colon)), Integer.parseInt(target.substring(colon + 1)));
        } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("--target needs host:port, got '" + target + "'");
        }
        if (colon <= 0) {
            throw new IllegalArgumentException("--target needs host:port, got '" + target + "'");
        }
        if (points.isEmpty() || points.stream().anyMatch(p -> p < 1 || p > 60_000)) {
            throw new IllegalArgumentException("--points must be in [1, 60000], got " + points);
        }
        if (ladderPoint >= points.size()) {
            throw new IllegalArgumentException("--ladder-point is an index into --points (from 0, fewer than " + points.size()
                    + "), got " + ladderPoint);
        }
        if (rate < 0 || !Double.isFinite(rate) || rate > LoadGenerator.MAX_RATE) {
            throw new IllegalArgumentException("--rate needs a number in [0, " + (long) LoadGenerator.MAX_RATE + "], got " + rate);
        }
        double abandonShare = 0;
        Duration abandonAfter = Duration.ZERO;
        if (abandon != null) {
            String[] f = abandon.split(":");
            try {
                abandonShare = Double.parseDouble(f[0]);
                abandonAfter = Duration.ofMillis(Long.parseLong(f[1]));
            } catch (RuntimeException e) {
                abandonShare = -1;
            }
            if (f.length != 2 || !(abandonShare >= 0 && abandonShare <= 1) || abandonAfter.isNegative()) {
                throw new IllegalArgumentException("--abandon needs SHARE:MS, a share in [0, 1] and whole milliseconds, got '"
                        + abandon + "'");
            }
        }
        return new LoadGenerator.Plan(address, host, path, points.stream().map(Long::intValue).toList(),
                Duration.ofMillis(warmupMs), Duration.ofMillis(durationMs), Duration.ofMillis(timeoutMs), rate,
                (int) Math.min(250, sources), abandonShare, abandonAfter, idle, hlog, (int) Math.min(Integer.MAX_VALUE, ladderPoint));
    }
}
