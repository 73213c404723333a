package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The adaptive admission limit (the virtual mode's default) in a real server: while the CPUs have room, handlers
 * that all block (long polls) are not held at its initial limit; the limit is a meter, and its
 * changes are JFR events. The saturation signal is given, so the machine's load does not decide.
 */
@Timeout(60)
class AdaptiveAdmissionTest {
    private static final int BLOCKED = 3 * ServerImpl.ADAPTIVE_INITIAL_LIMIT;

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testBlockedHandlersBeyondTheInitialLimitAreAllAdmittedWhileTheCpusHaveRoom(ThreadMode mode, @TempDir Path dir)
            throws Exception {
        var registry = new SimpleMeterRegistry();
        var started = new CountDownLatch(BLOCKED);
        var release = new CountDownLatch(1);
        var router = Router.builder().get("/poll", r -> {
            started.countDown();
            release.await(); // a long poll: completes nothing until released
            return Response.text(200, "ok");
        }).build();
        var config = TestServer.config(mode).withAdaptiveAdmission(true).withPlatformPoolSize(BLOCKED + 16).withMeterRegistry(registry)
                .withAdmissionTimeout(Duration.ofSeconds(30));
        Path file = dir.resolve("admission.jfr");
        try (var recording = new Recording()) {
            recording.enable("dev.loomkit.AdmissionLimitChanged");
            recording.start();
            try (var server = new TestServer(config, router, TestServer.NEVER_SATURATED)) {
                List<RawClient> clients = new ArrayList<>();
                try {
                    for (int i = 0; i < BLOCKED; i++) {
                        clients.add(server.raw().send("GET /poll HTTP/1.1\r\nHost: x\r\n\r\n"));
                    }
                    assertTrue(started.await(30, TimeUnit.SECONDS),
                            (BLOCKED - started.getCount()) + " of " + BLOCKED + " handlers started");
                    // The gauge reads the limit as set: at least what let them all in.
                    double limit = registry.get("http.server.admission.limit").gauge().value();
                    assertTrue(limit >= BLOCKED, "limit " + limit);
                    release.countDown();
                    for (RawClient c : clients) {
                        assertEquals(200, c.read().status());
                    }
                } finally {
                    release.countDown();
                    for (RawClient c : clients) {
                        c.close();
                    }
                }
            }
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> changes = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("dev.loomkit.AdmissionLimitChanged")).toList();
        assertTrue(changes.stream().anyMatch(e -> e.getInt("oldLimit") == ServerImpl.ADAPTIVE_INITIAL_LIMIT
                && e.getInt("newLimit") == 2 * ServerImpl.ADAPTIVE_INITIAL_LIMIT && !e.getBoolean("underPressure")), changes.toString());
    }
}
