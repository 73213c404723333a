package dev.loomkit.toolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.loomkit.toolkit.metrics.ToolkitMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Names in thread dumps, stragglers, and shielded cleanup. */
@Timeout(60)
class ScopeObservabilityTest {

    @Test
    void testJsonThreadDumpShowsTheScopeTreeWithNames(@TempDir Path dir) throws Exception {
        var blocked = new CountDownLatch(2);
        var release = new CountDownLatch(1);
        Path dump = dir.resolve("threads.json");
        try (var outer = Scope.open("orders-request")) {
            outer.fork("load-customer", () -> {
                try (var inner = Scope.open("customer-lookups")) {
                    inner.fork("query-db", () -> {
                        blocked.countDown();
                        release.await();
                    });
                    inner.join();
                }
            });
            outer.fork("load-cart", () -> {
                blocked.countDown();
                release.await();
            });
            assertTrue(blocked.await(10, TimeUnit.SECONDS));
            // The same dump that `jcmd <pid> Thread.dump_to_file -format=json <file>` writes.
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(dump.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
            release.countDown();
            outer.join();
        }
        String json = Files.readString(dump).replace("\\/", "/"); // the dump escapes '/' as '\/'
        assertContainer(json, "orders-request", null);
        assertContainer(json, "customer-lookups", "orders-request");
        for (String thread : new String[] {"orders-request/load-customer", "orders-request/load-cart", "customer-lookups/query-db"}) {
            assertTrue(json.contains("\"name\": \"" + thread + "\""), "thread " + thread + " in dump");
        }
    }

    private static void assertContainer(String json, String name, String parent) {
        var container = Pattern.compile("\"container\": \"" + Pattern.quote(name) + "[^\"]*\",\\s*\"parent\": \"([^\"]*)\"");
        var m = container.matcher(json);
        assertTrue(m.find(), "container " + name + " in dump");
        if (parent != null) {
            assertTrue(m.group(1).startsWith(parent), name + " has parent " + m.group(1));
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testTaskIgnoringInterruptsIsReportedAsStraggler(ThreadMode mode) throws Exception {
        var registry = new SimpleMeterRegistry();
        var started = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        String name = "straggling-" + mode;
        try (var metrics = new ToolkitMetrics()) {
            metrics.bindTo(registry); // before the scope opens: a scope reports to the bindings in force at its open
            try (var scope = Scope.open(mode.config(name).withStragglerAfter(Duration.ofMillis(100)), JoinPolicy.failFast())) {
                scope.fork("deaf", () -> {
                    started.countDown();
                    while (true) { // ignores interrupts until released
                        try {
                            release.await();
                            return null;
                        } catch (InterruptedException ignored) {
                            // deaf to cancellation on purpose
                        }
                    }
                });
                started.await();
                scope.cancel("stop");
                Await.until("straggler counted", () -> registry.find("loomkit.scope.stragglers").tag("scope", name).counter() != null
                        && registry.find("loomkit.scope.stragglers").tag("scope", name).counter().count() == 1);
                release.countDown();
                assertThrows(ScopeCancelledException.class, scope::join);
            }
        }
        assertEquals(1.0, registry.get("loomkit.scope.stragglers").tag("scope", name).counter().count(), "reported once");
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testShieldedCleanupRunsToTheEndInsideACancelledTask(ThreadMode mode) throws Exception {
        var cleanupInterrupted = new AtomicBoolean(true);
        var result = new AtomicReference<String>();
        var interruptRestored = new AtomicBoolean();
        var started = new CountDownLatch(1);
        try (var scope = Scope.open(mode.config("shield"), JoinPolicy.failFast())) {
            scope.fork("with-cleanup", () -> {
                try {
                    started.countDown();
                    new CountDownLatch(1).await();
                } finally {
                    // Cancelled: the cleanup must still be able to block, unbothered.
                    result.set(Cancellation.shielded(Duration.ofSeconds(5), () -> {
                        var gate = new CountDownLatch(1);
                        boolean interrupted = false;
                        try {
                            gate.await(100, TimeUnit.MILLISECONDS); // blocks: would throw if interrupted
                        } catch (InterruptedException e) {
                            interrupted = true;
                        }
                        cleanupInterrupted.set(interrupted);
                        return "cleaned";
                    }));
                    interruptRestored.set(Thread.currentThread().isInterrupted());
                }
            });
            started.await();
            scope.cancel("stop");
            assertThrows(ScopeCancelledException.class, scope::join);
        }
        assertEquals("cleaned", result.get());
        assertEquals(false, cleanupInterrupted.get(), "the shield kept the cancellation out");
    }

    @Test
    void testShieldedCleanupIsBoundedByItsOwnTimeout() {
        var interruptedAtTimeout = new AtomicBoolean();
        var e = assertThrows(TimeoutException.class, () -> Cancellation.shielded(Duration.ofMillis(50), () -> {
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException ex) {
                interruptedAtTimeout.set(true);
                throw ex;
            }
            return null;
        }));
        assertTrue(e.getMessage().contains("did not finish within"), e.getMessage());
        assertTrue(interruptedAtTimeout.get(), "the action was interrupted when its time ran out");
    }

    @Test
    void testShieldedRestoresTheCallersInterruptAndPassesFailuresOn() {
        Thread.currentThread().interrupt();
        try {
            var failure = new IllegalStateException("cleanup failed");
            var e = assertThrows(IllegalStateException.class, () -> Cancellation.shielded(Duration.ofSeconds(5), () -> {
                throw failure;
            }));
            assertEquals(failure, e);
            assertTrue(Thread.currentThread().isInterrupted(), "interrupt status restored");
        } finally {
            Thread.interrupted();
        }
    }
}
