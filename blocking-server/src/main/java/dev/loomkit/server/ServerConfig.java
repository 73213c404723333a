package dev.loomkit.server;

import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Every limit of the server, in one immutable place, each bounded by default. Each {@code with}
 * method returns a copy.
 * {@snippet :
 * var config = ServerConfig.defaults()
 *         .withPort(8080)
 *         .withThreadMode(ThreadMode.PLATFORM).withPlatformPoolSize(200)
 *         .withRequestTimeout(Duration.ofSeconds(5));
 * }
 *
 * @param address             where to listen (default: loopback)
 * @param port                TCP port; 0 picks a free one
 * @param backlog             the listen backlog
 * @param threadMode          where connection and subtask threads come from
 * @param platformPoolSize    platform and selector-pool modes: the pool's threads, serving connections
 *                            (platform) or requests (selector-pool)
 * @param platformQueueSize   platform mode: accepted connections waiting for a thread; past it, 503.
 *                            (In selector-pool mode the queue holds connections whose next request
 *                            head has arrived, and has room for {@code maxConnections} of them.)
 * @param maxConnections      connections open at once
 * @param overLimit           what to do with a connection past {@code maxConnections}
 * @param maxConcurrentRequests requests whose handlers may run at once (admission control); past
 *                            it a request waits, first come first served, inside its request scope
 * @param admissionTimeout    how long a request may wait for admission; then 503 with
 *                            {@code Retry-After}, and the connection stays open
 * @param maxRequestLineBytes longest request line; a longer one gets 414
 * @param maxHeaderBytes      largest header section; a larger one gets 431
 * @param maxHeaderCount      most header fields; more get 431
 * @param maxBodyBytes        largest request body; a larger one gets 413 without being read
 * @param headerTimeout       time to receive a request head once its first byte arrived (slowloris)
 * @param idleTimeout         time a keep-alive connection may wait for its next request
 * @param bodyTimeout         time the request body may go without progress
 * @param writeTimeout        time a response write may go without progress
 * @param requestTimeout      the request scope's deadline, unless the route sets its own; missed: 503
 * @param clientGoneCheckAfter how long a handler runs before the server watches for its client leaving;
 *                            ten times as long while the process uses 90% or more of its CPUs
 * @param shutdownGrace       how long {@link HttpServer#close()} lets in-flight requests finish
 * @param accessLog           log one line per request to logger {@code dev.loomkit.server.access}
 * @param meterRegistry       where to record HTTP meters, or {@code null} for none
 * @param clientGoneOnEndOfInput whether the end of a client's input while its request is handled
 *                            means the client has gone (its request scope is then cancelled with
 *                            reason client-disconnected). On by default, as in nginx: clients that
 *                            give up close the whole connection, and their work should stop. A client
 *                            that half-closes after sending (TCP {@code SHUT_WR}, as {@code nc -N}
 *                            does) still waits for its answer, and would lose it; turn this off for
 *                            such clients, and the end of input then only ends the watch.
 */
public record ServerConfig(InetAddress address, int port, int backlog, ThreadMode threadMode, int platformPoolSize,
                           int platformQueueSize, int maxConnections, OverLimit overLimit, int maxConcurrentRequests,
                           Duration admissionTimeout, int maxRequestLineBytes,
                           int maxHeaderBytes, int maxHeaderCount, long maxBodyBytes, Duration headerTimeout,
                           Duration idleTimeout, Duration bodyTimeout, Duration writeTimeout, Duration requestTimeout,
                           Duration clientGoneCheckAfter, Duration shutdownGrace, boolean accessLog,
                           MeterRegistry meterRegistry, boolean clientGoneOnEndOfInput) {

    /** What the server does with a connection past {@link #maxConnections()}. */
    public enum OverLimit {
        /** Accept it, answer 503 with {@code Connection: close}, and close it. */
        REJECT_503,
        /** Stop accepting until a connection closes; new ones wait in the listen backlog. */
        STOP_ACCEPTING
    }

    /**
     * Validates every limit.
     *
     * @throws NullPointerException     if a required component is null
     * @throws IllegalArgumentException naming the component, if a limit is out of range
     */
    public ServerConfig {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(threadMode, "threadMode");
        Objects.requireNonNull(overLimit, "overLimit");
        requireRange("port", port, 0, 65_535);
        requireRange("backlog", backlog, 1, 1 << 20);
        requireRange("platformPoolSize", platformPoolSize, 1, 100_000);
        requireRange("platformQueueSize", platformQueueSize, 1, 1 << 20);
        requireRange("maxConnections", maxConnections, 1, 10_000_000);
        requireRange("maxConcurrentRequests", maxConcurrentRequests, 1, 10_000_000);
        requirePositive("admissionTimeout", admissionTimeout);
        requireRange("maxRequestLineBytes", maxRequestLineBytes, 64, 1 << 20);
        requireRange("maxHeaderBytes", maxHeaderBytes, 256, 1 << 24);
        requireRange("maxHeaderCount", maxHeaderCount, 1, 100_000);
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("maxBodyBytes must not be negative: " + maxBodyBytes);
        }
        requirePositive("headerTimeout", headerTimeout);
        requirePositive("idleTimeout", idleTimeout);
        requirePositive("bodyTimeout", bodyTimeout);
        requirePositive("writeTimeout", writeTimeout);
        requirePositive("requestTimeout", requestTimeout);
        requirePositive("clientGoneCheckAfter", clientGoneCheckAfter);
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace must not be negative: " + shutdownGrace);
        }
    }

    private static void requireRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "]: " + value);
        }
    }

    private static void requirePositive(String name, Duration d) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }

    /** {@return the defaults: loopback, port 8080, virtual threads, every limit bounded} */
    public static ServerConfig defaults() {
        return new ServerConfig(InetAddress.getLoopbackAddress(), 8080, 1024, ThreadMode.VIRTUAL, 200, 1024,
                10_000, OverLimit.REJECT_503, 10_000, Duration.ofSeconds(1), 8 * 1024, 16 * 1024, 100,
                10L * 1024 * 1024, Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(30),
                Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofSeconds(10), false, null, true);
    }

    // The with-methods below are one line each on purpose: a record copy with one component changed.

    /**
     * {@return a copy listening on this address}
     *
     * @param v the address
     */
    public ServerConfig withAddress(InetAddress v) { return new ServerConfig(v, port, backlog, threadMode, platformPoolSize, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy on this port}
     *
     * @param v the port, 0 for any free one
     */
    public ServerConfig withPort(int v) { return new ServerConfig(address, v, backlog, threadMode, platformPoolSize, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy with this listen backlog}
     *
     * @param v the backlog
     */
    public ServerConfig withBacklog(int v) { return new ServerConfig(address, port, v, threadMode, platformPoolSize, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy in this thread mode}
     *
     * @param v the mode
     */
    public ServerConfig withThreadMode(ThreadMode v) { return new ServerConfig(address, port, backlog, v, platformPoolSize, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy with this platform pool size}
     *
     * @param v the number of platform threads
     */
    public ServerConfig withPlatformPoolSize(int v) { return new ServerConfig(address, port, backlog, threadMode, v, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy with this platform queue size}
     *
     * @param v connections that may wait for a thread
     */
    public ServerConfig withPlatformQueueSize(int v) { return new ServerConfig(address, port, backlog, threadMode, platformPoolSize, v, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy with this connection limit}
     *
     * @param v the most connections open at once
     */
    public ServerConfig withMaxConnections(int v) { return new ServerConfig(address, port, backlog, threadMode, platformPoolSize, platformQueueSize, v, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy with this over-limit action}
     *
     * @param v what to do past the connection limit
     */
    public ServerConfig withOverLimit(OverLimit v) { return new ServerConfig(address, port, backlog, threadMode, platformPoolSize, platformQueueSize, maxConnections, v, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }

    /**
     * {@return a copy admitting at most this many requests at once}
     *
     * @param v the limit, at least 1
     */
    public ServerConfig withMaxConcurrentRequests(int v) { return new ServerConfig(address, port, backlog, threadMode, platformPoolSize, platformQueueSize, maxConnections, overLimit, v, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }

    /**
     * {@return a copy in which a request waits at most this long for admission}
     *
     * @param v a positive duration
     */
    public ServerConfig withAdmissionTimeout(Duration v) { return new ServerConfig(address, port, backlog, threadMode, platformPoolSize, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, v, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy with this request-line limit}
     *
     * @param v bytes
     */
    public ServerConfig withMaxRequestLineBytes(int v) { return new ServerConfig(address, port, backlog, threadMode, platformPoolSize, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, v, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy with this header-section limit}
     *
     * @param v bytes
     */
    public ServerConfig withMaxHeaderBytes(int v) { return new ServerConfig(address, port, backlog, threadMode, platformPoolSize, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, v, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy with this header-count limit}
     *
     * @param v fields
     */
    public ServerConfig withMaxHeaderCount(int v) { return new ServerConfig(address, port, backlog, threadMode, platformPoolSize, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, v, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy with this body limit}
     *
     * @param v bytes
     */
    public ServerConfig withMaxBodyBytes(long v) { return new ServerConfig(address, port, backlog, threadMode, platformPoolSize, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, v, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy with this header timeout}
     *
     * @param v the time allowed
     */
    public ServerConfig withHeaderTimeout(Duration v) { return new ServerConfig(address, port, backlog, threadMode, platformPoolSize, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, v, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy with this idle timeout}
     *
     * @param v the time allowed
     */
    public ServerConfig withIdleTimeout(Duration v) { return new ServerConfig(address, port, backlog, threadMode, platformPoolSize, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, v, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy with this body timeout}
     *
     * @param v the time allowed without progress
     */
    public ServerConfig withBodyTimeout(Duration v) { return new ServerConfig(address, port, backlog, threadMode, platformPoolSize, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, v, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy with this write timeout}
     *
     * @param v the time allowed without progress
     */
    public ServerConfig withWriteTimeout(Duration v) { return new ServerConfig(address, port, backlog, threadMode, platformPoolSize, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, v, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy with this request deadline}
     *
     * @param v the time a request may take
     */
    public ServerConfig withRequestTimeout(Duration v) { return new ServerConfig(address, port, backlog, threadMode, platformPoolSize, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, v, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy with this client-gone check delay}
     *
     * @param v how long a handler runs before watching
     */
    public ServerConfig withClientGoneCheckAfter(Duration v) { return new ServerConfig(address, port, backlog, threadMode, platformPoolSize, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, v, shutdownGrace, accessLog, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy with this shutdown grace}
     *
     * @param v the time in-flight requests get
     */
    public ServerConfig withShutdownGrace(Duration v) { return new ServerConfig(address, port, backlog, threadMode, platformPoolSize, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, v, accessLog, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy with the access log on or off}
     *
     * @param v on
     */
    public ServerConfig withAccessLog(boolean v) { return new ServerConfig(address, port, backlog, threadMode, platformPoolSize, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, v, meterRegistry, clientGoneOnEndOfInput); }
    /**
     * {@return a copy recording meters in this registry}
     *
     * @param v the registry, or null for none
     */
    public ServerConfig withMeterRegistry(MeterRegistry v) { return new ServerConfig(address, port, backlog, threadMode, platformPoolSize, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, v, clientGoneOnEndOfInput); }

    /**
     * {@return a copy that does, or does not, take the end of a client's input during its request
     * for the client having gone}
     *
     * @param v whether a half-closed client counts as gone
     */
    public ServerConfig withClientGoneOnEndOfInput(boolean v) { return new ServerConfig(address, port, backlog, threadMode, platformPoolSize, platformQueueSize, maxConnections, overLimit, maxConcurrentRequests, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, clientGoneCheckAfter, shutdownGrace, accessLog, meterRegistry, v); }

    /** {@return the shortest connection timeout or request deadline: the sweeper checks several times within it} */
    Duration shortestTimeout() {
        Duration d = headerTimeout;
        for (Duration t : new Duration[] {idleTimeout, bodyTimeout, writeTimeout, requestTimeout}) {
            if (t.compareTo(d) < 0) {
                d = t;
            }
        }
        return d;
    }
}
