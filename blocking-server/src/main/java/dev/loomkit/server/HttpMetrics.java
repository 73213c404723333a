package dev.loomkit.server;

import dev.loomkit.toolkit.CancelReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.http.Outcome;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's meters, following Micrometer's HTTP server conventions; a no-op when no registry is
 * configured.
 * <ul>
 *   <li>{@code http.server.requests}: timer; tags method, status, outcome, uri (the route template,
 *       {@code NOT_FOUND} or {@code UNKNOWN}), exception</li>
 *   <li>{@code http.server.connections.active}, {@code http.server.requests.active},
 *       {@code http.server.requests.queued} (waiting for admission), {@code http.server.admission.limit}
 *       (the adaptive limit as last set, or the fixed one), {@code http.server.scheduler.lag} (seconds
 *       a connection's bytes wait for the poller and a carrier, as the last probe measured it, or
 *       the age of a probe still waiting; 0 unless adaptive admission runs in the virtual mode):
 *       gauges</li>
 *   <li>{@code http.server.requests.refused}: counter, requests answered 503 because admission
 *       timed out; tag reason ({@code admission_timeout})</li>
 *   <li>{@code http.server.admission.wait}: timer, the waits of requests that queued for admission
 *       (not of those admitted at once); tag outcome ({@code admitted}, {@code timed_out},
 *       {@code cancelled})</li>
 *   <li>{@code http.server.connections.rejected}: counter, connections answered 503 and closed
 *       unserved; tag reason ({@code connection_limit}, {@code pool_full}, {@code pool_stopped})</li>
 *   <li>{@code http.server.connections.forced.close}: counter</li>
 *   <li>{@code http.server.requests.cancelled}: counter; tag reason</li>
 *   <li>{@code http.server.timeouts}: counter; tag phase (idle, head, body, write)</li>
 *   <li>{@code http.server.protocol.errors}: counter; tag status</li>
 *   <li>{@code http.server.received}, {@code http.server.sent}: counters, base unit bytes (Prometheus: {@code http_server_received_bytes_total})</li>
 *   <li>{@code http.server.accept.failures}: counter, failed accepts (out of file descriptors, say)</li>
 * </ul>
 */
sealed interface HttpMetrics permits HttpMetrics.Noop, HttpMetrics.Micrometer {

    /**
     * The gauges read the connection set and admission they are given, and hold them weakly (as
     * Micrometer's gauges do by default), so that a registry that outlives the server keeps none of it.
     *
     * @param connections the open connections, read by the open-connections gauge
     * @param admission   read by the gauges of requests waiting for admission and of the limit
     * @param routes      how many routes there are (their timers are kept in an array)
     */
    static HttpMetrics of(MeterRegistry registry, java.util.Collection<?> connections, Admission admission, int routes) {
        return registry == null ? new Noop() : new Micrometer(registry, connections, admission, routes);
    }

    default void requestStarted() {
    }

    /**
     * A request ended.
     *
     * @param route the route that served it, or null
     */
    default void requestEnded(String method, Router.Route route, String uri, int status, Throwable failure, long nanos) {
    }

    default void bytes(long received, long sent) {
    }

    default void connectionOpened() {
    }

    default void connectionClosed() {
    }

    /** Why a connection was answered 503 and closed unserved: the {@code reason} tag. */
    enum Rejection {
        /** {@link ServerConfig#maxConnections()} open already. */
        CONNECTION_LIMIT,
        /** Every pool thread busy and the pool's queue full. */
        POOL_FULL,
        /** The pool has stopped (shutdown) while the connection waited for its next request. */
        POOL_STOPPED;

        final String tag = name().toLowerCase(java.util.Locale.ROOT);
    }

    default void rejected(Rejection reason) {
    }

    /** A request's wait in the admission queue ended (not called for one admitted at once). */
    default void admissionWaited(AdmissionGate.Outcome outcome, long nanos) {
    }

    /** An accept failed (out of file descriptors, say). */
    default void acceptFailed() {
    }

    default void refused() {
    }

    default void forcedClose() {
    }

    default void timeout(ConnectionState.Io phase) {
    }

    default void cancelled(CancelReason.Kind reason) {
    }

    default void protocolError(int status) {
    }

    final class Noop implements HttpMetrics {
    }

    final class Micrometer implements HttpMetrics {
        private record Key(String method, String uri, int status, String exception) {
        }

        /** Methods that get a tag value of their own; any other is "_OTHER", so clients cannot add series. */
        private static final java.util.Set<String> KNOWN_METHODS =
                java.util.Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

        private final MeterRegistry registry;
        private final AtomicInteger active = new AtomicInteger();
        /**
         * The timer of a route's plain success (status 200, no exception), by route index and GET or
         * HEAD: the common case records without building a key or looking one up. Filled on first
         * use; a race registers the same meter twice, which Micrometer answers with the same timer.
         */
        private final Timer[] ok;
        private final ConcurrentHashMap<Key, Timer> timers = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
        private final Counter[] rejected = new Counter[Rejection.values().length];
        private final Timer[] waits = new Timer[AdmissionGate.Outcome.values().length];
        private final Counter refused;
        private final Counter forced;
        private final Counter acceptFailures;
        private final Counter bytesIn;
        private final Counter bytesOut;

