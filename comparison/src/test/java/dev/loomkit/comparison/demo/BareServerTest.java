package dev.loomkit.comparison.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.comparison.http.Http1;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The bare reference server over real sockets on 127.0.0.1: what it answers, and that it never hangs. */
@Timeout(30)
class BareServerTest {
    private BareServer server;

    /** One parsed response: status, headers (names lower-cased), body. */
    private record Answer(int status, Map<String, String> headers, String body) {
    }

    @BeforeEach
    void start() throws IOException {
        server = BareServer.start(0);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void testHttpClientGetsHelloSleepAnd404() throws Exception {
        String base = "http://127.0.0.1:" + server.port();
        // The JDK client asks to upgrade to h2c; the bare server ignores that and answers in HTTP/1.1.
        try (var client = HttpClient.newHttpClient()) {
            var hello = client.send(HttpRequest.newBuilder(URI.create(base + "/hello")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, hello.statusCode());
            assertEquals("hello\n", hello.body());
            assertEquals("text/plain; charset=utf-8", hello.headers().firstValue("content-type").orElseThrow());
            assertEquals("6", hello.headers().firstValue("content-length").orElseThrow());
            assertImfFixdate(hello.headers().firstValue("date").orElseThrow());
            var slept = client.send(HttpRequest.newBuilder(URI.create(base + "/sleep?ms=10")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, slept.statusCode());
            assertEquals("slept 10 ms\n", slept.body());
            var missing = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(404, missing.statusCode());
        }
    }

    @Test
    void testKeepAliveAnswersSeveralRequestsOnOneConnection() throws Exception {
        try (var socket = connect()) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            for (int i = 0; i < 3; i++) {
                out.write(get("/hello").getBytes(StandardCharsets.US_ASCII));
                Answer a = read(in);
                assertEquals(200, a.status());
                assertEquals("hello\n", a.body());
                assertTrue(!a.headers().containsKey("connection"), "keep-alive is HTTP/1.1's default: " + a.headers());
            }
            long begin = System.nanoTime();
            out.write(get("/sleep?ms=10").getBytes(StandardCharsets.US_ASCII));
            Answer slept = read(in);
            assertEquals("slept 10 ms\n", slept.body());
            assertTrue(System.nanoTime() - begin >= 10_000_000, "answered before the sleep ended");
            out.write(get("/nowhere?ms=1").getBytes(StandardCharsets.US_ASCII));
            Answer missing = read(in);
            assertEquals(404, missing.status());
            assertEquals("not found\n", missing.body());
            out.write(get("/sleep?ms=x").getBytes(StandardCharsets.US_ASCII));
            assertEquals(400, read(in).status());
            out.write(get("/hello").getBytes(StandardCharsets.US_ASCII)); // still open after a 404 and a 400
            assertEquals("hello\n", read(in).body());
        }
    }

    @Test
    void testPipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (var socket = connect()) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            // Two heads in one write: the server finds both in its buffer; the slower first one answers first.
            socket.getOutputStream().write((get("/sleep?ms=10") + get("/hello")).getBytes(StandardCharsets.US_ASCII));
            assertEquals("slept 10 ms\n", read(in).body());
            assertEquals("hello\n", read(in).body());
            // A head split across writes is put together.
            OutputStream out = socket.getOutputStream();
            out.write("GET /hel".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            out.write("lo HTTP/1.1\r\nHost: x\r\n\r".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            out.write("\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("hello\n", read(in).body());
        }
    }

    @Test
    void testConnectionCloseIsHonoured() throws Exception {
        try (var socket = connect()) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            socket.getOutputStream().write("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            Answer a = read(in);
            assertEquals("hello\n", a.body());
            assertEquals("close", a.headers().get("connection"));
            assertEquals(-1, in.read(), "the server closes after answering");
        }
        try (var socket = connect()) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            socket.getOutputStream().write("GET /hello HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("hello\n", read(in).body());
            assertEquals(-1, in.read(), "HTTP/1.0 closes unless asked to keep alive");
        }
    }

    @Test
    void testOverlongHeadGets431AndTheConnectionCloses() throws Exception {
        try (var socket = connect()) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            // A head that never ends within the server's 8 KiB: 9,000 bytes of one header, no blank line.
            String head = "GET /hello HTTP/1.1\r\nHost: x\r\nX-Long: " + "a".repeat(9_000) + "\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            Answer a = read(in);
            assertEquals(431, a.status());
            assertEquals("close", a.headers().get("connection"));
            assertEquals(-1, in.read(), "the server closes after a 431");
        }
    }

    @Test
    void testRequestWithABodyGets501AndTheConnectionCloses() throws Exception {
        try (var socket = connect()) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            socket.getOutputStream().write("POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                    .getBytes(StandardCharsets.US_ASCII));
            Answer a = read(in);
            assertEquals(501, a.status());
            assertTrue(a.body().contains("reference, not a server"), a.body());
            assertEquals(-1, in.read());
        }
    }

    @Test
    void testCloseEndsOpenConnectionsAndStopsListening() throws Exception {
        int port = server.port();
        try (var socket = connect()) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            socket.getOutputStream().write(get("/hello").getBytes(StandardCharsets.US_ASCII));
            assertEquals("hello\n", read(in).body());
            server.close(); // the connection is idle in a blocking read: closing must end it
            assertEquals(-1, in.read());
        }
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
    }

    private Socket connect() throws IOException {
        var socket = new Socket("127.0.0.1", server.port());
        socket.setSoTimeout(10_000); // a hang fails the test with a message instead of at the timeout
        return socket;
    }

    private static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: loomkit\r\n\r\n";
    }

    private static Answer read(InputStream in) throws IOException {
        String status = Http1.line(in);
        assertTrue(status.startsWith("HTTP/1.1 "), status);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line; !(line = Http1.line(in)).isEmpty(); ) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
        int length = Integer.parseInt(headers.get("content-length"));
        assertEquals("text/plain; charset=utf-8", headers.get("content-type"));
        assertImfFixdate(headers.get("date"));
        byte[] body = in.readNBytes(length);
        assertEquals(length, body.length, "body cut short");
        return new Answer(Integer.parseInt(status.substring(9, 12)), headers, new String(body, StandardCharsets.UTF_8));
    }

    private static void assertImfFixdate(String date) {
        // Parses, and has the two-digit day IMF-fixdate asks for.
        ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME);
        assertTrue(date.matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT"), date);
    }
}
