package dev.loomkit.server;

import dev.loomkit.server.http1.HttpInput;
import dev.loomkit.server.http1.HttpOutput;
import dev.loomkit.server.http1.RequestHead;
import dev.loomkit.server.http1.RequestHeadParser;
import dev.loomkit.server.http1.ResponseWriter;
import dev.loomkit.toolkit.CancelReason;
import dev.loomkit.toolkit.JoinPolicy;
import dev.loomkit.toolkit.Scope;
import dev.loomkit.toolkit.ScopeConfig;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: reads requests in order, hands each to an {@link Exchange}, and closes.
 * Runs in one thread from the server's thread source, in a "connection" scope; in
 * {@link ThreadMode#SELECTOR_POOL} in turns instead, one per burst of requests, each on a pool
 * thread in a connection scope of its own, with the connection parked on the {@link IdleParker}
 * between them.
 *
 * <p>What it shares with the server's other threads (the sweeper, the client-gone watcher, whoever
 * cancels its request) is in its {@link ConnectionState}, which owns that protocol.
 */
final class Connection implements Runnable, RequestHeadParser.HeadEvents {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

    /** How much a closing connection reads and discards before it closes (and for how long: {@link ConnectionState#LINGER_NANOS}). */
    private static final int LINGER_BYTES = 64 * 1024;

    final ConnectionContext context;
    private final ThreadSource threads;
    final SocketChannel channel;
    final long id;
    final InetSocketAddress remote;
    final HttpInput in;
    final HttpOutput out;
    final ConnectionState state;
    private final ServerConfig config;

    /** Shutdown asked this connection to stop: written by the stopping thread, read by the connection thread. */
    volatile boolean stopRequested;
    /**
     * On the idle parker's selector, without a thread: written by the parker's thread only, read by
     * any thread that closes the channel, to tell the parker (which checks again: it is the owner).
     */
    volatile boolean parked;

    // The connection thread's own: byte counts already reported.
    private long reportedIn;
    private long reportedOut;
    /** The head the parser is refusing was a HEAD request's: its error has no body. The connection thread's own. */
    private boolean refusingHeadRequest;

    Connection(ConnectionContext context, SocketChannel channel, long id) throws IOException {
        this.context = context;
        this.channel = channel;
        this.id = id;
        this.config = context.config();
        this.threads = context.threads();
        this.remote = (InetSocketAddress) channel.getRemoteAddress();
        this.in = new HttpInput(channel, config.maxRequestLineBytes() + config.maxHeaderBytes() + 4);
        this.state = new ConnectionState(channel, in, config, this, String.valueOf(remote), this::closeQuietly);
        this.out = new HttpOutput(channel, state);
    }