        Micrometer(MeterRegistry registry, java.util.Collection<?> connections, Admission admission, int routes) {
            this.registry = registry;
            this.ok = new Timer[routes * 2];
            Gauge.builder("http.server.connections.active", connections, java.util.Collection::size)
                    .description("Open connections").register(registry);
            Gauge.builder("http.server.requests.active", active, AtomicInteger::get)
                    .description("Requests being served").register(registry);
            Gauge.builder("http.server.requests.queued", admission, Admission::waiting)
                    .description("Requests waiting for admission").register(registry);
            Gauge.builder("http.server.admission.limit", admission, Admission::limit)
                    .description("Handlers that may run at once: the adaptive limit as last set, or the fixed one").register(registry);
            Gauge.builder("http.server.scheduler.lag", admission, a -> a.schedulerLagNanos() / 1e9).baseUnit("seconds")
                    .description("How long a connection's bytes wait for the poller and a carrier: the last probe, or one still waiting (virtual mode with adaptive admission; else 0)")
                    .register(registry);
            refused = Counter.builder("http.server.requests.refused").tag("reason", "admission_timeout")
                    .description("Requests answered 503 because admission timed out").register(registry);
            for (Rejection r : Rejection.values()) {
                rejected[r.ordinal()] = Counter.builder("http.server.connections.rejected").tag("reason", r.tag)
                        .description("Connections answered 503 and closed unserved").register(registry);
            }
            for (AdmissionGate.Outcome o : AdmissionGate.Outcome.values()) {
                waits[o.ordinal()] = Timer.builder("http.server.admission.wait").tag("outcome", o.name().toLowerCase(java.util.Locale.ROOT))
                        .description("Waits of requests that queued for admission").register(registry);
            }
            forced = Counter.builder("http.server.connections.forced.close").description("Connections cancelled at shutdown after the grace period").register(registry);
            acceptFailures = Counter.builder("http.server.accept.failures")
                    .description("Accepts that failed, out of file descriptors for one; the acceptor backs off").register(registry);
            bytesIn = Counter.builder("http.server.received").baseUnit("bytes").description("Bytes read from clients").register(registry);
            bytesOut = Counter.builder("http.server.sent").baseUnit("bytes").description("Bytes written to clients").register(registry);
        }

        @Override
        public void requestStarted() {
            active.incrementAndGet();
        }

        @Override
        public void requestEnded(String method, Router.Route route, String uri, int status, Throwable failure, long nanos) {
            active.decrementAndGet();
            if (route != null && status == 200 && failure == null) {
                int slot = route.index * 2 + (method.equals("HEAD") ? 1 : 0);
                Timer t = ok[slot];
                if (t == null) {
                    t = timer(new Key(method, uri, status, "none"));
                    ok[slot] = t;
                }
                t.record(nanos, TimeUnit.NANOSECONDS);
                return;
            }
            String exception = failure == null ? "none" : failure.getClass().getSimpleName();
            String m = KNOWN_METHODS.contains(method) ? method : "_OTHER";
            timer(new Key(m, uri, status, exception)).record(nanos, TimeUnit.NANOSECONDS);
        }

        private Timer timer(Key key) {
            Timer known = timers.get(key);
            if (known != null) {
                return known;
            }
            return timers.computeIfAbsent(key, k -> Timer.builder("http.server.requests").description("HTTP requests served")
                    .tag("method", k.method()).tag("uri", k.uri()).tag("status", Integer.toString(k.status()))
                    .tag("outcome", Outcome.forStatus(k.status()).name()).tag("exception", k.exception())
                    .register(registry));
        }

        @Override
        public void bytes(long received, long sent) {
            bytesIn.increment(received);
            bytesOut.increment(sent);
        }

        @Override
        public void rejected(Rejection reason) {
            rejected[reason.ordinal()].increment();
        }

        @Override
        public void admissionWaited(AdmissionGate.Outcome outcome, long nanos) {
            waits[outcome.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void acceptFailed() {
            acceptFailures.increment();
        }

        @Override
        public void refused() {
            refused.increment();
        }

        @Override
        public void forcedClose() {
            forced.increment();
        }

        private Counter counter(String name, String tag, String value) {
            return counters.computeIfAbsent(name + '|' + value, k -> Counter.builder(name).tag(tag, value).register(registry));
        }

        @Override
        public void timeout(ConnectionState.Io phase) {
            counter("http.server.timeouts", "phase", phase.name().toLowerCase(java.util.Locale.ROOT)).increment();
        }

        @Override
        public void cancelled(CancelReason.Kind reason) {
            counter("http.server.requests.cancelled", "reason", reason.tag()).increment();
        }

        @Override
        public void protocolError(int status) {
            counter("http.server.protocol.errors", "status", Integer.toString(status)).increment();
        }
    }
}
