package dev.loomkit.toolkit.metrics;

import dev.loomkit.toolkit.internal.MutexRegistry;
import dev.loomkit.toolkit.internal.ToolkitProbe;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The toolkit's meters, as a Micrometer {@link MeterBinder}: bind it to a registry (or let a
 * framework bind it to its registry) and the toolkit records there; close it and it stops. Until
 * a binder is bound nothing is recorded and nothing is paid beyond a volatile read per event.
 * {@snippet :
 * var registry = new SimpleMeterRegistry();
 * try (var metrics = new ToolkitMetrics()) {
 *     metrics.bindTo(registry);
 *     runServer();
 * }
 * }
 * Meters, each tagged with the scope or mutex name:
 * <table class="striped">
 *   <caption>Meters</caption>
 *   <thead><tr><th>name</th><th>type</th><th>tags</th></tr></thead>
 *   <tbody>
 *   <tr><td>{@code loomkit.scopes.open}</td><td>gauge</td><td>scope</td></tr>
 *   <tr><td>{@code loomkit.tasks.forked}</td><td>counter</td><td>scope</td></tr>
 *   <tr><td>{@code loomkit.tasks.ended}</td><td>counter</td><td>scope, outcome (success, failure, cancelled)</td></tr>
 *   <tr><td>{@code loomkit.scope.cancellations}</td><td>counter</td><td>scope, reason</td></tr>
 *   <tr><td>{@code loomkit.scope.cancel.duration}</td><td>timer: cancellation to last task's end</td><td>scope, reason</td></tr>
 *   <tr><td>{@code loomkit.scope.stragglers}</td><td>counter</td><td>scope</td></tr>
 *   <tr><td>{@code loomkit.mutex.wait}</td><td>timer</td><td>mutex</td></tr>
 *   <tr><td>{@code loomkit.mutex.hold}</td><td>timer</td><td>mutex</td></tr>
 *   <tr><td>{@code loomkit.mutex.queue}</td><td>gauge</td><td>mutex</td></tr>
 *   </tbody>
 * </table>
 * Scopes report to the bindings in force when they were opened, so a scope's open and close are
 * always counted by the same registries.
 *
 * <p>One binder may be bound to several registries, and several binders may be bound at once
 * (each event then reaches every registry). A registry already bound, by this binder or another,
 * is not bound again: the toolkit's counters would count twice. Micrometer is an optional
 * dependency of the toolkit: this package is the only one that needs it.
 */
public final class ToolkitMetrics implements MeterBinder, AutoCloseable {
    /** Every registry bound, by any binder, and the probe recording into it. Guarded by the class lock. */
    private static final Map<MeterRegistry, MicrometerProbe> BOUND = new IdentityHashMap<>();

    /** This binder's probes; guarded by the class lock. */
    private final List<MicrometerProbe> probes = new ArrayList<>();
    private boolean closed;

    /** A binder bound to nothing yet. */
    public ToolkitMetrics() {
    }

    /**
     * Starts recording the toolkit's meters in {@code registry}, including a queue gauge for every
     * mutex alive now. Does nothing if the registry is already bound.
     *
     * @param registry where to record
     * @throws IllegalStateException if this binder has been closed
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        synchronized (ToolkitMetrics.class) {
            if (closed) {
                throw new IllegalStateException("these toolkit metrics are closed: make a new ToolkitMetrics to bind again");
            }
            if (BOUND.containsKey(registry)) {
                return;
            }
            var probe = new MicrometerProbe(registry);
            BOUND.put(registry, probe);
            probes.add(probe);
            ToolkitProbe.add(probe);
            // After adding: a mutex made meanwhile is told to the probe, or listed here, or both
            // (registering a gauge twice finds the first).
            MutexRegistry.names().forEach(probe::mutexCreated);
        }
    }

    /** Stops recording into every registry this binder was bound to; the meters stay there with their last values. Idempotent. */
    @Override
    public void close() {
        synchronized (ToolkitMetrics.class) {
            closed = true;
            for (MicrometerProbe probe : probes) {
                ToolkitProbe.remove(probe);
                BOUND.values().remove(probe);
            }
            probes.clear();
        }
    }
}