    /**
     * Serves the connection: to its end, or, where the thread source parks idle connections, until
     * it has nothing buffered after a request; it is then parked, and the next turn starts here again.
     */
    @Override
    public void run() {
        state.turnStarted();
        Thread.interrupted(); // a pool thread starts clean
        boolean park = false;
        try {
            park = Scope.call(ScopeConfig.named("connection").withThreadFactory(threads.subtasks()), JoinPolicy.failFast(),
                    scope -> serve(threads.parksIdle()));
        } catch (ClosedChannelException | EOFException e) {
            // Closed under us by a timeout or the shutdown, or the client hung up mid-message.
            LOG.debug("connection {} closed: {}", id, state.expired() != null ? state.expired() + " timeout" : e.toString());
        } catch (IOException e) {
            LOG.debug("connection {} ended by an I/O error: {}", id, e.toString());
        } catch (Exception | Error e) {
            LOG.warn("connection {} failed unexpectedly", id, e);
        } finally {
            state.turnEnded();
            if (park) {
                reportBytes();
                state.ioStart(ConnectionState.Io.IDLE); // the sweeper keeps the idle timeout of a parked connection too
                // Looked at again after the IDLE mark: a shutdown that came since either sees IDLE
                // and closes it, or is seen here (both fields are volatile).
                if (stopRequested || context.stopping().getAsBoolean()) {
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
        state.ioEnd();
        reportBytes();
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("connection {}: close failed: {}", id, e.toString());
        }
        context.ended().accept(this);
    }

    /**
     * Idle parker: the next request's head has arrived but the pool refused it (it has stopped). Answers 503 without
     * blocking (the parker must never wait for a client), and finishes the connection.
     */
    void refuseBusy() {
        context.metrics().rejected(HttpMetrics.Rejection.POOL_STOPPED);
        ServerImpl.answerBusyAndClose(channel);
        finish(); // the channel is closed: no lingering, just the accounting
    }

    /** @return whether to park the connection: it is idle, and its thread source serves requests, not connections */
    private boolean serve(boolean parkIdle) throws IOException {
        var parser = context.parser();
        // A turn starts because bytes (or the end of stream) arrived: read them before parking again.
        boolean first = true;
        while (true) {
            if ((stopRequested || context.stopping().getAsBoolean()) && !in.hasBuffered()) {
                return false; // idle at shutdown: nothing is lost by closing now
            }
            if (parkIdle && !first && !in.hasBuffered()) {
                return true;
            }
            first = false;
            state.ioStart(ConnectionState.Io.IDLE);
            RequestHead head;
            try {
                head = parser.parse(in, this);
            } catch (ProtocolException e) {
                state.ioEnd();
                context.metrics().protocolError(e.status());
                LOG.debug("connection {}: rejected request with {}: {}", id, e.status(), e.getMessage());
                ResponseWriter.writeError(out, e.status(), e.getMessage(), true, refusingHeadRequest);
                return false;
            }
            state.ioEnd();
            if (head == null) {
                return false;
            }
            if (!new Exchange(this, context, head).serve()) {
                return false;
            }
            in.shrinkIfIdle();
        }
    }

    /**
     * RFC 9112 9.6: closes the sending side first, then reads and discards what the client still
     * sends, until it closes too, for at most {@link ConnectionState#LINGER_NANOS} and {@link #LINGER_BYTES}.
     * Closing a socket with unread input makes the kernel answer with a reset, and a reset can
     * destroy the response still on its way (a 400, a 413, an answer to a request whose large body
     * was not read). A client that closed first costs one read that returns end of stream.
     */
    private void lingeringClose() {
        try {
            channel.shutdownOutput();
            state.ioStart(ConnectionState.Io.LINGER); // the sweeper closes the channel when the time is up
            ByteBuffer skip = in.discardSpace();
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
            state.ioEnd();
        }
    }

    /** Reports the bytes moved since the last report (this thread only). */
    void reportBytes() {
        long in = this.in.bytesRead();
        long out = this.out.bytesWritten();
        context.metrics().bytes(in - reportedIn, out - reportedOut);
        reportedIn = in;
        reportedOut = out;
    }

    @Override
    public void headStarted() {
        refusingHeadRequest = false;
        state.ioStart(ConnectionState.Io.HEAD); // from the first byte of a head: a slow head is the slowloris attack
    }

    @Override
    public void refusingHeadRequest() {
        refusingHeadRequest = true;
    }

    /** Sweeper: closes the channel if the blocking I/O under way is overdue. */
    void checkTimeout(long now) {
        ConnectionState.Io kind = state.expireIfOverdue(now);
        if (kind != null) {
            context.metrics().timeout(kind);
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

    /**
     * Sweeper: applies the deadline of the request being handled once it has passed. The request
     * scope arms no timer of its own (a request that ends in time, nearly all of them, then costs
     * none); looking at it applies the passed deadline, and its hosted hook wakes the handler.
     */
    void checkDeadline(long now) {
        Exchange ex = state.handled();
        if (ex != null) {
            ex.expireIfDue(now);
        }
    }

    /** Sweeper: asks the watcher to watch a handler that has run a while with its body read. @return whether this armed the watch */
    boolean maybeWatch(long now, long afterNanos) {
        if (state.tryArmWatch(now, afterNanos)) {
            context.watcher().arm(state);
            return true;
        }
        return false;
    }

    /** Shutdown: close now if idle, else finish the current request and close. */
    void requestStop() {
        stopRequested = true;
        if (state.io() == ConnectionState.Io.IDLE && !in.hasBuffered()) {
            closeQuietly();
        }
    }

    /** Shutdown, after the grace period: cancel the request in flight, or close. */
    void forceStop(CancelReason reason) {
        Exchange ex = state.exchangeInFlight();
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
