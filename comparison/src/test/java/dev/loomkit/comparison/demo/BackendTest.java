package dev.loomkit.comparison.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.comparison.http.Http1;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The selector-loop backend over real sockets on 127.0.0.1: delays, order, refusals and bounds. */
@Timeout(60)
class BackendTest {
    private Backend backend;

    @BeforeEach
    void start() throws IOException {
        backend = Backend.start(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() throws InterruptedException {
        backend.close();
    }

    private InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", backend.port());
    }

    /** Reads one response; returns "status body". */
    private static String response(InputStream in) throws IOException {
        String status = Http1.line(in);
        int length = 0;
        for (String l; !(l = Http1.line(in)).isEmpty(); ) {
            if (l.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(l.substring(15).strip());
            }
        }
        return status.substring(9, 12) + " " + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }

    private static byte[] get(String target) {
        return ("GET " + target + " HTTP/1.1\r\nHost: backend\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void testAnswersNoEarlierThanAsked() throws Exception {
        var client = new BackendClient(address(), 4);
        long start = System.nanoTime();
        assertEquals("ok", client.get("/delay?ms=40"));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(40), "answered before its delay");
        assertEquals("ok", client.get("/delay?ms=0"));
        assertEquals(2, backend.sent());
    }

    @Test
    void testPipelinedAnswersKeepRequestOrder() throws Exception {
        try (var s = new Socket("127.0.0.1", backend.port())) {
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream());
            long start = System.nanoTime();
            // The second is due first, but may not overtake the first on its connection.
            out.write(get("/delay?ms=60"));
            out.write(get("/nowhere"));
            out.write(get("/delay?ms=0"));
            out.write(get("/count"));
            out.flush();
            assertEquals("200 ok", response(in));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(60));
            assertEquals("404 ", response(in));
            assertEquals("200 ok", response(in));
            assertEquals("200 2", response(in)); // /count counts the delayed answers sent before it
        }
    }

    @Test
    void testRefusesWhatItDoesNotSpeakWith400AndClose() throws Exception {
        for (String bad : List.of("POST /delay?ms=1 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", "GET /delay?ms=99999999 HTTP/1.1\r\n\r\n",
                "GET /delay?ms=-1 HTTP/1.1\r\n\r\n", "GET /delay?ms=1 HTTP/1.0\r\n\r\n",
                "GET /delay?ms=1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                "GET /delay?ms=1 HTTP/1.1\r\nX: " + "a".repeat(Backend.MAX_HEAD) + "\r\n\r\n")) {
            try (var s = new Socket("127.0.0.1", backend.port())) {
                s.setSoTimeout(10_000);
                // The answers to requests before the refused one still come, in order.
                s.getOutputStream().write(get("/delay?ms=5"));
                try {
                    s.getOutputStream().write(bad.getBytes(StandardCharsets.ISO_8859_1));
                } catch (IOException e) {
                    // the oversized head may be cut off by the close: the answers must still be there
                }
                InputStream in = new BufferedInputStream(s.getInputStream());
                assertEquals("200 ok", response(in), bad);
                assertEquals("400 ", response(in), bad);
                assertEquals(-1, in.read(), "connection closed after the 400: " + bad);
            }
        }
    }

    @Test
    void testThousandsOfPipelinedRequestsPassTheWaitingLimitInOrder() throws Exception {
        int n = 20 * Backend.MAX_WAITING;
        try (var s = new Socket("127.0.0.1", backend.port()); var exec = Executors.newVirtualThreadPerTaskExecutor()) {
            s.setSoTimeout(20_000);
            Future<?> writer = exec.submit(() -> {
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < n; i++) {
                    out.write(get(i % 2 == 0 ? "/delay?ms=0" : "/nowhere"));
                }
                out.flush();
                return null;
            });
            InputStream in = new BufferedInputStream(s.getInputStream());
            for (int i = 0; i < n; i++) {
                assertEquals(i % 2 == 0 ? "200 ok" : "404 ", response(in), "answer " + i);
            }
            writer.get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void testOneThreadHoldsAThousandWaitingAnswers() throws Exception {
        int n = 1_000;
        var client = new BackendClient(address(), n);
        try (var exec = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                answers.add(exec.submit(() -> client.get("/delay?ms=300")));
            }
            for (Future<String> f : answers) {
                assertEquals("ok", f.get(30, TimeUnit.SECONDS));
            }
        }
        assertEquals(n, backend.sent());
        long loops = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("backend-loop-" + backend.port())).count();
        assertEquals(1, loops, "the backend runs on one thread");
    }

    @Test
    void testCloseEndsConnectionsAndTheLoop() throws Exception {
        int port = backend.port();
        try (var s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(get("/delay?ms=60000"));
            backend.close();
            try {
                assertEquals(-1, s.getInputStream().read(), "a waiting answer's connection is closed, not left hanging");
            } catch (java.net.SocketException reset) {
                // Closed before the loop had read the request: the kernel resets instead. Also an
                // end; what must not happen is the read timing out (SocketTimeoutException is not this).
                assertTrue(reset.getMessage().contains("reset"), reset.toString());
            }
        }
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("backend-loop-" + port) && t.isAlive()));
        assertThrows(IOException.class, () -> new Socket("127.0.0.1", port).close());
    }

    @Test
    void testAHalfClosedClientGetsEveryAnswerItIsOwedThenTheEnd() throws Exception {
        try (var s = new Socket("127.0.0.1", backend.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(get("/delay?ms=50"));
            out.write(get("/delay?ms=0"));
            out.write(get("/count"));
            s.shutdownOutput(); // as nc -N or a batch client does: sent everything, waits for the answers
            InputStream in = new BufferedInputStream(s.getInputStream());
            assertEquals("200 ok", response(in));
            assertEquals("200 ok", response(in));
            assertEquals("200 2", response(in), "the count sent after both delayed answers");
            assertEquals(-1, in.read(), "closed once the last answer was sent");
        }
    }

    @Test
    void testAHalfCloseWithNothingOwedEndsTheConnection() throws Exception {
        try (var s = new Socket("127.0.0.1", backend.port())) {
            s.setSoTimeout(10_000);
            s.shutdownOutput();
            assertEquals(-1, s.getInputStream().read());
        }
    }
}
