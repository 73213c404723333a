package dev.loomkit.comparison.load;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One line of the load generator's protocol with the harness, a JSON object per line on its
 * standard output: a point's {@code warm} (warm-up under way, waiting for "go"), {@code start} and
 * {@code end} (with the window's figures). Written and read here only, so the keys are spelled once.
 *
 * @param point       the point's index in the plan
 * @param connections its connections
 * @param phase       {@code warm}, {@code start} or {@code end}
 * @param figures     for {@code end}: seconds, requests, throughput, p50, p90, p99, p999, max, mean
 *                    (latencies in ms, -1 when nothing was answered), errors, rejected, timeouts,
 *                    connectErrors, abandoned, stillConnecting (clients that had not made their
 *                    first connection attempt when the window opened); empty otherwise
 */
public record LoadLine(int point, int connections, String phase, Map<String, Double> figures) {
    public static final String WARM = "warm";
    public static final String START = "start";
    public static final String END = "end";

    /** {@return the line for a phase without figures} */
    static LoadLine of(int point, int connections, String phase) {
        return new LoadLine(point, connections, phase, Map.of());
    }

    /** {@return the line as one JSON object, keys in a fixed order} */
    public String json() {
        var map = new LinkedHashMap<String, Object>();
        map.put("point", point);
        map.put("connections", connections);
        map.put("phase", phase);
        map.putAll(figures);
        try {
            return JSON.std.asString(map);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing a map of numbers and strings to a string
        }
    }

    /**
     * Reads a line of the protocol.
     *
     * @return the line, or empty if it is something else (a warning the generator printed, say)
     */
    public static Optional<LoadLine> parse(String line) {
        if (!line.startsWith("{")) {
            return Optional.empty();
        }
        Map<String, Object> map;
        try {
            map = JSON.std.mapFrom(line);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (!(map.get("point") instanceof Number point) || !(map.get("connections") instanceof Number connections)
                || !(map.get("phase") instanceof String phase)) {
            return Optional.empty();
        }
        var figures = new LinkedHashMap<String, Double>();
        for (var e : map.entrySet()) {
            if (e.getValue() instanceof Number n && !e.getKey().equals("point") && !e.getKey().equals("connections")) {
                figures.put(e.getKey(), n.doubleValue());
            }
        }
        return Optional.of(new LoadLine(point.intValue(), connections.intValue(), phase, Map.copyOf(figures)));
    }

    /**
     * {@return a figure of an end line}
     *
     * @throws IllegalStateException if the line does not have it (an end line always has)
     */
    public double figure(String name) {
        Double v = figures.get(name);
        if (v == null) {
            throw new IllegalStateException("the load generator's " + phase + " line of point " + point + " has no '" + name + "': " + json());
        }
        return v;
    }

    /** {@return a figure the line may lack (a warm line's timings), or {@code otherwise}} */
    public double figureOr(String name, double otherwise) {
        return figures.getOrDefault(name, otherwise);
    }
}
