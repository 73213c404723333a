package dev.loomkit.server;

import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Every limit of the server, in one immutable place, each bounded by default. Built by a
 * {@link Builder}, whose fields hold the defaults and whose {@link Builder#build()} validates every
 * limit in one place; a {@code with} method returns a copy with one setting changed.
 * {@snippet :
 * var config = ServerConfig.builder()
 *         .port(8080)
 *         .threadMode(ThreadMode.PLATFORM).platformPoolSize(200)
 *         .requestTimeout(Duration.ofSeconds(5))
 *         .build();
 * var test = config.withPort(0); // a copy
 * }
 * The settings come in groups: listening (address, port, backlog, connection limit), threads,
 * admission, message limits, timeouts, the client-gone watch, and observability.
 *
 * <p>A class, not a record, on purpose: a new limit is a new builder method, not a new component
 * of a canonical constructor that every caller would have to change.
 */
public final class ServerConfig {

    /** What the server does with a connection past {@link #maxConnections()}. */
    public enum OverLimit {
        /** Accept it, answer 503 with {@code Connection: close}, and close it. */
        REJECT_503,
        /** Stop accepting until a connection closes; new ones wait in the listen backlog. */
        STOP_ACCEPTING
    }

    private final InetAddress address;
    private final int port;
    private final int backlog;
    private final int maxConnections;
    private final OverLimit overLimit;
    private final ThreadMode threadMode;
    private final int platformPoolSize;
    private final int platformQueueSize;
    private final int maxConcurrentRequests;
    /** As set, or null: then on in the virtual mode and off in the others ({@link #adaptiveAdmission()}). */
    private final Boolean adaptiveAdmission;
    private final Duration admissionTimeout;
    private final int maxRequestLineBytes;
    private final int maxHeaderBytes;
    private final int maxHeaderCount;
    private final long maxBodyBytes;
    private final Duration headerTimeout;
    private final Duration idleTimeout;
    private final Duration bodyTimeout;
    private final Duration writeTimeout;
    private final Duration requestTimeout;
    private final Duration shutdownGrace;
    private final Duration clientGoneCheckAfter;
    private final boolean clientGoneOnEndOfInput;
    private final boolean accessLog;
    private final MeterRegistry meterRegistry;

    private ServerConfig(Builder b) {
        this.address = b.address;
        this.port = b.port;
        this.backlog = b.backlog;
        this.maxConnections = b.maxConnections;
        this.overLimit = b.overLimit;
        this.threadMode = b.threadMode;
        this.platformPoolSize = b.platformPoolSize;
        this.platformQueueSize = b.platformQueueSize;
        this.maxConcurrentRequests = b.maxConcurrentRequests;
        this.adaptiveAdmission = b.adaptiveAdmission;
        this.admissionTimeout = b.admissionTimeout;
        this.maxRequestLineBytes = b.maxRequestLineBytes;
        this.maxHeaderBytes = b.maxHeaderBytes;
        this.maxHeaderCount = b.maxHeaderCount;
        this.maxBodyBytes = b.maxBodyBytes;
        this.headerTimeout = b.headerTimeout;
        this.idleTimeout = b.idleTimeout;
        this.bodyTimeout = b.bodyTimeout;
        this.writeTimeout = b.writeTimeout;
        this.requestTimeout = b.requestTimeout;
        this.shutdownGrace = b.shutdownGrace;
        this.clientGoneCheckAfter = b.clientGoneCheckAfter;
        this.clientGoneOnEndOfInput = b.clientGoneOnEndOfInput;
        this.accessLog = b.accessLog;
        this.meterRegistry = b.meterRegistry;
        validate();
    }

    /**
     * Checks every limit; the one place where they are checked.
     *
     * @throws NullPointerException     if a required setting is null
     * @throws IllegalArgumentException naming the setting, if a limit is out of range
     */
    private void validate() {
        Objects.requireNonNull(address, "address");
        requireRange("port", port, 0, 65_535);
        requireRange("backlog", backlog, 1, 1 << 20);
        requireRange("maxConnections", maxConnections, 1, 10_000_000);
        Objects.requireNonNull(overLimit, "overLimit");
        Objects.requireNonNull(threadMode, "threadMode");
        requireRange("platformPoolSize", platformPoolSize, 1, 100_000);
        requireRange("platformQueueSize", platformQueueSize, 1, 1 << 20);
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
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace must not be negative: " + shutdownGrace);
        }
        requirePositive("clientGoneCheckAfter", clientGoneCheckAfter);
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
        return new Builder().build();
    }

    /** {@return a builder holding the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder holding this configuration's settings} */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** {@return where to listen (default: loopback)} */
    public InetAddress address() {
        return address;
    }

    /** {@return the TCP port; 0 picks a free one (default 8080)} */
    public int port() {
        return port;
    }

    /** {@return the listen backlog (default 1,024)} */
    public int backlog() {
        return backlog;
    }

    /** {@return connections open at once (default 10,000)} */
    public int maxConnections() {
        return maxConnections;
    }

    /** {@return what to do with a connection past {@code maxConnections} (default: answer 503 and close)} */
    public OverLimit overLimit() {
        return overLimit;
    }

    /** {@return where connection and subtask threads come from (default: virtual threads)} */
    public ThreadMode threadMode() {
        return threadMode;
    }

    /** {@return platform and selector-pool modes: the pool's threads, serving connections (platform) or requests (selector-pool) (default 200)} */
    public int platformPoolSize() {
        return platformPoolSize;
    }

    /** {@return platform mode: accepted connections waiting for a thread; past it, 503 (default 1,024). In selector-pool mode the queue holds connections whose next request head has arrived, and has room for {@code maxConnections} of them} */
    public int platformQueueSize() {
        return platformQueueSize;
    }

    /** {@return requests whose handlers may run at once (admission control): the fixed limit, or the adaptive limit's ceiling; past it a request waits, first come first served, inside its request scope (default 10,000, the connection limit: it never binds on its own)} */
    public int maxConcurrentRequests() {
        return maxConcurrentRequests;
    }

    /** {@return whether the limit on handlers running at once adapts: learnt from their latency while the server is under pressure, free to grow while it is not, never above {@code maxConcurrentRequests}. Under pressure means, in the virtual mode, that a connection's bytes have waited longer than the admission timeout (within [5 ms, 1 s]) for a carrier for 100 ms on end; in the platform modes, that the CPUs are saturated. Default: on in the virtual mode, where nothing else bounds the requests running (only the connections); off in the platform modes, whose pool is their limit; unless set, it follows {@code threadMode} (ADR 0007). Off: {@code maxConcurrentRequests} is a fixed limit, which at or above {@code maxConnections} never binds (no limit)} */
    public boolean adaptiveAdmission() {
        return adaptiveAdmission != null ? adaptiveAdmission : threadMode == ThreadMode.VIRTUAL;
    }

    /** {@return how long a request may wait for admission; then 503 with {@code Retry-After}, and the connection stays open (default 1 s)} */
    public Duration admissionTimeout() {
        return admissionTimeout;
    }

    /** {@return longest request line; a longer one gets 414 (default 8 KiB)} */
    public int maxRequestLineBytes() {
        return maxRequestLineBytes;
    }

    /** {@return largest header section; a larger one gets 431 (default 16 KiB)} */
    public int maxHeaderBytes() {
        return maxHeaderBytes;
    }

    /** {@return most header fields; more get 431 (default 100)} */
    public int maxHeaderCount() {
        return maxHeaderCount;
    }

    /** {@return largest request body; a larger one gets 413 without being read (default 10 MiB)} */
    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    /** {@return time to receive a request head once its first byte arrived: the slowloris guard (default 10 s)} */
    public Duration headerTimeout() {
        return headerTimeout;
    }

    /** {@return time a keep-alive connection may wait for its next request (default 60 s)} */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** {@return time the request body may go without progress (default 30 s)} */
    public Duration bodyTimeout() {
        return bodyTimeout;
    }

    /** {@return time a response write may go without progress (default 30 s)} */
    public Duration writeTimeout() {
        return writeTimeout;
    }

    /** {@return the request scope's deadline, unless the route sets its own; missed: 503 (default 30 s)} */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** {@return how long {@link HttpServer#close()} lets in-flight requests finish (default 10 s)} */
    public Duration shutdownGrace() {
        return shutdownGrace;
    }

    /** {@return how long a handler runs before the server watches for its client leaving; ten times as long while the process uses 90% or more of its CPUs (default 100 ms)} */
    public Duration clientGoneCheckAfter() {
        return clientGoneCheckAfter;
    }

    /** {@return whether the end of a client's input while its request is handled means the client has gone (its request scope is then cancelled with reason client-disconnected). On by default, as in nginx: clients that give up close the whole connection, and their work should stop. A client that half-closes after sending (TCP {@code SHUT_WR}, as {@code nc -N} does) still waits for its answer, and would lose it; turn this off for such clients, and the end of input then only ends the watch} */
    public boolean clientGoneOnEndOfInput() {
        return clientGoneOnEndOfInput;
    }

    /** {@return whether to log one line per request to logger {@code dev.loomkit.server.access} (default off)} */
    public boolean accessLog() {
        return accessLog;
    }

    /** {@return where to record HTTP meters, or {@code null} for none (the default)} */
    public MeterRegistry meterRegistry() {
        return meterRegistry;
    }

    // With-methods: a copy with one setting changed, as the builder's method of the same name.

    /**
     * {@return a copy with this address}
     *
     * @param v where to listen
     * @throws NullPointerException if it is null
     */
    public ServerConfig withAddress(InetAddress v) {
        return toBuilder().address(v).build();
    }

    /**
     * {@return a copy with this port}
     *
     * @param v the TCP port
     * @throws IllegalArgumentException if it is out of range
     */
    public ServerConfig withPort(int v) {
        return toBuilder().port(v).build();
    }

    /**
     * {@return a copy with this backlog}
     *
     * @param v the listen backlog
     * @throws IllegalArgumentException if it is out of range
     */
    public ServerConfig withBacklog(int v) {
        return toBuilder().backlog(v).build();
    }

    /**
     * {@return a copy with this maxConnections}
     *
     * @param v connections open at once
     * @throws IllegalArgumentException if it is out of range
     */
    public ServerConfig withMaxConnections(int v) {
        return toBuilder().maxConnections(v).build();
    }

    /**
     * {@return a copy with this overLimit}
     *
     * @param v what to do with a connection past {@code maxConnections}
     * @throws NullPointerException if it is null
     */
    public ServerConfig withOverLimit(OverLimit v) {
        return toBuilder().overLimit(v).build();
    }

    /**
     * {@return a copy with this threadMode} Unless adaptive admission was set, it follows the mode
     * ({@link #adaptiveAdmission()}).
     *
     * @param v where connection and subtask threads come from
     * @throws NullPointerException if it is null
     */
    public ServerConfig withThreadMode(ThreadMode v) {
        return toBuilder().threadMode(v).build();
    }

    /**
     * {@return a copy with this platformPoolSize}
     *
     * @param v platform and selector-pool modes: the pool's threads, serving connections (platform) or requests (selector-pool)
     * @throws IllegalArgumentException if it is out of range
     */
    public ServerConfig withPlatformPoolSize(int v) {
        return toBuilder().platformPoolSize(v).build();
    }

    /**
     * {@return a copy with this platformQueueSize}
     *
     * @param v platform mode: accepted connections waiting for a thread
     * @throws IllegalArgumentException if it is out of range
     */
    public ServerConfig withPlatformQueueSize(int v) {
        return toBuilder().platformQueueSize(v).build();
    }

    /**
     * {@return a copy with this maxConcurrentRequests}
     *
     * @param v requests whose handlers may run at once (admission control): the fixed limit, or the adaptive limit's ceiling
     * @throws IllegalArgumentException if it is out of range
     */
    public ServerConfig withMaxConcurrentRequests(int v) {
        return toBuilder().maxConcurrentRequests(v).build();
    }

    /**
     * {@return a copy with this adaptiveAdmission}
     *
     * @param v whether the limit on handlers running at once adapts: learnt from their latency while the server is under pressure, free to grow while it is not, never above {@code maxConcurrentRequests}. Under pressure means, in the virtual mode, that a connection's bytes have waited longer than the admission timeout (within [5 ms, 1 s]) for a carrier for 100 ms on end; in the platform modes, that the CPUs are saturated. Default: on in the virtual mode, where nothing else bounds the requests running (only the connections); off in the platform modes, whose pool is their limit; unless set, it follows {@code threadMode} (ADR 0007). Off: {@code maxConcurrentRequests} is a fixed limit, which at or above {@code maxConnections} never binds (no limit)
     */
    public ServerConfig withAdaptiveAdmission(boolean v) {
        return toBuilder().adaptiveAdmission(v).build();
    }

    /**
     * {@return a copy with this admissionTimeout}
     *
     * @param v how long a request may wait for admission
     * @throws IllegalArgumentException if it is out of range
     */
    public ServerConfig withAdmissionTimeout(Duration v) {
        return toBuilder().admissionTimeout(v).build();
    }

    /**
     * {@return a copy with this maxRequestLineBytes}
     *
     * @param v longest request line
     * @throws IllegalArgumentException if it is out of range
     */
    public ServerConfig withMaxRequestLineBytes(int v) {
        return toBuilder().maxRequestLineBytes(v).build();
    }

    /**
     * {@return a copy with this maxHeaderBytes}
     *
     * @param v largest header section
     * @throws IllegalArgumentException if it is out of range
     */
    public ServerConfig withMaxHeaderBytes(int v) {
        return toBuilder().maxHeaderBytes(v).build();
    }

    /**
     * {@return a copy with this maxHeaderCount}
     *
     * @param v most header fields
     * @throws IllegalArgumentException if it is out of range
     */
    public ServerConfig withMaxHeaderCount(int v) {
        return toBuilder().maxHeaderCount(v).build();
    }

    /**
     * {@return a copy with this maxBodyBytes}
     *
     * @param v largest request body
     * @throws IllegalArgumentException if it is out of range
     */
    public ServerConfig withMaxBodyBytes(long v) {
        return toBuilder().maxBodyBytes(v).build();
    }

    /**
     * {@return a copy with this headerTimeout}
     *
     * @param v time to receive a request head once its first byte arrived: the slowloris guard
     * @throws IllegalArgumentException if it is out of range
     */
    public ServerConfig withHeaderTimeout(Duration v) {
        return toBuilder().headerTimeout(v).build();
    }

    /**
     * {@return a copy with this idleTimeout}
     *
     * @param v time a keep-alive connection may wait for its next request
     * @throws IllegalArgumentException if it is out of range
     */
    public ServerConfig withIdleTimeout(Duration v) {
        return toBuilder().idleTimeout(v).build();
    }

    /**
     * {@return a copy with this bodyTimeout}
     *
     * @param v time the request body may go without progress
     * @throws IllegalArgumentException if it is out of range
     */
    public ServerConfig withBodyTimeout(Duration v) {
        return toBuilder().bodyTimeout(v).build();
    }

    /**
     * {@return a copy with this writeTimeout}
     *
     * @param v time a response write may go without progress
     * @throws IllegalArgumentException if it is out of range
     */
    public ServerConfig withWriteTimeout(Duration v) {
        return toBuilder().writeTimeout(v).build();
    }

    /**
     * {@return a copy with this requestTimeout}
     *
     * @param v the request scope's deadline, unless the route sets its own
     * @throws IllegalArgumentException if it is out of range
     */
    public ServerConfig withRequestTimeout(Duration v) {
        return toBuilder().requestTimeout(v).build();
    }

    /**
     * {@return a copy with this shutdownGrace}
     *
     * @param v how long {@link HttpServer#close()} lets in-flight requests finish
     * @throws IllegalArgumentException if it is out of range
     */
    public ServerConfig withShutdownGrace(Duration v) {
        return toBuilder().shutdownGrace(v).build();
    }

    /**
     * {@return a copy with this clientGoneCheckAfter}
     *
     * @param v how long a handler runs before the server watches for its client leaving
     * @throws IllegalArgumentException if it is out of range
     */
    public ServerConfig withClientGoneCheckAfter(Duration v) {
        return toBuilder().clientGoneCheckAfter(v).build();
    }

    /**
     * {@return a copy with this clientGoneOnEndOfInput}
     *
     * @param v whether the end of a client's input while its request is handled means the client has gone (its request scope is then cancelled with reason client-disconnected). On by default, as in nginx: clients that give up close the whole connection, and their work should stop. A client that half-closes after sending (TCP {@code SHUT_WR}, as {@code nc -N} does) still waits for its answer, and would lose it
     */
    public ServerConfig withClientGoneOnEndOfInput(boolean v) {
        return toBuilder().clientGoneOnEndOfInput(v).build();
    }

    /**
     * {@return a copy with this accessLog}
     *
     * @param v whether to log one line per request to logger {@code dev.loomkit.server.access}
     */
    public ServerConfig withAccessLog(boolean v) {
        return toBuilder().accessLog(v).build();
    }

    /**
     * {@return a copy with this meterRegistry}
     *
     * @param v where to record HTTP meters, or {@code null} for none (the default)
     */
    public ServerConfig withMeterRegistry(MeterRegistry v) {
        return toBuilder().meterRegistry(v).build();
    }

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

    @Override
    public boolean equals(Object o) {
        return o instanceof ServerConfig c
                && Objects.equals(address, c.address)
                && port == c.port
                && backlog == c.backlog
                && maxConnections == c.maxConnections
                && Objects.equals(overLimit, c.overLimit)
                && Objects.equals(threadMode, c.threadMode)
                && platformPoolSize == c.platformPoolSize
                && platformQueueSize == c.platformQueueSize
                && maxConcurrentRequests == c.maxConcurrentRequests
                && Objects.equals(adaptiveAdmission, c.adaptiveAdmission)
                && Objects.equals(admissionTimeout, c.admissionTimeout)
                && maxRequestLineBytes == c.maxRequestLineBytes
                && maxHeaderBytes == c.maxHeaderBytes
                && maxHeaderCount == c.maxHeaderCount
                && maxBodyBytes == c.maxBodyBytes
                && Objects.equals(headerTimeout, c.headerTimeout)
                && Objects.equals(idleTimeout, c.idleTimeout)
                && Objects.equals(bodyTimeout, c.bodyTimeout)
                && Objects.equals(writeTimeout, c.writeTimeout)
                && Objects.equals(requestTimeout, c.requestTimeout)
                && Objects.equals(shutdownGrace, c.shutdownGrace)
                && Objects.equals(clientGoneCheckAfter, c.clientGoneCheckAfter)
                && clientGoneOnEndOfInput == c.clientGoneOnEndOfInput
                && accessLog == c.accessLog
                && Objects.equals(meterRegistry, c.meterRegistry);
    }

    @Override
    public int hashCode() {
        return Objects.hash(address, port, backlog, maxConnections, overLimit, threadMode, platformPoolSize, platformQueueSize, maxConcurrentRequests, adaptiveAdmission, admissionTimeout, maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxBodyBytes, headerTimeout, idleTimeout, bodyTimeout, writeTimeout, requestTimeout, shutdownGrace, clientGoneCheckAfter, clientGoneOnEndOfInput, accessLog, meterRegistry);
    }

    @Override
    public String toString() {
        return "ServerConfig["
                + "address=" + address
                + ", port=" + port
                + ", backlog=" + backlog
                + ", maxConnections=" + maxConnections
                + ", overLimit=" + overLimit
                + ", threadMode=" + threadMode
                + ", platformPoolSize=" + platformPoolSize
                + ", platformQueueSize=" + platformQueueSize
                + ", maxConcurrentRequests=" + maxConcurrentRequests
                + ", adaptiveAdmission=" + adaptiveAdmission() + (adaptiveAdmission == null ? " (the mode's default)" : "")
                + ", admissionTimeout=" + admissionTimeout
                + ", maxRequestLineBytes=" + maxRequestLineBytes
                + ", maxHeaderBytes=" + maxHeaderBytes
                + ", maxHeaderCount=" + maxHeaderCount
                + ", maxBodyBytes=" + maxBodyBytes
                + ", headerTimeout=" + headerTimeout
                + ", idleTimeout=" + idleTimeout
                + ", bodyTimeout=" + bodyTimeout
                + ", writeTimeout=" + writeTimeout
                + ", requestTimeout=" + requestTimeout
                + ", shutdownGrace=" + shutdownGrace
                + ", clientGoneCheckAfter=" + clientGoneCheckAfter
                + ", clientGoneOnEndOfInput=" + clientGoneOnEndOfInput
                + ", accessLog=" + accessLog
                + ", meterRegistry=" + meterRegistry
                + "]";
    }

    /**
     * Collects settings, starting from the defaults; {@link #build()} checks them all. Not thread-safe:
     * one thread builds. Each method sets one value and returns this builder.
     */
    public static final class Builder {
        // Listening
        private InetAddress address = InetAddress.getLoopbackAddress();
        private int port = 8080;
        private int backlog = 1024;
        private int maxConnections = 10_000;
        private OverLimit overLimit = OverLimit.REJECT_503;
        // Threads
        private ThreadMode threadMode = ThreadMode.VIRTUAL;
        private int platformPoolSize = 200;
        private int platformQueueSize = 1024;
        // Admission
        private int maxConcurrentRequests = 10_000;
        private Boolean adaptiveAdmission = null; // by the thread mode, unless set
        private Duration admissionTimeout = Duration.ofSeconds(1);
        // Message limits
        private int maxRequestLineBytes = 8 * 1024;
        private int maxHeaderBytes = 16 * 1024;
        private int maxHeaderCount = 100;
        private long maxBodyBytes = 10L * 1024 * 1024;
        // Timeouts
        private Duration headerTimeout = Duration.ofSeconds(10);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration bodyTimeout = Duration.ofSeconds(30);
        private Duration writeTimeout = Duration.ofSeconds(30);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration shutdownGrace = Duration.ofSeconds(10);
        // Client gone
        private Duration clientGoneCheckAfter = Duration.ofMillis(100);
        private boolean clientGoneOnEndOfInput = true;
        // Observability
        private boolean accessLog = false;
        private MeterRegistry meterRegistry = null;

        private Builder() {
        }

        private Builder(ServerConfig c) {
            this.address = c.address;
            this.port = c.port;
            this.backlog = c.backlog;
            this.maxConnections = c.maxConnections;
            this.overLimit = c.overLimit;
            this.threadMode = c.threadMode;
            this.platformPoolSize = c.platformPoolSize;
            this.platformQueueSize = c.platformQueueSize;
            this.maxConcurrentRequests = c.maxConcurrentRequests;
            this.adaptiveAdmission = c.adaptiveAdmission;
            this.admissionTimeout = c.admissionTimeout;
            this.maxRequestLineBytes = c.maxRequestLineBytes;
            this.maxHeaderBytes = c.maxHeaderBytes;
            this.maxHeaderCount = c.maxHeaderCount;
            this.maxBodyBytes = c.maxBodyBytes;
            this.headerTimeout = c.headerTimeout;
            this.idleTimeout = c.idleTimeout;
            this.bodyTimeout = c.bodyTimeout;
            this.writeTimeout = c.writeTimeout;
            this.requestTimeout = c.requestTimeout;
            this.shutdownGrace = c.shutdownGrace;
            this.clientGoneCheckAfter = c.clientGoneCheckAfter;
            this.clientGoneOnEndOfInput = c.clientGoneOnEndOfInput;
            this.accessLog = c.accessLog;
            this.meterRegistry = c.meterRegistry;
        }

        /**
         * Sets where to listen (default: loopback).
         *
         * @param v the value
         * @return this builder
         */
        public Builder address(InetAddress v) {
            this.address = v;
            return this;
        }

        /**
         * Sets the TCP port; 0 picks a free one (default 8080).
         *
         * @param v the value
         * @return this builder
         */
        public Builder port(int v) {
            this.port = v;
            return this;
        }

        /**
         * Sets the listen backlog (default 1,024).
         *
         * @param v the value
         * @return this builder
         */
        public Builder backlog(int v) {
            this.backlog = v;
            return this;
        }

        /**
         * Sets connections open at once (default 10,000).
         *
         * @param v the value
         * @return this builder
         */
        public Builder maxConnections(int v) {
            this.maxConnections = v;
            return this;
        }

        /**
         * Sets what to do with a connection past {@code maxConnections} (default: answer 503 and close).
         *
         * @param v the value
         * @return this builder
         */
        public Builder overLimit(OverLimit v) {
            this.overLimit = v;
            return this;
        }

        /**
         * Sets where connection and subtask threads come from (default: virtual threads). Unless
         * {@link #adaptiveAdmission(boolean)} was set, admission follows it: adaptive in the virtual
         * mode, fixed in the platform modes.
         *
         * @param v the value
         * @return this builder
         */
        public Builder threadMode(ThreadMode v) {
            this.threadMode = v;
            return this;
        }

        /**
         * Sets platform and selector-pool modes: the pool's threads, serving connections (platform) or requests (selector-pool) (default 200).
         *
         * @param v the value
         * @return this builder
         */
        public Builder platformPoolSize(int v) {
            this.platformPoolSize = v;
            return this;
        }

        /**
         * Sets platform mode: accepted connections waiting for a thread; past it, 503 (default 1,024). In selector-pool mode the queue holds connections whose next request head has arrived, and has room for {@code maxConnections} of them.
         *
         * @param v the value
         * @return this builder
         */
        public Builder platformQueueSize(int v) {
            this.platformQueueSize = v;
            return this;
        }

        /**
         * Sets requests whose handlers may run at once (admission control): the fixed limit, or the adaptive limit's ceiling; past it a request waits, first come first served, inside its request scope (default 10,000, the connection limit: it never binds on its own).
         *
         * @param v the value
         * @return this builder
         */
        public Builder maxConcurrentRequests(int v) {
            this.maxConcurrentRequests = v;
            return this;
        }

        /**
         * Sets whether the limit on handlers running at once adapts: learnt from their latency while the server is under pressure, free to grow while it is not, never above {@code maxConcurrentRequests}. Under pressure means, in the virtual mode, that a connection's bytes have waited longer than the admission timeout (within [5 ms, 1 s]) for a carrier for 100 ms on end; in the platform modes, that the CPUs are saturated. Default: on in the virtual mode, where nothing else bounds the requests running (only the connections); off in the platform modes, whose pool is their limit; unless set, it follows {@code threadMode} (ADR 0007). Off: {@code maxConcurrentRequests} is a fixed limit, which at or above {@code maxConnections} never binds (no limit).
         *
         * @param v the value
         * @return this builder
         */
        public Builder adaptiveAdmission(boolean v) {
            this.adaptiveAdmission = v;
            return this;
        }

        /**
         * Sets how long a request may wait for admission; then 503 with {@code Retry-After}, and the connection stays open (default 1 s).
         *
         * @param v the value
         * @return this builder
         */
        public Builder admissionTimeout(Duration v) {
            this.admissionTimeout = v;
            return this;
        }

        /**
         * Sets longest request line; a longer one gets 414 (default 8 KiB).
         *
         * @param v the value
         * @return this builder
         */
        public Builder maxRequestLineBytes(int v) {
            this.maxRequestLineBytes = v;
            return this;
        }

        /**
         * Sets largest header section; a larger one gets 431 (default 16 KiB).
         *
         * @param v the value
         * @return this builder
         */
        public Builder maxHeaderBytes(int v) {
            this.maxHeaderBytes = v;
            return this;
        }

        /**
         * Sets most header fields; more get 431 (default 100).
         *
         * @param v the value
         * @return this builder
         */
        public Builder maxHeaderCount(int v) {
            this.maxHeaderCount = v;
            return this;
        }

        /**
         * Sets largest request body; a larger one gets 413 without being read (default 10 MiB).
         *
         * @param v the value
         * @return this builder
         */
        public Builder maxBodyBytes(long v) {
            this.maxBodyBytes = v;
            return this;
        }

        /**
         * Sets time to receive a request head once its first byte arrived: the slowloris guard (default 10 s).
         *
         * @param v the value
         * @return this builder
         */
        public Builder headerTimeout(Duration v) {
            this.headerTimeout = v;
            return this;
        }

        /**
         * Sets time a keep-alive connection may wait for its next request (default 60 s).
         *
         * @param v the value
         * @return this builder
         */
        public Builder idleTimeout(Duration v) {
            this.idleTimeout = v;
            return this;
        }

        /**
         * Sets time the request body may go without progress (default 30 s).
         *
         * @param v the value
         * @return this builder
         */
        public Builder bodyTimeout(Duration v) {
            this.bodyTimeout = v;
            return this;
        }

        /**
         * Sets time a response write may go without progress (default 30 s).
         *
         * @param v the value
         * @return this builder
         */
        public Builder writeTimeout(Duration v) {
            this.writeTimeout = v;
            return this;
        }

        /**
         * Sets the request scope's deadline, unless the route sets its own; missed: 503 (default 30 s).
         *
         * @param v the value
         * @return this builder
         */
        public Builder requestTimeout(Duration v) {
            this.requestTimeout = v;
            return this;
        }

        /**
         * Sets how long {@link HttpServer#close()} lets in-flight requests finish (default 10 s).
         *
         * @param v the value
         * @return this builder
         */
        public Builder shutdownGrace(Duration v) {
            this.shutdownGrace = v;
            return this;
        }

        /**
         * Sets how long a handler runs before the server watches for its client leaving; ten times as long while the process uses 90% or more of its CPUs (default 100 ms).
         *
         * @param v the value
         * @return this builder
         */
        public Builder clientGoneCheckAfter(Duration v) {
            this.clientGoneCheckAfter = v;
            return this;
        }

        /**
         * Sets whether the end of a client's input while its request is handled means the client has gone (its request scope is then cancelled with reason client-disconnected). On by default, as in nginx: clients that give up close the whole connection, and their work should stop. A client that half-closes after sending (TCP {@code SHUT_WR}, as {@code nc -N} does) still waits for its answer, and would lose it; turn this off for such clients, and the end of input then only ends the watch.
         *
         * @param v the value
         * @return this builder
         */
        public Builder clientGoneOnEndOfInput(boolean v) {
            this.clientGoneOnEndOfInput = v;
            return this;
        }

        /**
         * Sets whether to log one line per request to logger {@code dev.loomkit.server.access} (default off).
         *
         * @param v the value
         * @return this builder
         */
        public Builder accessLog(boolean v) {
            this.accessLog = v;
            return this;
        }

        /**
         * Sets where to record HTTP meters, or {@code null} for none (the default).
         *
         * @param v the value
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry v) {
            this.meterRegistry = v;
            return this;
        }

        /**
         * {@return the configuration}
         *
         * @throws NullPointerException     if a required setting is null
         * @throws IllegalArgumentException naming the setting, if a limit is out of range
         */
        public ServerConfig build() {
            return new ServerConfig(this);
        }
    }
}
