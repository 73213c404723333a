package dev.loomkit.toolkit.metrics;

import dev.loomkit.toolkit.internal.MutexRegistry;
import dev.loomkit.toolkit.internal.ToolkitProbe;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The probe that records into Micrometer; meters are looked up once per name and kept. */
final class MicrometerProbe implements ToolkitProbe {
    private record Key(String name, String tag) {
    }

    private final MeterRegistry registry;
    /** The registry's open-scope counts, which outlive this probe (see ToolkitMetrics); the gauges read them weakly. */
    private final ConcurrentHashMap<String, AtomicInteger> openScopes;
    private final ConcurrentHashMap<String, Counter> forked = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Key, Counter> ended = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Key, Counter> cancellations = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Key, Timer> cancelDurations = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> stragglers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Timer> mutexWait = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Timer> mutexHold = new ConcurrentHashMap<>();

    MicrometerProbe(MeterRegistry registry, ConcurrentHashMap<String, AtomicInteger> openScopes) {
        this.registry = registry;
        this.openScopes = openScopes;
    }

    /** The last scope name looked up and its gauge: one immutable pair, so a racy read sees either. */
    private record LastGauge(String name, AtomicInteger gauge) {
    }

    private LastGauge last = new LastGauge("", new AtomicInteger());

    private AtomicInteger openGauge(String scope) {
        // Scopes opened over and over (a server's "request") pass the same name object each time:
        // an identity check finds its gauge without a map lookup.
        LastGauge l = last;
        if (l.name == scope) {
            return l.gauge;
        }
        AtomicInteger found = lookUpGauge(scope);
        last = new LastGauge(scope, found);
        return found;
    }

    private AtomicInteger lookUpGauge(String scope) {
        // get() first: computeIfAbsent's mapping lambda captures this, and would be allocated on
        // every call, though it runs only once per scope name.
        AtomicInteger known = openScopes.get(scope);
        if (known != null) {
            return known;
        }
        return openScopes.computeIfAbsent(scope, s -> {
            var value = new AtomicInteger();
            Gauge.builder("loomkit.scopes.open", value, AtomicInteger::get)
                    .description("Scopes opened and not yet closed")
                    .tag("scope", s)
                    .register(registry);
            return value;
        });
    }

    @Override
    public void scopeOpened(String scope) {
        openGauge(scope).incrementAndGet();
    }

    @Override
    public void scopeClosed(String scope) {
        openGauge(scope).decrementAndGet();
    }

    @Override
    public void taskForked(String scope) {
        forked.computeIfAbsent(scope, s -> Counter.builder("loomkit.tasks.forked")
                .description("Tasks forked into scopes").tag("scope", s).register(registry)).increment();
    }

    @Override
    public void taskEnded(String scope, Outcome outcome) {
        ended.computeIfAbsent(new Key(scope, outcome.tag()), k -> Counter.builder("loomkit.tasks.ended")
                .description("Tasks that ended, by outcome")
                .tag("scope", k.name()).tag("outcome", k.tag()).register(registry)).increment();
    }

    @Override
    public void scopeCancelled(String scope, String reason) {
        cancellations.computeIfAbsent(new Key(scope, reason), k -> Counter.builder("loomkit.scope.cancellations")
                .description("Scope cancellations, by reason")
                .tag("scope", k.name()).tag("reason", k.tag()).register(registry)).increment();
    }

    @Override
    public void cancelCompleted(String scope, String reason, long nanos) {
        cancelDurations.computeIfAbsent(new Key(scope, reason), k -> Timer.builder("loomkit.scope.cancel.duration")
                .description("Time from a scope's cancellation to the end of its last task")
                .tag("scope", k.name()).tag("reason", k.tag()).register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void straggler(String scope) {
        stragglers.computeIfAbsent(scope, s -> Counter.builder("loomkit.scope.stragglers")
                .description("Tasks still running long after their scope was cancelled")
                .tag("scope", s).register(registry)).increment();
    }

    @Override
    public void mutexCreated(String mutex) {
        Gauge.builder("loomkit.mutex.queue", () -> MutexRegistry.queueLength(mutex))
                .description("Tasks waiting for the mutex")
                .tag("mutex", mutex)
                .register(registry);
    }

    @Override
    public void mutexWaited(String mutex, long nanos) {
        mutexWait.computeIfAbsent(mutex, m -> Timer.builder("loomkit.mutex.wait")
                .description("Time from asking for the mutex to holding it")
                .tag("mutex", m).register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void mutexHeld(String mutex, long nanos) {
        mutexHold.computeIfAbsent(mutex, m -> Timer.builder("loomkit.mutex.hold")
                .description("Time the mutex was held")
                .tag("mutex", m).register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }
}
