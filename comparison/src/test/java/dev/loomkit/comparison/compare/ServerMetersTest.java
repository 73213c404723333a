package dev.loomkit.comparison.compare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.server.HttpServer;
import dev.loomkit.server.Response;
import dev.loomkit.server.Router;
import dev.loomkit.server.ServerConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server's own 503 counts, as the comparison reads them from a real server's Prometheus text:
 * a request that waited out the admission timeout, and a connection turned away at the limit.
 */
@Timeout(60)
class ServerMetersTest {

    /** Sends one GET on a new connection; {@return the status line} */
    private static String get(int port, String path) throws Exception {
        try (var s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            var line = new StringBuilder();
            for (int c; (c = in.read()) >= 0 && c != '\r'; ) {
                line.append((char) c);
            }
            return line.toString();
        }
    }

    @Test
    void testThe503sAreCountedByKind() throws Exception {
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        var inHandler = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        var router = Router.builder().get("/hold", r -> {
            inHandler.countDown();
            release.await(20, TimeUnit.SECONDS);
            return Response.text(200, "done");
        }).build();
        var config = ServerConfig.defaults().withPort(0).withMaxConnections(2).withMaxConcurrentRequests(1)
                .withAdmissionTimeout(Duration.ofMillis(100)).withMeterRegistry(registry);
        long[] before = ServerMeters.parse(registry.scrape());
        try (var server = HttpServer.start(config, router)) {
            int port = server.address().getPort();
            var held = Thread.ofVirtual().start(() -> {
                try {
                    get(port, "/hold");
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            assertTrue(inHandler.await(20, TimeUnit.SECONDS));
            // The one admission is taken: a second request waits 100 ms, then gets its 503.
            try (var waiting = new Socket(InetAddress.getLoopbackAddress(), port)) {
                waiting.setSoTimeout(20_000);
                waiting.getOutputStream().write("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                byte[] status = waiting.getInputStream().readNBytes(12);
                assertEquals("HTTP/1.1 503", new String(status, StandardCharsets.ISO_8859_1));
                // Two connections held: a third is turned away at once.
                assertTrue(get(port, "/hold").startsWith("HTTP/1.1 503"));
            }
            release.countDown();
            held.join();
            long[] after = ServerMeters.parse(registry.scrape());
            assertArrayEquals(new long[] {0, 0, 1, 1}, new long[] {after[0] - before[0], after[1] - before[1], after[2] - before[2],
                    after[3] - before[3]}, "no request subtasks, one 503 after the admission wait, one connection turned away");
        }
    }

    @Test
    void testAServerWithoutTheseMetersReadsAsZeroNotUnknown() {
        assertArrayEquals(new long[] {0, 0, 0, 0}, ServerMeters.parse("# HELP other\nother_total 3\n"));
        assertEquals(4, ServerMeters.UNKNOWN.length);
    }
}
