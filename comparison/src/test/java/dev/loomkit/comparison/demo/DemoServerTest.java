package dev.loomkit.comparison.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.server.HttpServer;
import dev.loomkit.server.Response;
import dev.loomkit.server.Router;
import dev.loomkit.server.ServerConfig;
import dev.loomkit.server.ThreadMode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The demo's routes and its Prometheus endpoint, in both modes. */
@Timeout(30)
class DemoServerTest {

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testDemoRoutesAndPrometheusScrape(ThreadMode mode) throws Exception {
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        var config = ServerConfig.defaults().withPort(0).withThreadMode(mode).withPlatformPoolSize(8).withMeterRegistry(registry);
        try (var meters = DemoServer.bindMeters(registry, true);
             var server = HttpServer.start(config, DemoServer.router(registry, null)); var client = HttpClient.newHttpClient()) {
            String base = "http://127.0.0.1:" + server.address().getPort();
            assertEquals("hello\n", get(client, base + "/hello").body());
            assertEquals("slept 10 ms\n", get(client, base + "/sleep?ms=10").body());
            assertTrue(get(client, base + "/work?ms=1&cpu=10").body().startsWith("slept 1 ms, hashed 10 units: "));
            assertEquals("4 subtasks slept 5 ms\n", get(client, base + "/fanout?n=4&ms=5").body());
            var bad = get(client, base + "/sleep?ms=-1");
            assertEquals(400, bad.statusCode());
            assertTrue(bad.body().contains("ms must be in [0, 60000]"), bad.body());
            var metrics = get(client, base + "/metrics");
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("http_server_requests_seconds_count{"), metrics.body());
            assertTrue(metrics.body().contains("uri=\"/fanout\""), metrics.body());
            // What promtool's check asks of a scrape: every family has help text.
            long types = metrics.body().lines().filter(l -> l.startsWith("# TYPE ")).count();
            long helps = metrics.body().lines().filter(l -> l.startsWith("# HELP ")).count();
            assertEquals(types, helps, "a metric family without help text: " + metrics.body());
            assertTrue(metrics.body().contains("http_server_received_bytes_total"), metrics.body());
            // The toolkit's meters (the /fanout scope) and the JVM's beside them, virtual threads included.
            assertTrue(metrics.body().contains("loomkit_tasks_forked_total{"), metrics.body());
            for (String jvm : List.of("jvm_memory_used_bytes{", "jvm_gc_", "jvm_threads_live_threads", "process_cpu_usage",
                    "jvm_threads_virtual_pinned_seconds_count", "jvm_threads_virtual_submit_failed_total")) {
                assertTrue(metrics.body().contains(jvm), jvm + " missing: " + metrics.body());
            }
            var openMetrics = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .header("Accept", "application/openmetrics-text; version=1.0.0, text/plain;q=0.5").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(openMetrics.headers().firstValue("Content-Type").orElseThrow().startsWith("application/openmetrics-text"));
            assertTrue(openMetrics.body().strip().endsWith("# EOF"), openMetrics.body());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testServeOptionsAreParsedStrictly(ThreadMode mode) {
        var o = DemoServer.Options.parse(List.of("--mode", mode.label(), "--port", "9090", "--pool", "50"));
        assertEquals(mode, o.mode());
        assertEquals(9090, o.port());
        assertEquals(50, o.pool());
        assertTrue(o.jvmMetrics(), "the JVM's meters are on by default");
        assertEquals(false, DemoServer.Options.parse(List.of("--jvm-metrics", "off")).jvmMetrics());
        // Admission: the server's default for the mode unless asked, then as asked.
        assertEquals(null, o.adaptiveAdmission());
        assertEquals(true, DemoServer.Options.parse(List.of("--admission", "adaptive")).adaptiveAdmission());
        assertEquals(false, DemoServer.Options.parse(List.of("--admission", "fixed")).adaptiveAdmission());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DemoServer.Options.parse(List.of("--admission", "auto")))
                .getMessage().contains("default (the server's for the mode)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DemoServer.Options.parse(List.of("--jvm-metrics", "yes")))
                .getMessage().contains("--jvm-metrics takes on or off"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DemoServer.Options.parse(List.of("--port", "x")))
                .getMessage().contains("Invalid value for option '--port': 'x' is not an int"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DemoServer.Options.parse(List.of("--bogus")))
                .getMessage().contains("Unknown option: '--bogus'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DemoServer.Options.parse(List.of("--mode", "green")))
                .getMessage().contains("expected 'virtual', 'platform' or 'selector-pool'"));
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testTheAdminPortAnswersWhileTheServerHasNoThreadOrPermitLeft(ThreadMode mode) throws Exception {
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // One thread, one request in flight: a request that blocks takes the server whole.
        var config = ServerConfig.defaults().withPort(0).withThreadMode(mode).withPlatformPoolSize(1).withMaxConcurrentRequests(1)
                .withAdaptiveAdmission(false).withAdmissionTimeout(Duration.ofSeconds(20)).withMeterRegistry(registry);
        var blocking = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        var router = Router.builder().get("/block", r -> {
            blocking.countDown();
            release.await();
            return Response.text(200, "released\n");
        }).get("/metrics", r -> DemoServer.scrape(registry, r)).build();
        // The client closes last: its close waits for every exchange, and the scrape it gave up on ends when the server closes.
        try (var client = HttpClient.newHttpClient(); var server = HttpServer.start(config, router);
             var admin = HttpServer.start(DemoServer.adminConfig(0), DemoServer.adminRouter(registry))) {
            String base = "http://127.0.0.1:" + server.address().getPort();
            String adminBase = "http://127.0.0.1:" + admin.address().getPort();
            var blocked = client.sendAsync(HttpRequest.newBuilder(URI.create(base + "/block")).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(blocking.await(10, TimeUnit.SECONDS), "the blocking request never started");
            assertThrows(HttpTimeoutException.class, () -> client.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .timeout(Duration.ofMillis(500)).build(), HttpResponse.BodyHandlers.ofString()), "the server itself has nothing to answer with");
            for (int i = 0; i < 2; i++) {
                var scrape = client.send(HttpRequest.newBuilder(URI.create(adminBase + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, scrape.statusCode());
                assertTrue(scrape.body().contains("http_server_requests_active"), scrape.body());
            }
            assertEquals(404, client.send(HttpRequest.newBuilder(URI.create(adminBase + "/hello")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode(), "/metrics alone");
            // The admin port's two scrapes and its 404 must not be in the server's meters. (The server's own scrape, given up
            // by the client, may have ended there by now, as a client that went away.)
            assertEquals(null, registry.find("http.server.requests").tag("status", "404").timer(), "the admin port's 404 counted as the server's");
            long scrapes = registry.find("http.server.requests").tag("uri", "/metrics").timers().stream()
                    .filter(t -> t.getId().getTag("status").equals("200")).mapToLong(t -> t.count()).sum();
            assertEquals(0, scrapes, "the admin port's scrapes counted as the server's");
            release.countDown();
            assertEquals("released\n", blocked.get(10, TimeUnit.SECONDS).body());
        } finally {
            release.countDown();
        }
    }

    @org.junit.jupiter.api.Test
    void testTheAdminPortIsOffUnlessAskedAndChecked() {
        assertEquals(-1, DemoServer.Options.parse(List.of()).adminPort());
        assertEquals(0, DemoServer.Options.parse(List.of("--admin-port", "0")).adminPort());
        assertEquals(9091, DemoServer.Options.parse(List.of("--admin-port", "9091")).adminPort());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DemoServer.Options.parse(List.of("--admin-port", "70000")))
                .getMessage().contains("--admin-port must be in [0, 65535]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DemoServer.Options.parse(List.of("--port", "9090", "--admin-port", "9090")))
                .getMessage().contains("--admin-port must differ from --port"));
    }

    private static HttpResponse<String> get(HttpClient client, String uri) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(uri)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
