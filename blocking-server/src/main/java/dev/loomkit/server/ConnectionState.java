package dev.loomkit.server;

import dev.loomkit.server.http1.HttpInput;
import dev.loomkit.server.http1.HttpOutput;
import dev.loomkit.toolkit.CancelReason;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one connection shares with the server's other threads, and the protocol around it: the
 * only class that reads or writes these fields. Four threads take part:
 * <ul>
 *   <li>the <b>connection thread</b> (the one serving the connection's current turn) starts and
 *       ends each blocking I/O, the handler phase and each body read;</li>
 *   <li>the <b>sweeper</b> closes the channel of an overdue I/O ({@link #expireIfOverdue}), applies
 *       the handled request's deadline, and arms the client-gone watch ({@link #tryArmWatch});</li>
 *   <li>the <b>watcher</b> switches the channel to non-blocking, watches it on its selector, hands
 *       pipelined bytes back to the input, and switches it back ({@link #register},
 *       {@link #poll}, {@link #restoreBlocking});</li>
 *   <li>whoever <b>cancels the request</b> (the deadline, the client leaving, the shutdown) wakes
 *       the handler through {@link #interruptHandler}.</li>
 * </ul>
 * The I/O deadline is two volatile fields written by whichever thread owns the connection at the
 * time (its connection thread; between turns, in selector-pool mode, the acceptor that hands it to
 * the pool and the idle parker that holds it; one at a time) and read by the sweeper: no lock,
 * since a sweep that reads a stale deadline looks again at most a quarter of a timeout later.
 * Shutdown reads {@link #runsIn} to tell its own thread. Everything
 * else is guarded by {@link #lock}, which orders the watcher's use of the channel with the
 * handler's body reads and with the cancellation interrupt: an interrupt during channel I/O would
 * close the channel, so it is held back until the read ends.
 */
final class ConnectionState implements HttpOutput.WriteTimer {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
    /** What a blocking I/O under way is: the sweeper's timeout for it, and the metric tag when it expires. */
    enum Io { NONE, IDLE, HEAD, BODY, WRITE, LINGER }

    /** The client-gone watch: none, asked for, on the watcher's selector. */
    enum Watch { NONE, ARMING, WATCHING }

    /** How long a closing connection reads and discards before it closes. */
    static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A connection thread waiting for the watcher to give the channel back nudges it again this often. */
    private static final long UNWATCH_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final SocketChannel channel;
    private final HttpInput in;
    private final ServerConfig config;
    private final Object owner; // for messages: the connection's toString
    private final String remote;
    private final Runnable close; // closes the channel the connection's way (a parked one is handed back)

    // ---- the I/O deadline: written by the connection's owner of the moment, read by the sweeper ---

    /** When the blocking I/O under way must end (nanoTime base), 0 if none. */
    private volatile long ioDeadline;
    private volatile Io io = Io.NONE;
    /** The timed I/O a write interrupted (a body read's, while 100 Continue goes out): the writing thread only. */
    private Io beforeWrite = Io.NONE;
    /** That I/O's deadline. The writing thread only. */
    private long beforeWriteDeadline;
    /** The kind of I/O that timed out: written once by the sweeper, read by the connection thread for its log line. */
    private volatile Io expired;
    /**
     * The request in its handler phase, for the sweeper's deadline check: written by the connection
     * thread as the phase begins and ends, read by the sweeper without the lock.
     */
    private volatile Exchange handled;

    // ---- guarded by lock ------------------------------------------------------------------------

    final ReentrantLock lock = new ReentrantLock();
    private final Condition watchSettled = lock.newCondition();
    /** The thread serving the current turn, or null between turns. Written by it; read by the cancelling thread and the sweeper. */
    private Thread thread;
    /** Whether a handler runs. Written by the connection thread; read by the others. */
    private boolean handling;
    /** Whether the handler is in a body read (no interrupt now). Written by the connection thread. */
    private boolean inBodyRead;
    /** A cancellation arrived during a body read: delivered when it ends. Written by the cancelling thread, taken by the connection thread. */
    private boolean interruptPending;
    private long handlingSince;
    /** The request whose handler runs. Written by the connection thread; read by the cancelling thread, the watcher and shutdown. */
    private Exchange exchange;
    /** Written by the sweeper (NONE to ARMING) and the watcher (to WATCHING and back to NONE); awaited by the connection thread. */
    private Watch watch = Watch.NONE;
    /** The watch's key on the watcher's selector, while WATCHING. Watcher only. */
    private SelectionKey key;
    /** The watcher read the end of input and was configured not to take it for the client leaving: watch no more. Watcher writes. */
    private boolean inputEnded;
    /**
     * The watcher saw the client leave. Written by the watcher under the lock; read by the connection
     * thread as it concludes each request, without it (hence volatile: one read per request, no lock).
     */
    private volatile boolean clientGone;
    /** How the client left, for the cancellation's message. Watcher only. */
    private String goneHow;

    ConnectionState(SocketChannel channel, HttpInput in, ServerConfig config, Object owner, String remote, Runnable close) {
        this.channel = channel;
        this.in = in;
        this.config = config;
        this.owner = owner;
        this.remote = remote;
        this.close = close;
    }

    // ---- turns (connection thread) --------------------------------------------------------------

    /** A turn starts in the current thread: from now on a cancellation may interrupt it. */
    void turnStarted() {
        lock.lock();
        try {
            thread = Thread.currentThread();
        } finally {
            lock.unlock();
        }
    }

    /** The turn ends: between turns no thread may be interrupted on this connection's behalf. */
    void turnEnded() {
        lock.lock();
        try {
            thread = null;
        } finally {
            lock.unlock();
        }
    }

    /** {@return whether {@code t} serves this connection's current turn} (shutdown, to tell its own thread) */
    boolean runsIn(Thread t) {
        lock.lock();
        try {
            return thread == t;
        } finally {
            lock.unlock();
        }
    }

    // ---- the I/O deadline (connection thread; the sweeper reads) -------------------------------

    /** A blocking I/O of this kind starts: its timeout runs from now. */
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

    /** The blocking I/O under way ends. */
    void ioEnd() {
        ioDeadline = 0;
        io = Io.NONE;
    }

    /** {@return the blocking I/O under way} */
    Io io() {
        return io;
    }

    /** {@return when the I/O under way must end (nanoTime base), 0 if none} */
    long ioDeadline() {
        return ioDeadline;
    }

    @Override
    public void writeStarts() {
        if (io != Io.WRITE) {
            beforeWrite = io;
            beforeWriteDeadline = ioDeadline;
        }
        ioStart(Io.WRITE);
    }

    @Override
    public void writeEnded() {
        if (io != Io.WRITE) {
            return; // nothing was written: nothing to put back
        }
        if (beforeWrite == Io.NONE) {
            ioEnd();
        } else {
            io = beforeWrite;
            ioDeadline = beforeWriteDeadline;
        }
        beforeWrite = Io.NONE;
    }

    /** {@return the kind of I/O the sweeper found overdue, or null} */
    Io expired() {
        return expired;
    }

    /**
     * Sweeper: whether the I/O under way is overdue; if so it is recorded as expired and the caller
     * closes the channel. A closed channel has timed out already: once closed, the I/O under way
     * ends with an exception, but a busy connection thread may not have cleared its deadline by the
     * next sweep, and the timeout must be counted once.
     *
     * @return the kind that expired, or null
     */
    Io expireIfOverdue(long now) {
        long d = ioDeadline;
        Io kind = io;
        if (d != 0 && kind != Io.NONE && now - d > 0 && channel.isOpen()) {
            expired = kind;
            return kind;
        }
        return null;
    }

    // ---- the handler phase (connection thread) --------------------------------------------------

    /** The handler of {@code ex} starts: cancellations of its scope may interrupt this thread from now on. */
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
     * The handler has ended: no interrupt can arrive after this, a late one is cleared, and the
     * channel is blocking again (if the watcher had it, this waits until it gives it back).
     *
     * @param watcher the server's watcher, to ask for the channel back
     */
    void endHandling(ClientGoneWatcher watcher) {
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
            watcher.disarm(this);
        }
    }

    /** {@return the request whose handler runs, for the sweeper's deadline check; null if none} (no lock) */
    Exchange handled() {
        return handled;
    }

    /** {@return the request whose handler runs, or null} (shutdown: cancel it) */
    Exchange exchangeInFlight() {
        lock.lock();
        try {
            return handling ? exchange : null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The request scope's hosted hook, for {@code ex}: wakes its handler, unless that is inside a
     * body read (the interrupt would close the channel; it is delivered when the read ends), or is
     * no longer handling {@code ex} (a cancellation that began while {@code ex} ran can finish after
     * it ended, and must not reach the next request's handler).
     */
    void interruptHandler(Exchange ex) {
        lock.lock();
        try {
            if (handling && thread != null && exchange == ex) {
                if (inBodyRead) {
                    interruptPending = true;
                } else {
                    thread.interrupt();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Before a body read in the handler's thread: no interrupt from now on (it would close the
     * channel). A pending one means the request was cancelled: the read is refused instead.
     *
     * @param until the latest the read may end (nanoTime base), or 0: the budget of skipping a
     *              body nobody asked for
     * @throws InterruptedIOException if the handler has been interrupted
     */
    void beginBodyRead(long until) throws InterruptedIOException {
        lock.lock();
        try {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("request cancelled before reading its body");
            }
            inBodyRead = true;
        } finally {
            lock.unlock();
        }
        ioStart(Io.BODY);
        if (until != 0 && ioDeadline - until > 0) {
            ioDeadline = until;
        }
    }

    /** After a body read: the cancellation held off during it, if any, is delivered now. */
    void endBodyRead() {
        ioEnd();
        lock.lock();
        try {
            inBodyRead = false;
            if (interruptPending) {
                interruptPending = false;
                Thread.currentThread().interrupt();
            }
        } finally {
            lock.unlock();
        }
    }

    /** {@return whether the watcher saw the client leave} (connection thread, concluding a request) */
    boolean clientGone() {
        return clientGone;
    }

    // ---- the client-gone watch: the sweeper arms it, the watcher runs it ----------------------

    /**
     * Sweeper: asks for the watch on a handler that has run at least {@code afterNanos} with its
     * body read, is not computing, and has room in its input for what the client may pipeline.
     *
     * @return whether the watch was asked for (the caller hands this to the watcher)
     */
    boolean tryArmWatch(long now, long afterNanos) {
        // Looked at without the lock first: most connections are idle or answer quickly, and taking
        // each one's lock every sweep would make a handler that starts just then park and wait for
        // the sweeper to unpark it.
        Exchange ex = handled;
        if (ex == null || now - ex.startNanos() < afterNanos) {
            return false;
        }
        if (!lock.tryLock()) {
            return false; // busy: look again at the next sweep
        }
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
                return true;
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Watcher: puts the channel on {@code selector}, non-blocking, if the watch is still wanted.
     * If not (the handler ended, the channel closed) the watch ends here.
     *
     * @throws IOException if the channel cannot be watched; the watch has ended then
     */
    void register(Selector selector) throws IOException {
        lock.lock();
        try {
            if (watch != Watch.ARMING) {
                return;
            }
            if (!handling || !channel.isOpen()) {
                settle();
                return;
            }
            channel.configureBlocking(false);
            key = channel.register(selector, SelectionKey.OP_READ, this);
            watch = Watch.WATCHING;
        } catch (IOException e) {
            settle(); // not watched after all: the handler goes on unwatched
            throw e;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Watcher, when {@link #register} failed unexpectedly: the watch ends, and a channel left
     * non-blocking is closed, so that the connection thread never uses it as if it blocked.
     */
    void abandonWatch() {
        lock.lock();
        try {
            if (key != null) {
                key.cancel();
                key = null;
            }
            if (!channel.isBlocking()) {
                close.run();
            }
            settle();
        } finally {
            lock.unlock();
        }
    }

    /** What one look at a watched channel found. */
    enum Seen {
        /** Nothing: go on watching. */
        NOTHING,
        /** Stop watching: the client pipelined (the bytes are in the input now), the input is full, or it ended (a half-close, configured not to mean gone). */
        STOP,
        /** The client closed or reset the connection. */
        GONE
    }

    /**
     * Watcher: reads what the client sent while watched, at most what the input has room for.
     *
     * @param scratch          the watcher's buffer
     * @param endOfInputIsGone whether the end of input means the client left, or only ends the watch
     * @return what it found; for {@link Seen#GONE} the caller, after giving the channel back,
     *         calls {@link #cancelForClientGone}
     */
    Seen poll(ByteBuffer scratch, boolean endOfInputIsGone) {
        lock.lock();
        try {
            if (watch != Watch.WATCHING || key == null || !key.isValid()) {
                return Seen.NOTHING;
            }
            int room = in.room();
            if (room == 0) {
                return Seen.STOP; // the buffer is full: stop watching, and let TCP hold the rest back
            }
            scratch.clear().limit(Math.min(scratch.capacity(), room));
            int n;
            try {
                n = channel.read(scratch);
            } catch (IOException e) {
                return gone("reset the connection (" + e.getMessage() + ")");
            }
            if (n < 0) {
                if (!endOfInputIsGone) {
                    // A half-close looks the same as a close from here: configured not to guess,
                    // stop watching for good; the handler finishes and answers, and the connection
                    // reads the end of input after that and closes.
                    inputEnded = true;
                    return Seen.STOP;
                }
                return gone("closed the connection");
            }
            if (n > 0) {
                scratch.flip();
                in.pushBack(scratch);
                return Seen.STOP;
            }
            return Seen.NOTHING;
        } finally {
            lock.unlock();
        }
    }

    private Seen gone(String how) {
        assert lock.isHeldByCurrentThread();
        clientGone = true;
        goneHow = how;
        return Seen.GONE;
    }

    /** Watcher: takes the channel off the selector if it is on it. @return whether it was (restore it next) */
    boolean cancelKey() {
        lock.lock();
        try {
            if (watch == Watch.WATCHING && key != null) {
                key.cancel();
                return true;
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Watcher, after the key's deregistration: the channel is blocking again, and the connection thread may go on. */
    void restoreBlocking() {
        lock.lock();
        try {
            try {
                if (channel.isOpen()) {
                    channel.configureBlocking(true);
                }
            } catch (IOException e) {
                // A channel that cannot block again cannot be served: closed before the connection
                // thread may go on, so that it never uses a non-blocking channel.
                LOG.debug("{}: cannot restore blocking mode, closing: {}", owner, e.toString());
                close.run();
            } catch (java.nio.channels.IllegalBlockingModeException e) {
                // Still registered with another selector (seen once, in the selector-pool mode under
                // a stress test, cause not yet found): the same answer as above, and loud, since
                // it ends a connection that should have lived. Uncaught, it ended the watcher's thread
                // and every watch after it.
                LOG.warn("{}: cannot restore blocking mode, still registered with another selector; closing", owner, e);
                close.run();
            }
            key = null;
            settle();
        } finally {
            lock.unlock();
        }
    }

    /** Watcher, after {@link Seen#GONE} and {@link #restoreBlocking}: cancels the request in flight, if one still is. */
    void cancelForClientGone() {
        Exchange ex;
        String how;
        lock.lock();
        try {
            ex = exchange;
            how = goneHow;
        } finally {
            lock.unlock();
        }
        if (ex != null) {
            ex.cancel(CancelReason.clientDisconnected("client " + remote + " " + how));
        }
    }

    /**
     * Connection thread, ending its handler phase: asks the watcher for the channel back and waits
     * until it is blocking again. Uninterruptible (the channel must be ours again before anything
     * else); an interrupt that arrives meanwhile is restored on return.
     *
     * @param ask   hands this state to the watcher's disarm queue and wakes it
     * @param nudge wakes the watcher again: bounded waits with a repeated wake-up, so that a lost
     *              one can delay this, never hang it
     */
    void awaitUnwatched(Runnable ask, Runnable nudge) {
        lock.lock();
        try {
            if (watch == Watch.NONE) {
                return;
            }
            ask.run();
            boolean interrupted = false;
            while (watch != Watch.NONE) {
                try {
                    if (watchSettled.awaitNanos(UNWATCH_RECHECK_NANOS) <= 0) {
                        nudge.run();
                    }
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The watch has ended: whoever waits for the channel may go on. */
    private void settle() {
        assert lock.isHeldByCurrentThread();
        watch = Watch.NONE;
        watchSettled.signalAll();
    }

    @Override
    public String toString() {
        return owner.toString();
    }
}
