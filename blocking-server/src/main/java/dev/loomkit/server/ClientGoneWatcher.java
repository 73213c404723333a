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
 * connection asks for its channel back and waits until it is blocking again. Every step on a
 * connection is a method of its {@link ConnectionState}, which owns that protocol; this class owns
 * only the selector and its queues.
 */
final class ClientGoneWatcher implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);

    private final Selector selector;
    private final ConcurrentLinkedQueue<ConnectionState> toArm = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<ConnectionState> toDisarm = new ConcurrentLinkedQueue<>();
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

    /** Sweeper: watch this connection (its watch is being armed). */
    void arm(ConnectionState c) {
        toArm.add(c);
        selector.wakeup();
    }

    /** Connection thread, after its handler: returns once the channel is blocking again. Uninterruptible. */
    void disarm(ConnectionState c) {
        c.awaitUnwatched(() -> {
            toDisarm.add(c);
            selector.wakeup();
        }, selector::wakeup);
    }

    @Override
    public void run() {
        List<ConnectionState> release = new ArrayList<>();
        List<ConnectionState> gone = new ArrayList<>();
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
            for (ConnectionState c; (c = toArm.poll()) != null; ) {
                try {
                    c.register(selector);
                } catch (IOException e) {
                    LOG.debug("{}: cannot watch: {}", c, e.toString());
                } catch (RuntimeException e) {
                    // One connection's trouble must not end the watcher (and with it every watch and
                    // every handler waiting for its channel back): the watch ends unregistered.
                    LOG.error("{}: cannot watch", c, e);
                    c.abandonWatch();
                }
            }
            for (ConnectionState c; (c = toDisarm.poll()) != null; ) {
                if (c.cancelKey()) {
                    release.add(c);
                }
            }
            for (SelectionKey key : selector.selectedKeys()) {
                ConnectionState c = (ConnectionState) key.attachment();
                ConnectionState.Seen seen = c.poll(scratch, endOfInputIsGone);
                if (seen != ConnectionState.Seen.NOTHING) {
                    key.cancel();
                    release.add(c);
                    if (seen == ConnectionState.Seen.GONE) {
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
                for (ConnectionState c : release) {
                    c.restoreBlocking();
                }
                release.clear();
            }
            for (ConnectionState c : gone) {
                c.cancelForClientGone();
            }
            gone.clear();
        }
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("client-gone watcher: close failed: {}", e.toString());
        }
    }

    void stop() {
        running = false;
        selector.wakeup();
        Uninterruptibly.join(thread);
    }
}
