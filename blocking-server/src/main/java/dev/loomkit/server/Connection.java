package dev.loomkit.server;

import dev.loomkit.toolkit.CancelReason;
import dev.loomkit.toolkit.JoinPolicy;
import dev.loomkit.toolkit.Scope;
import dev.loomkit.toolkit.ScopeConfig;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: reads requests in order, hands each to an {@link Exchange}, and closes.
 * Runs in one thread from the server's thread source, in a "connection" scope; in
 * {@link ThreadMode#SELECTOR_POOL} in turns instead, one per burst of requests, each on a pool
 * thread in a connection scope of its own, with the connection parked on the {@link IdleParker}
 * between them.
 *
 * <p>Shared with two server threads, each through its own small protocol:
 * <ul>
 *   <li>the sweeper reads {@link #ioDeadline} and closes the channel of a connection whose blocking
 *       read or write is overdue; no timer is armed per read;</li>
 *   <li>the client-gone watcher, armed by the sweeper while a handler runs, switches the channel to
 *       non-blocking, watches it on its selector and switches it back; {@link #lock} orders that with
 *       the handler's body reads and with the interrupt that wakes a cancelled handler.</li>
 * </ul>
 */
final class Connection implements Runnable, RequestHeadParser.HeadStart {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

    /** What a blocking I/O under way is: the sweeper's timeout for it, and the metric tag when it expires. */
    enum Io { NONE, IDLE, HEAD, BODY, WRITE, LINGER }

    /** How long, and how much, a closing connection reads and discards before it closes. */
    private static final long LINGER_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);
    private static final int LINGER_BYTES = 64 * 1024;

    /** The client-gone watch: none, asked for, on the selector. */
    enum Watch { NONE, ARMING, WATCHING }

    final ServerImpl server;
    private final ThreadSource threads;
    final SocketChannel channel;
    final long id;
    final InetSocketAddress remote;
    final HttpInput in;
    final HttpOutput out;
    private final ServerConfig config;

    volatile long ioDeadline;
    private volatile Io io = Io.NONE;
    volatile Io expired;
    volatile boolean stopRequested;
    volatile boolean clientGone;
    /**
     * On the idle parker's selector, without a thread: written by the parker's thread only, read by
     * any thread that closes the channel, to tell the parker (which checks again: it is the owner).
     */
    volatile boolean parked;
    String clientGoneHow; // guarded by lock

    private long reportedIn;
    private long reportedOut;

    /** The request scope's hosted hook, made once: wakes the handler on any cancellation. */
    /**
     * The request being handled, for the sweeper's deadline check: written by this connection's
     * thread at the start and end of the handler phase, read by the sweeper.
     */
    private volatile Exchange handled;

    final ReentrantLock lock = new ReentrantLock();
    final Condition watchSettled = lock.newCondition();
    // Guarded by lock:
    private Thread thread;
    private boolean handling;
    private boolean inBodyRead;
    private boolean interruptPending; // a cancellation arrived during a body read
    private long handlingSince;
    private Exchange exchange;
    Watch watch = Watch.NONE;
    SelectionKey key;
    /** The watcher read the end of input and was configured not to take it for the client leaving: watch no more. */
    boolean inputEnded;

    Connection(ServerImpl server, SocketChannel channel, long id) throws IOException {
        this.server = server;
        this.channel = channel;
        this.id = id;
        this.config = server.config();
        this.threads = server.threadSource();
        this.remote = (InetSocketAddress) channel.getRemoteAddress();
        this.in = new HttpInput(channel, config.maxRequestLineBytes() + config.maxHeaderBytes() + 4);
        this.out = new HttpOutput(channel, this);
    }

    ServerConfig config() {
        return config;
    }

    /**
     * Serves the connection: to its end, or, where the thread source parks idle connections, until
     * it has nothing buffered after a request; it is then parked, and the next turn starts here again.
     */
    @Override
    public void run() {
        lock.lock();
        try {
            thread = Thread.currentThread();
        } finally {
            lock.unlock();
        }
        Thread.interrupted(); // a pool thread starts clean
        boolean park = false;
        try {
            park = Scope.call(ScopeConfig.named("connection").withThreadFactory(server.subtaskThreads()), JoinPolicy.failFast(),
                    scope -> serve(threads.parksIdle()));
        } catch (ClosedChannelException | EOFException e) {
            // Closed under us by a timeout or the shutdown, or the client hung up mid-message.
            LOG.debug("connection {} closed: {}", id, expired != null ? expired + " timeout" : e.toString());
        } catch (IOException e) {
            LOG.debug("connection {} ended by an I/O error: {}", id, e.toString());
        } catch (Exception | Error e) {
            LOG.warn("connection {} failed unexpectedly", id, e);
        } finally {
            lock.lock();
            try {
                thread = null; // between turns no thread may be interrupted on this connection's behalf
            } finally {
                lock.unlock();
            }
            if (park) {
                reportBytes();
                ioStart(Io.IDLE); // the sweeper keeps the idle timeout of a parked connection too
                // Looked at again after the IDLE mark: a shutdown that came since either sees IDLE
                // and closes it, or is seen here (both fields are volatile).
                if (stopRequested || server.isStopping()) {
                    finish();
                } else {
                    threads.park(this); // from here on the parker owns it
                }
            } else {
                finish();
            }
        }
    }

    /**
     * Ends the connection: a lingering close if the channel is still open, then the close, the byte
     * counts and the server's accounting. Exactly once, by its last owner: the connection's thread,
     * or the idle parker for a connection closed while parked.
     */
    void finish() {
        if (channel.isOpen()) {
            lingeringClose();
        }
        io = Io.NONE;
        ioDeadline = 0;
        reportBytes();
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("connection {}: close failed: {}", id, e.toString());
        }
        server.connectionEnded(this);
    }

    /**
     * Idle parker: the next request's head has arrived but the pool refused it (it has stopped). Answers 503 without
     * blocking (the parker must never wait for a client), and finishes the connection.
     */
    void refuseBusy() {
        server.metrics().rejected(HttpMetrics.Rejection.POOL_STOPPED);
        ServerImpl.answerBusyAndClose(channel);
        finish(); // the channel is closed: no lingering, just the accounting
    }

    /** @return whether to park the connection: it is idle, and its thread source serves requests, not connections */
    private boolean serve(boolean parkIdle) throws IOException {
        var parser = server.parser();
        // A turn starts because bytes (or the end of stream) arrived: read them before parking again.
        boolean first = true;
        while (true) {
            if ((stopRequested || server.isStopping()) && !in.hasBuffered()) {
                return false; // idle at shutdown: nothing is lost by closing now
            }
            if (parkIdle && !first && !in.hasBuffered()) {
                return true;
            }
            first = false;
            ioStart(Io.IDLE);
            RequestHead head;
            try {
                head = parser.parse(in, this);
            } catch (ProtocolException e) {
                ioEnd();
                server.metrics().protocolError(e.status());
                LOG.debug("connection {}: rejected request with {}: {}", id, e.status(), e.getMessage());
                ResponseWriter.writeError(out, e.status(), e.getMessage(), true, e.headRequest());
                return false;
            }
            ioEnd();
            if (head == null) {
                return false;
            }
            if (!new Exchange(this, head).serve()) {
                return false;
            }
            in.shrinkIfIdle();
        }
    }

    /**
     * RFC 9112 9.6: closes the sending side first, then reads and discards what the client still
     * sends, until it closes too, for at most {@link #LINGER_NANOS} and {@link #LINGER_BYTES}.
     * Closing a socket with unread input makes the kernel answer with a reset, and a reset can
     * destroy the response still on its way (a 400, a 413, an answer to a request whose large body
     * was not read). A client that closed first costs one read that returns end of stream.
     */
    private void lingeringClose() {
        try {
            channel.shutdownOutput();
            ioStart(Io.LINGER); // the sweeper closes the channel when the time is up
            ByteBuffer skip = ByteBuffer.wrap(in.buf);
            long total = in.buffered();
            while (total <= LINGER_BYTES) {
                skip.clear();
                int n = channel.read(skip);
                if (n < 0) {
                    break;
                }
                total += n;
            }
        } catch (IOException e) {
            LOG.debug("connection {}: lingering close ended: {}", id, e.toString());
        } finally {
            ioEnd();
        }
    }

    /** Reports the bytes moved since the last report (this thread only). */
    void reportBytes() {
        long in = this.in.bytesRead;
        long out = this.out.bytesWritten;
        server.metrics().bytes(in - reportedIn, out - reportedOut);
        reportedIn = in;
        reportedOut = out;
    }

    // ---- timeouts (this thread writes, the sweeper reads) ---------------------------------------

    void ioStart(Io kind) {
        io = kind;
        ioDeadline = System.nanoTime() + switch (kind) {
            case IDLE -> config.idleTimeout().toNanos();
            case HEAD -> config.headerTimeout().toNanos();
            case BODY -> config.bodyTimeout().toNanos();
            case WRITE -> config.writeTimeout().toNanos();
            case LINGER -> LINGER_NANOS;
            case NONE -> 0;
        };
    }

    /** {@return the blocking I/O under way} (this thread) */
    Io io() {
        return io;
    }

    /** Puts back the I/O state that {@link #io()} and {@link #ioDeadline} read before a nested write. */
    void ioRestore(Io kind, long deadline) {
        if (kind == Io.NONE) {
            ioEnd();
        } else {
            io = kind;
            ioDeadline = deadline;
        }
    }

    void ioEnd() {
        ioDeadline = 0;
        io = Io.NONE;
    }

    @Override
    public void headStarted() {
        ioStart(Io.HEAD); // from the first byte of a head: a slow head is the slowloris attack
    }

    /** Sweeper: closes the channel if the blocking I/O under way is overdue. */
    void checkTimeout(long now) {
        long d = ioDeadline;
        Io kind = io;
        // Once closed, the I/O under way ends with an exception, but a busy connection thread may
        // not have cleared its deadline by the next sweep: a closed channel has timed out already,
        // and must be counted once.
        if (d != 0 && kind != Io.NONE && now - d > 0 && channel.isOpen()) {
            expired = kind;
            server.metrics().timeout(kind);
            LOG.debug("connection {}: {} timeout, closing", id, kind);
            closeQuietly();
        }
    }

    void closeQuietly() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("connection {}: close failed: {}", id, e.toString());
        }
        if (parked) {
            threads.closed(this); // closing cancels its key silently: the parker must finish it
        }
    }

    // ---- the handler phase (this thread), the cancellation interrupt and the watcher ----------

    void beginHandling(Exchange ex) {
        lock.lock();
        try {
            handling = true;
            inBodyRead = false;
            interruptPending = false;
            handlingSince = System.nanoTime();
            exchange = ex;
        } finally {
            lock.unlock();
        }
        handled = ex;
    }

    /**
     * Sweeper: applies the deadline of the request being handled once it has passed. The request
     * scope arms no timer of its own (a request that ends in time, nearly all of them, then costs
     * none); looking at it applies the passed deadline, and its hosted hook wakes the handler.
     */
    void checkDeadline(long now) {
        Exchange ex = handled;
        if (ex != null) {
            ex.expireIfDue(now);
        }
    }

    /**
     * The request scope's hosted hook, for {@code ex}: wakes its handler, unless that is inside
     * channel I/O, or is no longer handling {@code ex} (a cancellation that began while {@code ex}
     * ran can finish after it ended, and must not reach the next request's handler).
     */
    void interruptHandler(Exchange ex) {
        lock.lock();
        try {
            // An interrupt during channel I/O would close the channel; body reads check for
            // cancellation themselves right after.
            if (handling && thread != null && exchange == ex) {
                if (inBodyRead) {
                    interruptPending = true; // delivered when the read ends
                } else {
                    thread.interrupt();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Leaves the handler phase: no interrupt can arrive after this, and the channel is blocking again. */
    void endHandling() {
        handled = null;
        boolean watched;
        lock.lock();
        try {
            handling = false;
            interruptPending = false;
            exchange = null;
            watched = watch != Watch.NONE;
        } finally {
            lock.unlock();
        }
        // A cancellation interrupt that came after the handler's last blocking call. Looked at first:
        // clearing takes a virtual thread's interrupt lock, reading does not.
        if (Thread.currentThread().isInterrupted()) {
            Thread.interrupted();
        }
        if (watched) {
            server.watcher().disarm(this);
        }
    }

    /**
     * Before a body read in the handler's thread: no interrupt from now on (it would close the
     * channel). A pending one means the request was cancelled: the read is refused instead.
     */
    /**
     * As {@link #beginBodyRead()}, with the read also ending by {@code until} (nanoTime base) unless
     * that is 0: the budget of skipping a body nobody asked for.
     */
    void beginBodyRead(long until) throws java.io.InterruptedIOException {
        beginBodyRead();
        if (until != 0 && ioDeadline - until > 0) {
            ioDeadline = until;
        }
    }

    void beginBodyRead() throws java.io.InterruptedIOException {
        lock.lock();
        try {
            if (Thread.currentThread().isInterrupted()) {
                throw new java.io.InterruptedIOException("request cancelled before reading its body");
            }
            inBodyRead = true;
        } finally {
            lock.unlock();
        }
        ioStart(Io.BODY);
    }

    void endBodyRead() {
        ioEnd();
        lock.lock();
        try {
            inBodyRead = false;
            if (interruptPending) {
                interruptPending = false;
                Thread.currentThread().interrupt(); // the cancellation held off during the read
            }
        } finally {
            lock.unlock();
        }
    }

    /** Sweeper: asks the watcher to watch a handler that has run a while with its body read. */
    /** @return whether this armed the watch */
    boolean maybeWatch(long now, long afterNanos) {
        // Looked at without the lock first: most connections are idle or answer quickly, and taking
        // each one's lock every sweep would make a handler that starts just then park and wait for
        // this thread to unpark it.
        Exchange ex = handled;
        if (ex == null || now - ex.startNanos() < afterNanos) {
            return false;
        }
        if (!lock.tryLock()) {
            return false; // busy: look again at the next sweep
        }
        boolean arm = false;
        try {
            // A virtual thread that is RUNNABLE is computing or waiting for a core, not blocked on
            // a call the watch could cut short. Under CPU overload nearly every handler is, and
            // watching them all would add work exactly when there is no room for it. (A platform
            // thread blocked in a socket read is RUNNABLE too, so platform handlers are watched
            // regardless; their pool bounds how many there are.)
            if (handling && !inBodyRead && watch == Watch.NONE && !clientGone && !inputEnded && exchange != null
                    && exchange.bodyComplete() && now - handlingSince >= afterNanos && in.room() > 0
                    && !(thread.isVirtual() && thread.getState() == Thread.State.RUNNABLE)) {
                watch = Watch.ARMING;
                arm = true;
            }
        } finally {
            lock.unlock();
        }
        if (arm) {
            server.watcher().arm(this);
        }
        return arm;
    }

    boolean runsIn(Thread t) {
        lock.lock();
        try {
            return thread == t;
        } finally {
            lock.unlock();
        }
    }

    /** Watcher, under lock: is the handler still running, so watching is still wanted? */
    boolean handlingLocked() {
        return handling;
    }

    /** Watcher: the client closed or reset the connection while its request was being handled. */
    void clientGone(String how) {
        Exchange ex;
        lock.lock();
        try {
            clientGone = true;
            ex = exchange;
        } finally {
            lock.unlock();
        }
        if (ex != null) {
            ex.cancel(CancelReason.clientDisconnected("client " + remote + " " + how));
        }
    }

    /** Shutdown: close now if idle, else finish the current request and close. */
    void requestStop() {
        stopRequested = true;
        if (io == Io.IDLE && !in.hasBuffered()) {
            closeQuietly();
        }
    }

    /** Shutdown, after the grace period: cancel the request in flight, or close. */
    void forceStop(CancelReason reason) {
        Exchange ex;
        lock.lock();
        try {
            ex = handling ? exchange : null;
        } finally {
            lock.unlock();
        }
        if (ex != null) {
            ex.cancel(reason);
        } else {
            closeQuietly();
        }
    }

    @Override
    public String toString() {
        return "connection " + id + " from " + remote;
    }
}
