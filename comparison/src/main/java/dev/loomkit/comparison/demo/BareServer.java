package dev.loomkit.comparison.demo;

import dev.loomkit.comparison.Cli;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The comparison's reference contender {@code bare-virtual}: the least a virtual-thread-per-connection
 * HTTP/1.1 server can do. A blocking {@link ServerSocket} on 127.0.0.1, one platform thread
 * accepting, one virtual thread per connection (see {@link BareConnection}), {@code /hello} and
 * {@code /sleep?ms=N} as in the demo server, 404 for anything else. Measured beside the demo server
 * in virtual mode, it shows what the demo's machinery costs: its scopes, timeouts, limits, router
 * and metrics.
 *
 * <p>A reference, not a server: no timeouts (an idle or slow client holds its thread and 8 KiB
 * until it leaves), no connection or request limits, no request bodies (501), no percent-decoding,
 * no metrics, GET only. Two things it does not skip: a head larger than its 8 KiB buffer gets 431
 * and the connection closed, so a client that lies cannot hang a connection; and it stops cleanly
 * when closed, or when its process gets SIGTERM.
 */
public final class BareServer implements AutoCloseable {
    /** The one buffer per connection, and so the largest request head. */
    static final int BUFFER_BYTES = 8 * 1024;
    /** The demo server's default listen backlog. */
    private static final int BACKLOG = 1024;

    private final ServerSocket listener;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final ThreadFactory connections = Thread.ofVirtual().factory();
    private final Thread acceptor;
    private volatile boolean closing;

    private BareServer(ServerSocket listener) {
        this.listener = listener;
        this.acceptor = Thread.ofPlatform().name("bare-acceptor-" + listener.getLocalPort()).start(this::acceptLoop);
    }

    /**
     * Starts listening on 127.0.0.1.
     *
     * @param port the port, or 0 for any free one (see {@link #port()})
     * @return the running server
     * @throws IOException if it cannot bind
     */
    public static BareServer start(int port) throws IOException {
        var listener = new ServerSocket();
        try {
            listener.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port), BACKLOG);
        } catch (IOException e) {
            listener.close();
            throw e;
        }
        return new BareServer(listener);
    }

    /** {@return the port it listens on} */
    public int port() {
        return listener.getLocalPort();
    }

    private void acceptLoop() {
        boolean reported = false;
        while (!closing) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                if (closing) {
                    return;
                }
                // Out of file descriptors, say: report once, and do not spin.
                if (!reported) {
                    System.err.println("bare server: accept failed: " + e);
                    reported = true;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                continue;
            }
            open.add(socket);
            if (closing) { // close() may have swept the open sockets before this one was added
                closeQuietly(socket);
                open.remove(socket);
                return;
            }
            connections.newThread(new BareConnection(socket, open::remove)).start();
        }
    }

    /** Stops accepting, closes every connection (their threads then end), and waits for the acceptor. */
    @Override
    public void close() {
        closing = true;
        closeQuietly(listener);
        for (Socket s : open) {
            closeQuietly(s);
        }
        if (Thread.currentThread() != acceptor) {
            boolean interrupted = false;
            while (acceptor.isAlive()) {
                try {
                    acceptor.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits until the server is closed. @throws InterruptedException if interrupted while waiting */
    void awaitClose() throws InterruptedException {
        acceptor.join();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing on the way out
        }
    }

    /**
     * {@code ./loomkit run bare [--port N]}: runs the bare server until the process is stopped
     * (SIGTERM, Ctrl-C), then closes it. Prints one line, {@code bare server on http://127.0.0.1:PORT ...},
     * when it listens.
     */
    @Command(name = "bare", description = "The bare-virtual reference server alone, until stopped: the least a "
            + "virtual-thread-per-connection server can do; routes: /hello /sleep?ms=N.")
    public static final class BareCommand implements Callable<Integer> {
        @Mixin
        private Cli.Help help;
        @Option(names = "--port", paramLabel = "N", description = "the port, 0 for any free one (default 8080)")
        private int port = 8080;

        @Override
        public Integer call() throws Exception {
            BareServer server = start(port);
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "bare-shutdown"));
            System.out.println("bare server on http://127.0.0.1:" + server.port()
                    + " (a virtual thread per connection; a reference, not a server); routes: /hello /sleep?ms=N");
            System.out.flush();
            server.awaitClose();
            return 0;
        }
    }
}
