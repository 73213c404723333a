package dev.loomkit.comparison.compare;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Reads the demo server's own toolkit meters from its Prometheus endpoint: how many subtasks of
 * request scopes ended, by outcome. Read before and after a point, the difference says how much
 * work the server finished, and how much it cancelled, for the requests of that point.
 */
final class ServerMeters {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ServerMeters() {
    }

    /** {@return {completed, cancelled} request subtasks so far, or {-1, -1} if the server could not say} */
    static long[] requestSubtasks(int port) {
        try {
            String text = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
            return parse(text);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return new long[] {-1, -1};
        }
    }

    /** {@return how many delayed answers the backend has sent (its {@code /count}), or -1 if it could not say} */
    static long backendAnswers(int port) {
        try {
            var r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/count"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
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
        for (String line : prometheus.split("\n")) {
            if (!line.startsWith("loomkit_tasks_ended_total{") || !line.contains("scope=\"request\"")) {
                continue;
            }
            long value = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            if (line.contains("outcome=\"success\"")) {
                completed += value;
            } else if (line.contains("outcome=\"cancelled\"")) {
                cancelled += value;
            }
        }
        return new long[] {completed, cancelled};
    }
}
