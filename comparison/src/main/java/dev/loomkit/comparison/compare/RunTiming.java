package dev.loomkit.comparison.compare;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Where a run's time goes, point by point: making the connections, the warm-up, the hold for the
 * server's JIT, the measured window, reading the server around it, and ending the previous point's
 * connections. A run is mostly not its windows (11 min 33 s for 45 points of 3 s each, at 008ba39);
 * this says what the rest is. Each point is a row of {@code timing.csv} in the report directory,
 * and so is each open-loop rate ladder (repeat -1: its connections in connect_s, its settling in
 * warmup_s, its windows in window_s); {@link #summary} sums them. Used by the harness's one thread.
 */
final class RunTiming {
    static final String CSV_HEADER = "scenario,contender,connections,repeat,connect_s,warmup_s,jit_hold_s,window_s,readings_s,"
            + "previous_teardown_s,point_s,other_s";

    private final Path csv;
    private final long started = System.nanoTime();
    private double connect;
    private double warmup;
    private double jit;
    private double windows;
    private double readings;
    private double teardowns;
    private double points;
    private double other;
    private double ladders;

    /** @param dir the report directory, where {@code timing.csv} goes */
    RunTiming(Path dir) {
        this.csv = dir.resolve("timing.csv");
    }

    /**
     * Records one point, in seconds; a figure the generator did not report is negative and left
     * out of the sums.
     */
    void point(String scenario, String contender, int connections, int repeat, double connectS, double warmupS, double jitS,
               double windowS, double readingsS, double teardownS, double pointS) {
        connect += Math.max(0, connectS);
        warmup += Math.max(0, warmupS);
        jit += Math.max(0, jitS);
        windows += Math.max(0, windowS);
        readings += Math.max(0, readingsS);
        teardowns += Math.max(0, teardownS);
        points += Math.max(0, pointS);
        // The rest of the point: the hand-offs between harness and generator, the generator's figures
        // and .hlog after its window, the memory sampler's stop; what the phases above do not cover.
        double otherS = Math.max(0, pointS) - Math.max(0, connectS) - Math.max(0, warmupS) - Math.max(0, jitS) - Math.max(0, windowS)
                - Math.max(0, readingsS) - Math.max(0, teardownS);
        other += otherS;
        append(scenario, contender, connections, repeat, connectS, warmupS, jitS, windowS, readingsS, teardownS, pointS, otherS);
    }

    /**
     * Records an open-loop rate ladder, on connections of its own, in seconds: making them, the
     * settling after each change of rate, the windows, the readings around them, and all of it.
     */
    void ladder(String scenario, String contender, int connections, double connectS, double settleS, double windowS, double readingsS,
                double allS) {
        ladders += allS;
        double otherS = allS - Math.max(0, connectS) - settleS - windowS - readingsS;
        append(scenario, contender, connections, -1, connectS, settleS, -1, windowS, readingsS, -1, allS, otherS);
    }

    /** Appends a row of timing.csv, in its header's order. */
    private void append(String scenario, String contender, int connections, int repeat, double... seconds) {
        var row = new StringBuilder(String.format(Locale.ROOT, "%s,%s,%d,%d", scenario, contender, connections, repeat));
        for (double s : seconds) {
            row.append(String.format(Locale.ROOT, ",%.2f", s));
        }
        row.append('\n');
        try {
            if (!Files.exists(csv)) {
                Files.writeString(csv, CSV_HEADER + "\n", StandardCharsets.UTF_8);
            }
            Files.writeString(csv, row, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + csv, e);
        }
    }

    /** {@return one line: the run's length, and how much of it each phase of the points took} */
    String summary() {
        double all = (System.nanoTime() - started) / 1e9;
        return String.format(Locale.ROOT, "time: %.0f s in all; in the points %.0f s: connecting %.0f, warm-up %.0f, holding for the JIT %.0f, "
                + "windows %.0f, reading the server %.0f, ending connections %.0f, hand-offs and the rest %.0f; open-loop rate ladders "
                + "%.0f; starting servers and the rest %.0f (timing.csv)", all, points, connect, warmup, jit, windows, readings, teardowns,
                other, ladders, all - points - ladders);
    }
}
