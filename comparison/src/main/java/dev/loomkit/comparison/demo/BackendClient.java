package dev.loomkit.comparison.demo;

import dev.loomkit.comparison.http.ResponseReader;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;

/**
 * A blocking HTTP/1.1 client for the comparison's backend: a pool of keep-alive sockets, at most
 * {@code maxConnections} of them. The calling thread blocks in a plain socket read, which is the
 * point: a virtual thread parks there, a platform thread blocks in the kernel. The pool cap keeps
 * the server process within its file descriptors (client connections plus backend connections).
 */
public final class BackendClient {
    private final InetSocketAddress address;
    private final Semaphore permits;
    private final ConcurrentLinkedQueue<Conn> idle = new ConcurrentLinkedQueue<>();

    /** The longest body kept: the backend answers a couple of bytes; more is a backend gone wrong, not a page to buffer. */
    static final int MAX_BODY = 64 * 1024;

    private record Conn(Socket socket, ResponseReader in, OutputStream out) {
        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // discarding a broken connection
            }
        }
    }

    /**
     * Creates the client.
     *
     * @param address        the backend
     * @param maxConnections the most sockets open to it at once; callers past it wait
     */
    public BackendClient(InetSocketAddress address, int maxConnections) {
        this.address = address;
        this.permits = new Semaphore(maxConnections, true);
    }

    /**
     * Sends a GET and returns the body.
     *
     * @param pathAndQuery the target
     * @return the body
     * @throws IOException          if the backend fails or answers other than 200
     * @throws InterruptedException if interrupted while waiting for a pooled connection
     */
    public String get(String pathAndQuery) throws IOException, InterruptedException {
        permits.acquire();
        Conn c = idle.poll();
        boolean reusable = false;
        try {
            if (c == null) {
                var socket = new Socket();
                socket.connect(address, 5_000);
                socket.setTcpNoDelay(true);
                c = new Conn(socket, new ResponseReader(socket.getInputStream(), 4096),
                        new BufferedOutputStream(socket.getOutputStream(), 512));
            }
            c.out.write(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: backend\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            c.out.flush();
            int response = c.in.readHead();
            if (ResponseReader.status(response) != 200) {
                throw new IOException("backend answered " + ResponseReader.status(response) + " to GET " + pathAndQuery);
            }
            String body = new String(c.in.readBody(MAX_BODY), StandardCharsets.UTF_8);
            reusable = !ResponseReader.closes(response);
            return body;
        } finally {
            if (c != null) {
                if (reusable) {
                    idle.offer(c);
                } else {
                    c.close();
                }
            }
            permits.release();
        }
    }
}
