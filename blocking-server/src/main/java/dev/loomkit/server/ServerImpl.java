package dev.loomkit.server;

import dev.loomkit.server.http1.RequestHeadParser;
import dev.loomkit.toolkit.CancelReason;
import dev.loomkit.toolkit.JoinPolicy;
import dev.loomkit.toolkit.Scope;
import dev.loomkit.toolkit.ScopeConfig;
import dev.loomkit.toolkit.Task;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server: its lifecycle, the acceptor, the connection registry and the shutdown. The acceptor
 * thread owns the server scope; in virtual mode connections are its tasks, so the scope tree is
 * server, connection, request, subtasks.
 */
final class ServerImpl implements HttpServer {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
    static final byte[] BUSY = ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: 37\r\nRetry-After: 1\r\nConnection: close\r\n\r\n503 Service Unavailable: server busy\n").getBytes(StandardCharsets.ISO_8859_1);

    private enum State { NEW, RUNNING, STOPPING, CLOSED }

    /** The server scope's policy: connection outcomes are the connections' business; keep nothing. */
    private static final class ServeAll implements JoinPolicy<Object, Void> {
        @Override
        public Optional<CancelReason> onComplete(Task<?> task) {
            return Optional.empty();
        }

        @Override
        public Void result() {
            return null;
        }
    }

    private final ServerConfig config;
    private final Router router;
    private final RequestHeadParser parser;
    private final ThreadSource threads;
    private final HttpMetrics metrics;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final Semaphore permits;
    private final Admission admission;
    /**
     * Where the adaptive admission limit starts: two requests per CPU, as TCP's slow start begins
     * small, doubled every window (100 ms, or one sweep if sweeps are further apart) while it binds
     * and the CPUs have room: from 4 to 10,000 in about 1.2 s. Small, because a server whose work saturates
     * its CPUs from the first request learns its service time from the windows at this limit: at 64
     * on one core, 1 ms of CPU work took ~50 ms a request, the limit tolerated twice that, and it
     * grew to 400 (ADR 0007).
     */
    static final int ADAPTIVE_INITIAL_LIMIT = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    private final AtomicLong ids = new AtomicLong();
    private final ReentrantLock stateLock = new ReentrantLock();
    private final Condition stateChanged = stateLock.newCondition();
    private volatile State state = State.NEW;
    private ServerSocketChannel listener;
    private InetSocketAddress boundAddress;
    private Thread acceptor;
    private Sweeper sweeper;
    /** The request scope's configuration for routes without a timeout of their own, made once. */
    private final ScopeConfig requestScope;
    private ClientGoneWatcher watcher;
    /** What every connection is given; made at start, once the watcher exists. */
    private ConnectionContext context;
    private final java.util.function.LongPredicate saturation;

    ServerImpl(ServerConfig config, Router router) {
        this(config, router, CpuSaturation.ofThisProcess()::update);
    }

    /**
     * @param saturation the sweeper's CPU saturation signal: given {@link System#nanoTime()}, whether
     *                   the CPUs are saturated (tests give one that always or never says so)
     */
    ServerImpl(ServerConfig config, Router router, java.util.function.LongPredicate saturation) {
        this.saturation = java.util.Objects.requireNonNull(saturation, "saturation");
        this.config = java.util.Objects.requireNonNull(config, "config");
        this.router = java.util.Objects.requireNonNull(router, "router");
        this.parser = new RequestHeadParser(config);
        this.threads = ThreadSource.of(config);
        this.permits = new Semaphore(config.maxConnections());
        this.admission = new Admission(config.maxConcurrentRequests(), config.admissionTimeout(), config.maxConnections(),
                config.adaptiveAdmission() ? ADAPTIVE_INITIAL_LIMIT : 0, threads.schedulerLag(), this::admissionWaited);
        this.metrics = HttpMetrics.of(config.meterRegistry(), connections, admission, router.size());
        this.requestScope = ScopeConfig.named("request").withTimeout(config.requestTimeout()).withThreadFactory(threads.subtasks());
    }

    /** Admission's report of a wait: the metrics are made after admission, whose gauges they read. */
    private void admissionWaited(AdmissionGate.Outcome outcome, long nanos) {
        metrics.admissionWaited(outcome, nanos);
    }

    // ---- lifecycle -------------------------------------------------------------------------------

