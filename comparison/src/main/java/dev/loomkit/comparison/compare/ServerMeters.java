package dev.loomkit.comparison.compare;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Reads the demo server's own meters from its Prometheus endpoint: how many subtasks of request
 * scopes ended, by outcome, and how many 503s it sent, by kind. Read before and after a point, the
 * differences say how much work the server finished, how much it cancelled, and why the client got
 * its 503s: a request that waited out the admission timeout, or a connection turned away at once.
 */
final class ServerMeters {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    /**
     * How long a reading may take. An overloaded server answers its /metrics late or not at all,
     * and a run's readings around its windows took 151 s of 729 (timing.csv at 6d79d82), mostly
     * 10 s waits at such points that ended unknown anyway; what is not back in 3 s is unknown.
     */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(3);

    private ServerMeters() {
    }

    /** The server could not say. */
    static final long[] UNKNOWN = {-1, -1, -1, -1};

    /**
     * {@return so far: {completed, cancelled} request subtasks, 503s after the admission wait, 503s
     * to connections closed at once; or {@link #UNKNOWN}}
     */
    static long[] read(int port) {
        try {
            String text = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(READ_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString()).body();
            return parse(text);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return UNKNOWN;
        }
    }

    /** {@return how many delayed answers the backend has sent (its {@code /count}), or -1 if it could not say} */
    static long backendAnswers(int port) {
        try {
            var r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/count"))
                    .timeout(READ_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Long.parseLong(r.body().strip()) : -1;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return -1;
        }
    }

    static long[] parse(String prometheus) {
        long completed = 0;
        long cancelled = 0;
        long refused = 0;
        long rejected = 0;
        for (String line : prometheus.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            long value = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            if (line.startsWith("loomkit_tasks_ended_total{") && line.contains("scope=\"request\"")) {
                if (line.contains("outcome=\"success\"")) {
                    completed += value;
                } else if (line.contains("outcome=\"cancelled\"")) {
                    cancelled += value;
                }
            } else if (line.startsWith("http_server_requests_refused_total{")) {
                refused += value;
            } else if (line.startsWith("http_server_connections_rejected_total{")) {
                rejected += value;
            }
        }
        return new long[] {completed, cancelled, refused, rejected};
    }
}
