package dev.loomkit.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices a client that closes or resets its connection while its request is being handled, so
 * that the request scope is cancelled with reason client-disconnected. One selector thread per
 * server, the same in both thread modes: a watched channel is switched to non-blocking and
 * registered here; end of stream or an error means the client is gone; bytes mean it pipelined
 * its next request, which are handed back to the connection's input. When the handler ends, the
 * connection asks for its channel back and waits until it is blocking again.
 */
final class ClientGoneWatcher implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

    private static final long DISARM_RECHECK_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100);

    private final Selector selector;
    private final ConcurrentLinkedQueue<Connection> toArm = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Connection> toDisarm = new ConcurrentLinkedQueue<>();
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(16 * 1024);
    private volatile boolean running = true;
    private Thread thread;
    /** Whether the end of input means the client has gone, or only ends the watch (a half-close). */
    private final boolean endOfInputIsGone;

    ClientGoneWatcher(boolean endOfInputIsGone) throws IOException {
        this.endOfInputIsGone = endOfInputIsGone;
        selector = Selector.open();
    }

    void start(String name) {
        thread = Thread.ofPlatform().daemon().name(name).start(this);
    }

    /** Sweeper: watch this connection (its watch state is ARMING). */
    void arm(Connection c) {
        toArm.add(c);
        selector.wakeup();
    }

    /** Connection thread, after its handler: returns once the channel is blocking again. Uninterruptible. */
    void disarm(Connection c) {
        c.lock.lock();
        try {
            if (c.watch == Connection.Watch.NONE) {
                return;
            }
            toDisarm.add(c);
            selector.wakeup();
            boolean interrupted = false;
            while (c.watch != Connection.Watch.NONE) {
                // Bounded waits with a repeated wakeup: a lost wakeup can delay this, never hang it.
                try {
                    if (c.watchSettled.awaitNanos(DISARM_RECHECK_NANOS) <= 0) {
                        selector.wakeup();
                    }
                } catch (InterruptedException e) {
                    interrupted = true; // the channel must be ours again before anything else
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        } finally {
            c.lock.unlock();
        }
    }

    @Override
    public void run() {
        List<Connection> release = new ArrayList<>();
        List<Connection> gone = new ArrayList<>();
        while (running) {
            try {
                // Block only with nothing queued. A wakeup() that comes while this loop runs is
                // consumed by the selectNow() below (the Selector contract), so a select() after it
                // could sleep on a queued request: the queues are the truth, not the wakeup.
                if (toArm.isEmpty() && toDisarm.isEmpty()) {
                    selector.select();
                } else {
                    selector.selectNow();
                }
            } catch (IOException e) {
                LOG.warn("client-gone watcher: select failed", e);
                continue;
            }
            for (Connection c; (c = toArm.poll()) != null; ) {
                register(c);
            }
            for (Connection c; (c = toDisarm.poll()) != null; ) {
                c.lock.lock();
                try {
                    if (c.watch == Connection.Watch.WATCHING) {
                        c.key.cancel();
                        release.add(c);
                    }
                } finally {
                    c.lock.unlock();
                }
            }
            for (SelectionKey key : selector.selectedKeys()) {
                Connection c = (Connection) key.attachment();
                String how = poll(c, key);
                if (how != null) {
                    key.cancel();
                    release.add(c);
                    if (!how.isEmpty()) {
                        gone.add(c);
                    }
                }
            }
            selector.selectedKeys().clear();
            if (!release.isEmpty()) {
                try {
                    selector.selectNow(); // completes the deregistration of the cancelled keys
                } catch (IOException e) {
                    LOG.warn("client-gone watcher: selectNow failed", e);
                }
                for (Connection c : release) {
                    restore(c);
                }
                release.clear();
            }
            for (Connection c : gone) {
                c.clientGone(c.clientGoneHow);
            }
            gone.clear();
        }
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("client-gone watcher: close failed: {}", e.toString());
        }
    }

    private void register(Connection c) {
        c.lock.lock();
        try {
            if (c.watch != Connection.Watch.ARMING) {
                return;
            }
            if (!c.handlingLocked() || !c.channel.isOpen()) {
                c.watch = Connection.Watch.NONE;
                c.watchSettled.signalAll();
                return;
            }
            c.channel.configureBlocking(false);
            c.key = c.channel.register(selector, SelectionKey.OP_READ, c);
            c.watch = Connection.Watch.WATCHING;
        } catch (IOException e) {
            LOG.debug("{}: cannot watch: {}", c, e.toString());
            c.watch = Connection.Watch.NONE;
            c.watchSettled.signalAll();
        } finally {
            c.lock.unlock();
        }
    }

    /**
     * Reads what the client sent while watched. Returns null to go on watching, "" to stop (it sent
     * its next request), or how it went away.
     */
    private String poll(Connection c, SelectionKey key) {
        c.lock.lock();
        try {
            if (c.watch != Connection.Watch.WATCHING || !key.isValid()) {
                return null;
            }
            int room = c.in.room();
            if (room == 0) {
                return ""; // the buffer is full: stop watching, and let TCP hold the rest back
            }
            scratch.clear().limit(Math.min(scratch.capacity(), room));
            int n;
            try {
                n = c.channel.read(scratch);
            } catch (IOException e) {
                c.clientGoneHow = "reset the connection (" + e.getMessage() + ")";
                return c.clientGoneHow;
            }
            if (n < 0) {
                if (!endOfInputIsGone) {
                    // A half-close looks the same as a close from here: configured not to guess,
                    // stop watching for good; the handler finishes and answers, and the connection
                    // reads the end of input after that and closes.
                    c.inputEnded = true;
                    return "";
                }
                c.clientGoneHow = "closed the connection";
                return c.clientGoneHow;
            }
            if (n > 0) {
                scratch.flip();
                c.in.pushBack(scratch);
                return "";
            }
            return null;
        } finally {
            c.lock.unlock();
        }
    }

    private void restore(Connection c) {
        c.lock.lock();
        try {
            try {
                if (c.channel.isOpen()) {
                    c.channel.configureBlocking(true);
                }
            } catch (IOException e) {
                LOG.debug("{}: cannot restore blocking mode, closing: {}", c, e.toString());
                c.closeQuietly();
            }
            c.key = null;
            c.watch = Connection.Watch.NONE;
            c.watchSettled.signalAll();
        } finally {
            c.lock.unlock();
        }
    }

    void stop() {
        running = false;
        selector.wakeup();
        Uninterruptibly.join(thread);
    }
}
