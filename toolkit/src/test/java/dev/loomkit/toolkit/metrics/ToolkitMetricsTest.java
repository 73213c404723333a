package dev.loomkit.toolkit.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.toolkit.Await;
import dev.loomkit.toolkit.JoinPolicy;
import dev.loomkit.toolkit.Scope;
import dev.loomkit.toolkit.ScopeCancelledException;
import dev.loomkit.toolkit.TaskFailedException;
import dev.loomkit.toolkit.sync.AsyncMutex;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Isolated;

/** The Micrometer binder: off until bound, then the documented meters, in every registry bound and only once in each. */
@Isolated // binds the process-wide probe
@Timeout(30)
class ToolkitMetricsTest {

    @Test
    void testScopeMetersRecordForksOutcomesAndCancellations() throws Exception {
        var registry = new SimpleMeterRegistry();
        try (var metrics = bound(registry)) {
            var started = new CountDownLatch(1);
            try (var scope = Scope.open("metered", JoinPolicy.supervise())) {
                scope.fork("ok", () -> "fine");
                scope.fork("bad", () -> {
                    throw new IllegalStateException("bad");
                });
                scope.join();
                assertEquals(1.0, registry.get("loomkit.scopes.open").tag("scope", "metered").gauge().value());
            }
            assertEquals(0.0, registry.get("loomkit.scopes.open").tag("scope", "metered").gauge().value());
            try (var scope = Scope.open("metered")) {
                scope.fork("blocked", () -> {
                    started.countDown();
                    new CountDownLatch(1).await();
                });
                started.await();
                scope.cancel("enough");
                assertThrows(ScopeCancelledException.class, scope::join);
            }
            assertEquals(3.0, registry.get("loomkit.tasks.forked").tag("scope", "metered").counter().count());
            assertEquals(1.0, registry.get("loomkit.tasks.ended").tags("scope", "metered", "outcome", "success").counter().count());
            assertEquals(1.0, registry.get("loomkit.tasks.ended").tags("scope", "metered", "outcome", "failure").counter().count());
            assertEquals(1.0, registry.get("loomkit.tasks.ended").tags("scope", "metered", "outcome", "cancelled").counter().count());
            assertEquals(1.0, registry.get("loomkit.scope.cancellations").tags("scope", "metered", "reason", "explicit").counter().count());
            var cancelTimer = registry.get("loomkit.scope.cancel.duration").tags("scope", "metered", "reason", "explicit").timer();
            assertEquals(1, cancelTimer.count());
            assertTrue(cancelTimer.totalTime(TimeUnit.SECONDS) < 5);
        }
    }

    @Test
    void testFailFastCancellationIsCountedAsSiblingFailed() throws Exception {
        var registry = new SimpleMeterRegistry();
        try (var metrics = bound(registry)) {
            try (var scope = Scope.open("ff")) {
                scope.fork("fails", () -> {
                    throw new IllegalStateException("x");
                });
                assertThrows(TaskFailedException.class, scope::join);
            }
        }
        assertEquals(1.0, registry.get("loomkit.scope.cancellations").tags("scope", "ff", "reason", "sibling_failed").counter().count());
    }

