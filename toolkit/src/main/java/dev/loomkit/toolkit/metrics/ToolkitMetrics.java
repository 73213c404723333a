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
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

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
 * is not bound again (the toolkit's counters would count twice): it records once, until every
 * binder that was bound to it has closed. Micrometer is an optional
 * dependency of the toolkit: this package is the only one that needs it.
 */
public final class ToolkitMetrics implements MeterBinder, AutoCloseable {
    /**
     * A registry bound, by one binder or more: the probe recording into it, and how many binders
     * hold it (it records until the last of them closes).
     */
    private static final class Binding {
        final MicrometerProbe probe;
        int owners;

        Binding(MicrometerProbe probe) {
            this.probe = probe;
        }
    }

    /** Every registry bound, by any binder. Guarded by the class lock. */
    private static final Map<MeterRegistry, Binding> BOUND = new IdentityHashMap<>();
    /**
     * The open-scope counts that each registry's gauges read, kept for the registry's life: a gauge
     * is registered once per registry (Micrometer keeps the first), so a registry bound again after
     * a close must count into the same numbers. Weak keys (a registry is compared by identity: it
     * does not override equals); the values do not refer to their registry. Guarded by the class lock.
     */
    private static final Map<MeterRegistry, ConcurrentHashMap<String, AtomicInteger>> OPEN_SCOPES = new WeakHashMap<>();

    /** The registries this binder holds; guarded by the class lock. */
    private final List<MeterRegistry> registries = new ArrayList<>();
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
            if (registries.contains(registry)) {
                return;
            }
            registries.add(registry);
            Binding bound = BOUND.get(registry);
            if (bound != null) {
                bound.owners++; // bound already, by another binder: it records once, until both have closed
                return;
            }
            var probe = new MicrometerProbe(registry, OPEN_SCOPES.computeIfAbsent(registry, r -> new ConcurrentHashMap<>()));
            bound = new Binding(probe);
            bound.owners = 1;
            BOUND.put(registry, bound);
            ToolkitProbe.add(probe);
            // After adding: a mutex made meanwhile is told to the probe, or listed here, or both
            // (registering a gauge twice finds the first).
            MutexRegistry.names().forEach(probe::mutexCreated);
        }
    }

    /**
     * Lets go of every registry this binder was bound to: one that no other binder holds stops
     * recording, its meters staying there with their last values. Idempotent.
     */
    @Override
    public void close() {
        synchronized (ToolkitMetrics.class) {
            closed = true;
            for (MeterRegistry registry : registries) {
                Binding bound = BOUND.get(registry);
                if (bound != null && --bound.owners == 0) {
                    BOUND.remove(registry);
                    ToolkitProbe.remove(bound.probe);
                }
            }
            registries.clear();
        }
    }
}
