package dev.loomkit.server;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Run in a child JVM by {@link ManyConnectionsTest}: opens N keep-alive connections to 127.0.0.1,
 * sends one request on each, checks each answer, prints {@code ANSWERED ok failed} and keeps every
 * connection open until it reads a line on standard input. A process of its own because client and
 * server sockets in one JVM would need 2N file descriptors against a limit of 20,000.
 */
public final class ConnectionHolder {
    private ConnectionHolder() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int n = Integer.parseInt(args[1]);
        var ok = new AtomicInteger();
        var failed = new AtomicInteger();
        var firstError = new ConcurrentLinkedQueue<String>();
        var answered = new CountDownLatch(n);
        var connecting = new Semaphore(256); // within the listen backlog: no SYN retries
        var sockets = new ConcurrentLinkedQueue<Socket>();
        byte[] request = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < n; i++) {
            Thread.ofVirtual().start(() -> {
                try {
                    connecting.acquire();
                    var s = new Socket();
                    try {
                        s.connect(new InetSocketAddress("127.0.0.1", port), 30_000);
                    } finally {
                        connecting.release();
                    }
                    sockets.add(s);
                    s.setSoTimeout(60_000);
                    OutputStream out = s.getOutputStream();
                    out.write(request);
                    out.flush();
                    String head = readHead(s.getInputStream());
                    if (head.startsWith("HTTP/1.1 200") && !head.contains("Connection: close")) {
                        ok.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                        firstError.add(head);
                    }
                } catch (Exception e) {
                    failed.incrementAndGet();
                    firstError.add(e.toString());
                } finally {
                    answered.countDown();
                }
            });
        }
        boolean all = answered.await(120, TimeUnit.SECONDS);
        System.out.println("ANSWERED " + ok.get() + " " + failed.get() + (all ? "" : " (timed out)")
                + (firstError.isEmpty() ? "" : " first error: " + firstError.peek().replace('\n', ' ')));
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        for (Socket s : List.copyOf(sockets)) {
            s.close();
        }
    }

    /** Reads a response head and its Content-Length body; returns the head. */
    private static String readHead(InputStream in) throws Exception {
        var sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new java.io.EOFException("closed after: " + sb);
            }
            sb.append((char) c);
        }
        String head = sb.toString();
        int i = head.indexOf("Content-Length: ");
        int length = Integer.parseInt(head.substring(i + 16, head.indexOf('\r', i)));
        in.readNBytes(length);
        return head;
    }
}