    @Override
    public void start() throws IOException {
        stateLock.lock();
        try {
            switch (state) {
                case NEW -> { }
                case RUNNING -> throw new IllegalStateException("server on " + boundAddress + " is already running");
                default -> throw new IllegalStateException("server is closed; a server does not restart: create a new one");
            }
            listener = ServerSocketChannel.open();
            try {
                listener.bind(new InetSocketAddress(config.address(), config.port()), config.backlog());
                boundAddress = (InetSocketAddress) listener.getLocalAddress();
                watcher = new ClientGoneWatcher(config.clientGoneOnEndOfInput());
                threads.start(boundAddress.getPort());
            } catch (IOException e) {
                listener.close();
                state = State.CLOSED;
                throw e;
            }
            int port = boundAddress.getPort();
            context = new ConnectionContext(config, router, parser, metrics, admission, watcher, requestScope, threads,
                    this::isStopping, this::connectionEnded);
            watcher.start("loomkit-watcher-" + port);
            sweeper = new Sweeper(connections, admission, config, router.shortestTimeout(), saturation);
            sweeper.start("loomkit-sweeper-" + port);
            state = State.RUNNING;
            acceptor = Thread.ofPlatform().name("loomkit-acceptor-" + port).start(this::acceptorMain);
            LOG.info("server listening on {} with {} threads{}", boundAddress, config.threadMode().label(),
                    config.threadMode() == ThreadMode.VIRTUAL ? "" : " (pool of " + config.platformPoolSize() + ")");
        } finally {
            stateLock.unlock();
        }
    }

    @Override
    public void close() {
        stateLock.lock();
        try {
            if (state == State.NEW) {
                state = State.CLOSED;
                return;
            }
            if (state == State.RUNNING) {
                if (isConnectionThread()) {
                    throw new IllegalStateException("close() called from a connection of this server, which would wait for itself");
                }
                state = State.STOPPING;
                LOG.info("server on {} stopping: {} connections open, grace {}", boundAddress, connections.size(), config.shutdownGrace());
            }
        } finally {
            stateLock.unlock();
        }
        try {
            listener.close(); // the acceptor's accept() fails, and it runs the shutdown
        } catch (IOException e) {
            LOG.warn("closing the listener failed", e);
        }
        Uninterruptibly.join(acceptor);
    }

    @Override
    public void awaitClose() throws InterruptedException {
        stateLock.lock();
        try {
            while (state != State.CLOSED) {
                stateChanged.await();
            }
        } finally {
            stateLock.unlock();
        }
    }

    private boolean isConnectionThread() {
        Thread current = Thread.currentThread();
        return connections.stream().anyMatch(c -> c.state.runsIn(current));
    }

    // ---- the acceptor ------------------------------------------------------------------------------

    private void acceptorMain() {
        try {
            Scope.call(ScopeConfig.named("server"), new ServeAll(), scope -> {
                try {
                    acceptLoop(scope);
                } finally {
                    shutdown();
                    scope.join(); // every connection task has ended
                }
                return null;
            });
        } catch (Exception | Error e) {
            LOG.error("server on {}: acceptor failed", boundAddress, e);
        } finally {
            threads.awaitConnections();
            sweeper.stop();
            watcher.stop();
            stateLock.lock();
            try {
                state = State.CLOSED;
                stateChanged.signalAll();
            } finally {
                stateLock.unlock();
            }
            LOG.info("server on {} stopped", boundAddress);
        }
    }

    private void acceptLoop(Scope<Object, Void> scope) {
        while (state == State.RUNNING) {
            if (config.overLimit() == ServerConfig.OverLimit.STOP_ACCEPTING && !acquirePermit()) {
                break;
            }
            SocketChannel channel;
            try {
                channel = listener.accept();
            } catch (ClosedChannelException e) {
                releasePermitIfHeld();
                break;
            } catch (IOException e) {
                releasePermitIfHeld();
                if (state != State.RUNNING) {
                    break;
                }
                acceptFailed(e);
                continue;
            }
            acceptBackoffNanos = 0;
            if (config.overLimit() == ServerConfig.OverLimit.REJECT_503 && !permits.tryAcquire()) {
                reject(channel, HttpMetrics.Rejection.CONNECTION_LIMIT, "connection limit of " + config.maxConnections() + " reached");
                continue;
            }
            launch(channel, scope);
        }
    }

