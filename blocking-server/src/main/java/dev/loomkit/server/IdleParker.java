package dev.loomkit.server;

import dev.loomkit.server.http1.HttpInput;
import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The selector of {@link ThreadMode#SELECTOR_POOL}: holds the keep-alive connections that wait for
 * their next request, with no thread each, reads each request head as it arrives, and hands the
 * connection to the pool once the head is whole (or the client closed, or the head outgrew its
 * limit: the pool thread then answers or finishes it). This is the model of Tomcat's NIO connector
 * and of Jetty: a thread per request, not per connection, and a slow client holds no thread.
 *
 * <p>A connection goes back to blocking mode before the pool runs it, because the handlers' code
 * blocks; so each wait costs a registration, a cancellation and two mode switches (Tomcat keeps
 * its sockets registered and emulates blocking reads on a second selector instead).
 *
 * <p>One platform thread owns the selector and the set of parked connections: {@link #park} and
 * {@link #closed} only queue, and that thread registers, dispatches and finishes. Whoever parks a
 * connection gives it up: from then on only this thread, then the pool thread it is handed to,
 * touch it. A parked connection's idle timeout is the sweeper's, as for the other modes: it
 * closes the channel, which cancels the key without the selector noticing, so the sweeper (or the
 * shutdown) tells this thread through {@link #closed}, and this thread finishes the connection.
 */
final class IdleParker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

    private final Selector selector;
    /** Hands a connection whose next request has begun to the pool; false if the pool refused it. */
    private final Predicate<Connection> dispatch;
    private final ConcurrentLinkedQueue<Connection> toPark = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Connection> toFinish = new ConcurrentLinkedQueue<>();
    private volatile boolean running = true;
    /** Set once the loop has ended: from then on a parked connection is finished by whoever parks it. */
    private volatile boolean dead;
    private Thread thread;

    IdleParker(Predicate<Connection> dispatch) throws IOException {
        this.selector = Selector.open();
        this.dispatch = dispatch;
    }

    void start(String name) {
        thread = Thread.ofPlatform().daemon().name(name).start(this);
    }

    /** Any thread that owns {@code c} and gives it up: wait for its next request without a thread. */
    void park(Connection c) {
        toPark.add(c);
        selector.wakeup();
        if (dead && toPark.remove(c)) {
            // The parker has ended (the server stopped, or it failed): nobody would ever serve it.
            c.closeQuietly();
            c.finish();
        }
    }

    /** Any thread: {@code c}'s channel was closed (a timeout, the shutdown); finish it if it is parked. */
    void closed(Connection c) {
        toFinish.add(c);
        selector.wakeup();
    }

    @Override
    public void run() {
        List<Connection> ready = new ArrayList<>();
        try {
            while (running) {
                // Block only with nothing queued: a wakeup consumed by the selectNow below would
                // otherwise leave a queued connection waiting for the next event.
                if (toPark.isEmpty() && toFinish.isEmpty()) {
                    selector.select();
                } else {
                    selector.selectNow();
                }
                for (Connection c; (c = toPark.poll()) != null; ) {
                    register(c);
                }
                for (Connection c; (c = toFinish.poll()) != null; ) {
                    SelectionKey key = c.channel.keyFor(selector);
                    if (c.parked && (key == null || !key.isValid() || !c.channel.isOpen())) {
                        // Closed while parked: nobody else will ever look at it again.
                        if (key != null) {
                            key.cancel();
                        }
                        finishParked(c);
                    }
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    Connection c = (Connection) key.attachment();
                    if (key.isValid() && readHead(c)) {
                        key.cancel();
                        ready.add(c);
                    }
                }
                selector.selectedKeys().clear();
                if (!ready.isEmpty()) {
                    selector.selectNow(); // completes the deregistration: a channel can block again only after it
                    for (Connection c : ready) {
                        wake(c);
                    }
                    ready.clear();
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            LOG.error("idle parker: failed; closing the connections it held", e);
        } finally {
            // Stopped (the pool is gone) or failed: what is still parked or queued is finished here,
            // and whatever is parked or closed from now on is finished by the caller (dead).
            dead = true;
            for (Connection c : ready) {
                finishParked(c);
            }
            for (SelectionKey key : selector.keys()) {
                finishParked((Connection) key.attachment());
            }
            for (Connection c; (c = toPark.poll()) != null; ) {
                c.parked = true;
                finishParked(c);
            }
            for (Connection c; (c = toFinish.poll()) != null; ) {
                finishParked(c);
            }
            try {
                selector.close();
            } catch (IOException e) {
                LOG.debug("idle parker: close failed: {}", e.toString());
            }
        }
    }

    /**
     * Reads what the client sent, without blocking, into the connection's input.
     *
     * @return whether to hand the connection to the pool: its head is whole, or the client closed
     *         or failed, or the head reached its size limit (the pool thread answers 431 or 414)
     */
    private boolean readHead(Connection c) {
        HttpInput in = c.in;
        try {
            if (in.room() == 0) {
                return true;
            }
            int n = in.fill();
            if (n < 0) {
                return true; // the end of stream: the pool thread reads it again and finishes the connection
            }
            if (in.hasHeadEnd() || in.room() == 0) {
                return true;
            }
            if (n > 0 && c.state.io() == ConnectionState.Io.IDLE) {
                c.state.ioStart(ConnectionState.Io.HEAD); // a slow head is timed from its first byte, parked or not
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return true; // a reset: the pool thread meets it again and ends the connection
        }
    }

    private void register(Connection c) {
        try {
            c.channel.configureBlocking(false);
            c.parked = true;
            c.channel.register(selector, SelectionKey.OP_READ, c);
        } catch (IOException | RuntimeException e) {
            // Closed under it already (ClosedChannelException, CancelledKeyException): finish it here.
            LOG.debug("{}: cannot park: {}", c, e.toString());
            c.parked = true;
            finishParked(c);
        }
    }

    /** Its next request's head is here (or its client left): blocking again, and to the pool. */
    private void wake(Connection c) {
        c.parked = false;
        c.state.ioEnd(); // waiting in the pool's queue is no idle time: no timeout applies there
        try {
            c.channel.configureBlocking(true);
        } catch (IOException e) {
            LOG.debug("{}: cannot restore blocking mode, closing: {}", c, e.toString());
            c.closeQuietly();
            c.finish();
            return;
        }
        boolean taken;
        try {
            taken = dispatch.test(c);
        } catch (RuntimeException e) {
            taken = false;
        }
        if (!taken) {
            c.refuseBusy(); // the pool has stopped: 503, and closed
        }
    }

    private void finishParked(Connection c) {
        if (c.parked) {
            c.parked = false;
            try {
                c.closeQuietly();
                c.finish();
            } catch (RuntimeException e) {
                LOG.warn("{}: finishing a parked connection failed", c, e);
            }
        }
    }

    /** After the pool has stopped: finishes what is parked, then ends the thread. */
    void stop() {
        running = false;
        selector.wakeup();
        Uninterruptibly.join(thread);
    }
}
