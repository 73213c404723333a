package dev.loomkit.toolkit.metrics;

import dev.loomkit.toolkit.internal.MutexRegistry;
import dev.loomkit.toolkit.internal.ToolkitProbe;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/**
 * Binds the toolkit's meters to a Micrometer registry. Until {@link #bindTo} is called nothing is
 * recorded and nothing is paid beyond a volatile read per event; after {@link #close()} the same.
 * {@snippet :
 * var registry = new SimpleMeterRegistry();
 * try (var metrics = ToolkitMetrics.bindTo(registry)) {
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
 * Scopes report to the binding in force when they were opened, so a scope's open and close are
 * always counted by the same registry.
 */
public final class ToolkitMetrics implements AutoCloseable {
    private final MicrometerProbe probe;

    private ToolkitMetrics(MicrometerProbe probe) {
        this.probe = probe;
    }

    /**
     * Starts recording the toolkit's meters in {@code registry}. One binding at a time: to bind several
     * registries, bind a {@code CompositeMeterRegistry}.
     *
     * @param registry where to record
     * @return the binding; close it to stop recording
     * @throws IllegalStateException if a binding is already in force
     */
    public static synchronized ToolkitMetrics bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (ToolkitProbe.enabled()) {
            throw new IllegalStateException("toolkit metrics are already bound to a registry; close that binding first");
        }
        var probe = new MicrometerProbe(registry);
        MutexRegistry.names().forEach(probe::mutexCreated);
        ToolkitProbe.install(probe);
        return new ToolkitMetrics(probe);
    }

    /** Stops recording. The meters stay in the registry with their last values. */
    @Override
    public void close() {
        synchronized (ToolkitMetrics.class) {
            if (ToolkitProbe.current() == probe) {
                ToolkitProbe.install(null);
            }
        }
    }
}