    private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);
    // Acceptor thread only:
    private long acceptBackoffNanos;
    private long lastAcceptLogNanos;
    private long acceptFailuresUnlogged;

    /**
     * Out of file descriptors (EMFILE, ENFILE) or another accept failure: the pending connection
     * stays in the backlog, so retrying at once would spin and flood the log. Backs off from 10 ms,
     * doubling to 1 s while failures go on, counts every failure, and logs at most once every 10 s
     * with the number left unlogged.
     */
    private void acceptFailed(IOException e) {
        metrics.acceptFailed();
        long now = System.nanoTime();
        acceptFailuresUnlogged++;
        if (lastAcceptLogNanos == 0 || now - lastAcceptLogNanos >= LOG_EVERY_NANOS) {
            LOG.warn("accept failed {} time(s) since the last report, backing off up to {} ms: {}", acceptFailuresUnlogged,
                    TimeUnit.NANOSECONDS.toMillis(MAX_BACKOFF_NANOS), e.toString());
            lastAcceptLogNanos = now;
            acceptFailuresUnlogged = 0;
        }
        acceptBackoffNanos = acceptBackoffNanos == 0 ? MIN_BACKOFF_NANOS : Math.min(MAX_BACKOFF_NANOS, acceptBackoffNanos * 2);
        LockSupport.parkNanos(acceptBackoffNanos);
    }

    private boolean acquirePermit() {
        while (state == State.RUNNING) {
            try {
                if (permits.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                    return true;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private void releasePermitIfHeld() {
        if (config.overLimit() == ServerConfig.OverLimit.STOP_ACCEPTING) {
            permits.release();
        }
    }

    private void launch(SocketChannel channel, Scope<Object, Void> scope) {
        Connection connection;
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            connection = new Connection(context, channel, ids.incrementAndGet());
        } catch (IOException e) {
            permits.release();
            closeQuietly(channel);
            LOG.debug("accepted connection unusable: {}", e.toString());
            return;
        }
        connections.add(connection);
        metrics.connectionOpened();
        if (!threads.launch(connection, scope)) {
            connections.remove(connection);
            permits.release();
            metrics.connectionClosed();
            reject(channel, HttpMetrics.Rejection.POOL_FULL, "all " + config.platformPoolSize() + " worker threads busy and the queue full");
        }
    }

    /** Answers 503 without blocking the acceptor, and closes. */
    private void reject(SocketChannel channel, HttpMetrics.Rejection reason, String why) {
        metrics.rejected(reason);
        LOG.debug("rejected a connection: {}", why);
        answerBusyAndClose(channel);
    }

    /**
     * Answers 503 without blocking and closes: for a connection refused at accept, and for one the
     * selector pool's parker cannot hand on. Neither thread may wait for a client.
     */
    static void answerBusyAndClose(SocketChannel channel) {
        try {
            channel.configureBlocking(false);
            channel.write(ByteBuffer.wrap(BUSY));
            // Close the sending side, then take what the client has already sent: closing with
            // unread input would answer with a reset, which can destroy the 503 on its way. Only
            // what is there already.
            channel.shutdownOutput();
            ByteBuffer skip = ByteBuffer.allocate(4096);
            for (int i = 0; i < 16 && channel.read(skip.clear()) > 0; i++) {
                // discard
            }
        } catch (IOException e) {
            LOG.debug("writing 503 to a refused connection failed: {}", e.toString());
        } finally {
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a connection we are giving up on
        }
    }

    /** Stop accepting is done; now let in-flight requests finish within the grace, then cancel the rest. */
    private void shutdown() {
        for (Connection c : connections) {
            c.requestStop();
        }
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        stateLock.lock();
        try {
            while (!connections.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                stateChanged.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stateLock.unlock();
        }
        int busy = connections.size();
        if (busy > 0) {
            LOG.info("server on {}: grace of {} over, cancelling {} busy connections", boundAddress, config.shutdownGrace(), busy);
            var reason = CancelReason.shutdown("server on " + boundAddress + " stopping; grace of " + config.shutdownGrace() + " over");
            for (Connection c : connections) {
                metrics.forcedClose();
                c.forceStop(reason);
            }
        }
        Thread.interrupted(); // the owner joins next; a stray interrupt must not cut that short
    }

    // ---- for connections, through their context --------------------------------------------------

    private void connectionEnded(Connection c) {
        if (connections.remove(c)) {
            permits.release();
            metrics.connectionClosed();
            if (state == State.STOPPING && connections.isEmpty()) {
                stateLock.lock();
                try {
                    stateChanged.signalAll();
                } finally {
                    stateLock.unlock();
                }
            }
        }
    }

    private boolean isStopping() {
        return state != State.RUNNING;
    }

    /** Tests only (a connection's buffers, after a flood): the open connections, as a view that cannot change them. */
    java.util.Collection<Connection> connectionsForTest() {
        return java.util.Collections.unmodifiableSet(connections);
    }

    // ---- API -----------------------------------------------------------------------------------

    @Override
    public InetSocketAddress address() {
        InetSocketAddress a = boundAddress;
        if (a == null) {
            throw new IllegalStateException("server not started");
        }
        return a;
    }

    @Override
    public ThreadMode threadMode() {
        return config.threadMode();
    }

    @Override
    public int openConnections() {
        return connections.size();
    }

    @Override
    public String toString() {
        return "HttpServer[" + state + ", " + boundAddress + ", " + config.threadMode().label() + ", connections=" + connections.size() + "]";
    }
}
