package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A client that pipelines slow requests without pause cannot grow a connection's input buffer past
 * the head limit: the client-gone watcher, which reads what arrives while a handler runs, takes no
 * more than the buffer has room for, and TCP holds back the rest.
 */
@Timeout(60)
class PipelineFloodTest {

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testTheInputBufferStaysWithinTheHeadLimitWhileSlowRequestsArePipelined(ThreadMode mode) throws Exception {
        int requests = 80;
        var config = TestServer.config(mode).withClientGoneCheckAfter(Duration.ofMillis(5));
        var router = Router.builder()
                .get("/slow", r -> {
                    Thread.sleep(25); // past the check delay: watched while the client keeps sending
                    return Response.text(200, "ok");
                })
                .build();
        String padding = "p".repeat(1_500); // 80 requests of ~1.5 KiB: far more than the 24 KiB limit
        byte[] one = ("GET /slow HTTP/1.1\r\nHost: x\r\nX-Pad: " + padding + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        try (var server = new TestServer(config, router, TestServer.NEVER_SATURATED /* its clients saturate the CPUs: the watch must still start at 5 ms */); var c = server.raw()) {
            var sent = new AtomicInteger();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    OutputStream out = c.socket.getOutputStream();
                    for (int i = 0; i < requests; i++) {
                        out.write(one); // blocks once the kernel's buffers are full: backpressure
                        sent.incrementAndGet();
                    }
                    out.flush();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            for (int i = 0; i < requests; i++) {
                assertEquals(200, c.read().status(), "response " + i);
            }
            writer.join(Duration.ofSeconds(30));
            assertEquals(requests, sent.get());
            var impl = (ServerImpl) server.server;
            for (Connection conn : impl.connectionsForTest()) {
                assertTrue(conn.in.peakSize() <= conn.in.maxSize(),
                        "input buffer grew to " + conn.in.peakSize() + " bytes, over its limit of " + conn.in.maxSize());
            }
            assertEquals(1, impl.connectionsForTest().size());
        }
    }
}
