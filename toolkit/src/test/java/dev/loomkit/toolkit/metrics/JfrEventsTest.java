package dev.loomkit.toolkit.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.toolkit.Await;
import dev.loomkit.toolkit.Scope;
import dev.loomkit.toolkit.ScopeCancelledException;
import dev.loomkit.toolkit.internal.JfrWarmup;
import dev.loomkit.toolkit.sync.AsyncMutex;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** JFR events: scope cancellation, long mutex waits, and no pinned virtual threads in the mutex. */
@Timeout(60)
class JfrEventsTest {

    @Test
    void testRecordingShowsScopeCancellationAndLongMutexWaitButNoPinning(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("loomkit.jfr");
        // First use loads classes (from jars: the JDK pins while it reads them); the recording is of
        // the steady state after that.
        contend(AsyncMutex.create("jfr-warm-up"));
        try (var recording = new Recording()) {
            recording.enable("dev.loomkit.ScopeCancelled");
            recording.enable("dev.loomkit.MutexWait").withThreshold(Duration.ofMillis(20));
            recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO);
            recording.start();
            // The first recording in a JVM starts the event classes' warm-up; until it ends, lock
            // waits go unrecorded (JfrWarmupTest covers that time). This test is of the steady state.
            assertTrue(JfrWarmup.awaitReady(Duration.ofSeconds(50)), "the JFR warm-up ended");

            var started = new CountDownLatch(1);
            try (var scope = Scope.open("jfr-scope")) {
                scope.fork("blocked", () -> {
                    started.countDown();
                    new CountDownLatch(1).await();
                });
                started.await();
                scope.cancel(dev.loomkit.toolkit.CancelReason.clientDisconnected("client went away"));
                assertThrows(ScopeCancelledException.class, scope::join);
            }

            // Many virtual threads contend for a mutex held across blocking: they must park, not pin.
            contend(AsyncMutex.create("jfr-mutex"));
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        var cancelled = events.stream().filter(e -> e.getEventType().getName().equals("dev.loomkit.ScopeCancelled")).toList();
        assertEquals(1, cancelled.size());
        assertEquals("jfr-scope", cancelled.getFirst().getString("scope"));
        assertEquals("client_disconnected", cancelled.getFirst().getString("reason"));
        assertTrue(cancelled.getFirst().getDuration("cancelToEnd").compareTo(Duration.ofSeconds(5)) < 0);

        var waits = events.stream().filter(e -> e.getEventType().getName().equals("dev.loomkit.MutexWait")).toList();
        assertTrue(waits.size() >= 1, "long waits recorded");
        assertTrue(waits.stream().allMatch(e -> e.getString("mutex").equals("jfr-mutex") && e.getBoolean("acquired")));

        var pinned = events.stream().filter(e -> e.getEventType().getName().equals("jdk.VirtualThreadPinned")).toList();
        assertEquals(List.of(), pinned, "virtual threads pinned while waiting for the mutex");
    }

    /** 50 virtual threads queue for a mutex held 30 ms, then each holds it briefly. */
    private static void contend(AsyncMutex mutex) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        try (var guard = mutex.lock()) {
            for (int i = 0; i < 50; i++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    try (var g = mutex.lock()) {
                        LockSupport.parkNanos(100_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            Await.until("all queued", () -> mutex.queueLength() == 50);
            // The hold the waiters wait out; parkNanos may return early, so park until the deadline.
            long until = System.nanoTime() + Duration.ofMillis(30).toNanos();
            for (long left; (left = until - System.nanoTime()) > 0; ) {
                LockSupport.parkNanos(left);
            }
        }
        for (Thread t : threads) {
            t.join(10_000);
        }
    }
}
