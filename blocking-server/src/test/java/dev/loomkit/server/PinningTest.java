package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.toolkit.sync.AsyncMutex;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A JFR recording of a load run on the virtual mode shows no pinned virtual thread in our code. */
@Timeout(120)
class PinningTest {

    @Test
    void testLoadRunRecordsNoVirtualThreadPinnedInServerCode(@TempDir Path dir) throws Exception {
        var mutex = AsyncMutex.create("pinning-test");
        long[] counter = {0};
        var router = Router.builder()
                .get("/hello", r -> Response.text(200, "hello"))
                .get("/sleep", r -> {
                    Thread.sleep(5);
                    return Response.text(200, "slept");
                })
                .get("/fanout", r -> {
                    for (int i = 0; i < 5; i++) {
                        r.scope().fork("sub-" + i, () -> Thread.sleep(2));
                    }
                    r.scope().join();
                    return Response.text(200, "fanned out");
                })
                .get("/locked", r -> Response.text(200, "count " + mutex.withLock(() -> {
                    Thread.sleep(1); // blocking while holding the mutex
                    return ++counter[0];
                })))
                .post("/echo", r -> Response.bytes(200, "application/octet-stream", r.bodyBytes()))
                .get("/deadline", r -> {
                    Thread.sleep(10_000);
                    return Response.text(200, "late");
                })
                .build();
        Path file = dir.resolve("load.jfr");
        int requests = 0;
        java.time.Instant steadyState = java.time.Instant.MAX;
        var config = TestServer.config(ThreadMode.VIRTUAL).withRequestTimeout(Duration.ofMillis(500));
        String[] paths = {"/hello", "/sleep", "/fanout", "/locked", "/echo", "/deadline"};
        try (var server = new TestServer(config, router); var clients = Executors.newVirtualThreadPerTaskExecutor()) {
            // Warm-up: the first use of a class pins while the JVM loads and initialises it (a JDK
            // limitation, once per class). The recording is of the steady state that follows.
            load(server, clients, paths, 120);
            try (var recording = new Recording()) {
                recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
                recording.start();
                // Starting a recording initialises JFR's own classes on first use (its exception
                // tracer on the first Throwable, for one), which pins once: warm that up too, and
                // judge only what starts after it.
                load(server, clients, paths, 120);
                steadyState = java.time.Instant.now();
                requests = load(server, clients, paths, 1_200);
                recording.stop();
                recording.dump(file);
            }
        }
        final java.time.Instant steady = steadyState;
        List<RecordedEvent> pinned = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("jdk.VirtualThreadPinned"))
                .filter(e -> e.getStartTime().isAfter(steady))
                .toList();
        List<String> ours = pinned.stream().filter(PinningTest::inOurCode).map(PinningTest::describe).toList();
        System.out.printf("load run: %d requests, %d pinned events in all, %d in loomkit code%n", requests, pinned.size(), ours.size());
        assertEquals(List.of(), ours);
        assertEquals(1_200, requests);
    }

    /** Sends {@code n} requests over the routes, many at once; returns how many were answered 200 or 503. */
    private static int load(TestServer server, java.util.concurrent.ExecutorService clients, String[] paths, int n) throws Exception {
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String path = paths[i % paths.length];
            if (path.equals("/deadline") && i > 60) {
                path = "/hello"; // a few deadline misses are enough
            }
            var builder = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(20));
            var request = path.equals("/echo") ? builder.POST(HttpRequest.BodyPublishers.ofString("x".repeat(10_000))).build() : builder.build();
            results.add(clients.submit(() -> server.client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode()));
        }
        int answered = 0;
        for (Future<Integer> f : results) {
            int status = f.get();
            assertTrue(status == 200 || status == 503, "status " + status);
            answered++;
        }
        return answered;
    }

    private static boolean inOurCode(RecordedEvent e) {
        return e.getStackTrace() != null && e.getStackTrace().getFrames().stream()
                .anyMatch(f -> f.getMethod().getType().getName().startsWith("dev.loomkit."));
    }

    /** The pin's reason and its top three frames: enough to find it, short enough to read. */
    private static String describe(RecordedEvent e) {
        var sb = new StringBuilder(e.hasField("pinnedReason") ? String.valueOf(e.getString("pinnedReason")) : "?").append(": ");
        e.getStackTrace().getFrames().stream().limit(3)
                .forEach(f -> sb.append(f.getMethod().getType().getName()).append('.').append(f.getMethod().getName()).append(" <- "));
        return sb.toString();
    }
}
