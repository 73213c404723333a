package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The ends of a connection: an unread body is skipped within a byte and time budget that counts
 * every byte on the wire, and a connection the server closes is closed gracefully (output first,
 * then what the client still sends is read and dropped), so the last response is not destroyed by
 * a reset.
 */
@Timeout(60)
class GracefulCloseTest {

    private static TestServer start(ThreadMode mode) throws Exception {
        return new TestServer(TestServer.config(mode), Router.builder().get("/hello", r -> Response.text(200, "hello")).build());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testChunkFramingCountsAgainstTheDrainBudget(ThreadMode mode) throws Exception {
        // 16,000 one-byte chunks, each with a 4,000-byte extension: 64 MB on the wire for 16 KB of body.
        String chunk = "1;x=" + "e".repeat(4_000) + "\r\nz\r\n";
        var sent = new AtomicLong();
        try (var server = start(mode); var c = server.raw()) {
            c.send("POST /missing HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    OutputStream out = c.socket.getOutputStream();
                    byte[] bytes = chunk.getBytes(StandardCharsets.ISO_8859_1);
                    for (int i = 0; i < 16_000; i++) {
                        out.write(bytes);
                        sent.addAndGet(bytes.length);
                    }
                } catch (IOException e) {
                    // the server closed the connection: what this test expects
                }
            });
            assertEquals(404, c.read().status());
            assertTrue(c.closedByServer(), "closed once the drain budget was spent");
            writer.join();
            assertTrue(sent.get() < 8_000_000, "the server stopped reading early; the client got " + sent.get() + " bytes out");
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testASlowUnreadBodyIsDrainedForAtMostTwoSeconds(ThreadMode mode) throws Exception {
        try (var server = start(mode); var c = server.raw()) {
            // 10 of 1,000 declared bytes, then nothing: the per-read body timeout (30 s) alone would
            // hold the connection that long; the drain's own budget ends it after about 2 s.
            long started = System.nanoTime();
            var reply = c.exchange("POST /missing HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789");
            assertEquals(404, reply.status());
            assertTrue(c.closedByServer(), "closed, not left open for the body timeout");
            long seconds = (System.nanoTime() - started) / 1_000_000_000;
            assertTrue(seconds < 9, "closed after " + seconds + " s, well before the 30 s body timeout");
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testAnErrorResponseSurvivesTheInputItLeftUnread(ThreadMode mode) throws Exception {
        try (var server = start(mode)) {
            for (int round = 0; round < 5; round++) {
                try (var c = server.raw()) {
                    // A malformed head followed by 40 KB the server will never parse, all in one write:
                    // closing with those bytes unread would reset the connection under the 400.
                    c.send("GET /hello HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n" + "g".repeat(40_000));
                    // Read only once the server has closed its end: a reset that came with the close
                    // would by then have thrown away the response waiting in this socket.
                    Eventually.until("the server closed the connection", () -> server.server.openConnections() == 0);
                    var reply = c.read();
                    assertEquals(400, reply.status());
                    assertTrue(reply.body().startsWith("400 Bad Request"), reply.body());
                    // A graceful close ends in end of stream; a close over unread input, in a reset
                    // (which this read would throw as "Connection reset").
                    assertEquals(-1, c.socket.getInputStream().read(), "end of stream, not a reset");
                }
            }
        }
    }
}
