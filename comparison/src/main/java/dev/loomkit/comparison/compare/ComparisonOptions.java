package dev.loomkit.comparison.compare;

import dev.loomkit.comparison.Cli;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The comparison's settings, as {@link CompareCommand} reads them from the command line.
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
 * @param saturationAt the connections of the open-loop rate ladder that follows each server's point at as many, up to
 *                    saturation ({@code --saturation}, {@link SaturationSearch}): one of the points, or 0 for none
 */
record ComparisonOptions(List<Scenario> scenarios, List<Contender> contenders, List<Integer> points, Duration warmup,
                         Duration duration, Duration timeout, int repeats, double rate, int sources, Path out,
                         boolean wrk, boolean pointsGiven, List<String> extraServerFlags, int serverCpus, List<String> args,
                         java.net.URI target, long targetPid, String targetName, int saturationAt) {

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

    /**
     * {@return the settings the command line asks for} (the comparison's options, as {@code ./loomkit run --help} lists them)
     *
     * @throws IllegalArgumentException saying what was wrong with it
     */
    static ComparisonOptions parse(List<String> args) {
        return Cli.parse(new CompareCommand(null), args).options(args);
    }

    /** {@return the comparison's help, generated from its options} */
    static String help() {
        return Cli.usage(new CompareCommand(null));
    }
}