    @Test
    void testMutexMetersRecordWaitHoldAndQueue() throws Exception {
        var registry = new SimpleMeterRegistry();
        var early = AsyncMutex.create("metered-mutex"); // created before binding: still has a gauge
        try (var metrics = bound(registry)) {
            Thread waiter;
            try (var guard = early.lock()) {
                waiter = Thread.ofVirtual().start(() -> {
                    try (var g = early.lock()) {
                        // acquired after waiting
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                Await.until("waiter queued", () -> early.queueLength() == 1);
                assertEquals(1.0, registry.get("loomkit.mutex.queue").tag("mutex", "metered-mutex").gauge().value());
            }
            waiter.join(10_000);
            assertEquals(2, registry.get("loomkit.mutex.wait").tag("mutex", "metered-mutex").timer().count());
            assertEquals(2, registry.get("loomkit.mutex.hold").tag("mutex", "metered-mutex").timer().count());
            assertEquals(0.0, registry.get("loomkit.mutex.queue").tag("mutex", "metered-mutex").gauge().value());
        }
    }

    @Test
    void testNothingIsRecordedUntilBoundOrAfterClose() throws Exception {
        var registry = new SimpleMeterRegistry();
        try (var metrics = bound(registry)) {
            // bound, then closed at once
        }
        try (var scope = Scope.open("unbound")) {
            scope.fork("t", () -> 1);
            scope.join();
        }
        AsyncMutex.create("unbound-mutex").lock().close();
        assertNull(registry.find("loomkit.tasks.forked").tag("scope", "unbound").counter());
        assertNull(registry.find("loomkit.mutex.hold").tag("mutex", "unbound-mutex").timer());
    }

    @Test
    void testOneBinderRecordsIntoEveryRegistryItIsBoundTo() throws Exception {
        var first = new SimpleMeterRegistry();
        var second = new SimpleMeterRegistry();
        try (var metrics = new ToolkitMetrics()) {
            metrics.bindTo(first);
            metrics.bindTo(second);
            runOneTask("two-registries");
        }
        for (var registry : List.of(first, second)) {
            assertEquals(1.0, registry.get("loomkit.tasks.forked").tag("scope", "two-registries").counter().count());
        }
    }

    @Test
    void testBindersComeAndGoIndependently() throws Exception {
        var a = new SimpleMeterRegistry();
        var b = new SimpleMeterRegistry();
        try (var binderA = bound(a)) {
            try (var binderB = bound(b)) {
                runOneTask("both");
            }
            runOneTask("a-only"); // B closed: A still records
        }
        runOneTask("none");
        assertEquals(1.0, a.get("loomkit.tasks.forked").tag("scope", "both").counter().count());
        assertEquals(1.0, b.get("loomkit.tasks.forked").tag("scope", "both").counter().count());
        assertEquals(1.0, a.get("loomkit.tasks.forked").tag("scope", "a-only").counter().count());
        assertNull(b.find("loomkit.tasks.forked").tag("scope", "a-only").counter());
        assertNull(a.find("loomkit.tasks.forked").tag("scope", "none").counter());
    }

    @Test
    void testARegistryIsBoundOnceSoNothingCountsTwice() throws Exception {
        var registry = new SimpleMeterRegistry();
        try (var metrics = bound(registry); var other = bound(registry)) {
            metrics.bindTo(registry); // again: nothing more
            runOneTask("once");
        }
        assertEquals(1.0, registry.get("loomkit.tasks.forked").tag("scope", "once").counter().count());
    }

    @Test
    void testARegistryBoundByTwoBindersRecordsUntilBothHaveClosed() throws Exception {
        var registry = new SimpleMeterRegistry();
        var a = bound(registry);
        var b = bound(registry);
        a.close();
        runOneTask("shared"); // b still holds it
        assertEquals(1.0, registry.get("loomkit.tasks.forked").tag("scope", "shared").counter().count());
        b.close();
        runOneTask("shared");
        assertEquals(1.0, registry.get("loomkit.tasks.forked").tag("scope", "shared").counter().count(), "recorded after both closed");
    }

    @Test
    void testTheOpenScopesGaugeStaysRightWhenARegistryIsBoundAgain() throws Exception {
        var registry = new SimpleMeterRegistry();
        var first = bound(registry);
        var early = Scope.open("rebound"); // reports its close to the first binding, which it opened under
        first.close();
        try (var second = bound(registry)) {
            try (var s2 = Scope.open("rebound"); var s3 = Scope.open("rebound")) {
                assertEquals(3.0, registry.get("loomkit.scopes.open").tag("scope", "rebound").gauge().value());
                early.join();
                early.close();
                assertEquals(2.0, registry.get("loomkit.scopes.open").tag("scope", "rebound").gauge().value());
                s3.join();
                s2.join();
            }
            assertEquals(0.0, registry.get("loomkit.scopes.open").tag("scope", "rebound").gauge().value());
        }
    }

    @Test
    void testAClosedBinderCannotBeBoundAgain() {
        var metrics = bound(new SimpleMeterRegistry());
        metrics.close();
        metrics.close(); // idempotent
        var e = assertThrows(IllegalStateException.class, () -> metrics.bindTo(new SimpleMeterRegistry()));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    private static ToolkitMetrics bound(MeterRegistry registry) {
        var metrics = new ToolkitMetrics();
        metrics.bindTo(registry);
        return metrics;
    }

    private static void runOneTask(String scopeName) throws Exception {
        try (var scope = Scope.open(scopeName)) {
            scope.fork("t", () -> 1);
            scope.join();
        }
    }
}
