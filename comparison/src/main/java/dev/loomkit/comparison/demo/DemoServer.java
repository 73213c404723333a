package dev.loomkit.comparison.demo;

import dev.loomkit.comparison.Cli;
import dev.loomkit.server.HttpException;
import dev.loomkit.server.HttpServer;
import dev.loomkit.server.Request;
import dev.loomkit.server.Response;
import dev.loomkit.server.Router;
import dev.loomkit.server.ServerConfig;
import dev.loomkit.server.ThreadMode;
import dev.loomkit.toolkit.metrics.ToolkitMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The demo server the comparison drives: {@code /hello}, {@code /sleep?ms=N}, {@code /work?ms=N&cpu=K},
 * {@code /fanout?n=N&ms=M} and {@code /metrics} (Prometheus).
 */
public final class DemoServer {
    private DemoServer() {
    }

    /**
     * {@return the demo's routes}
     *
     * @param registry where /metrics reads from
     * @param backend  the backend for the I/O routes, or null if there is none (they then answer 503)
     */
    private static final String OPENMETRICS = "application/openmetrics-text";

    public static Router router(PrometheusMeterRegistry registry, BackendClient backend) {
        return Router.builder()
                .get("/backend", r -> {
                    long ms = param(r, "ms", 50, 0, 60_000);
                    return Response.text(200, "backend: " + backend(backend).get("/delay?ms=" + ms) + "\n");
                })
                .get("/mixed", r -> {
                    long ms = param(r, "ms", 20, 0, 60_000);
                    long cpu = param(r, "cpu", 0, 0, 1_000_000);
                    String page = backend(backend).get("/delay?ms=" + ms); // fetch a page, then process it
                    return Response.text(200, "fetched " + page.length() + " bytes, hashed " + cpu + " units: " + CpuWork.hash(cpu) + "\n");
                })
                .get("/fanout-backend", r -> {
                    long n = param(r, "n", 10, 1, 1_000);
                    long ms = param(r, "ms", 20, 0, 60_000);
                    var scope = r.scope();
                    for (int i = 0; i < n; i++) {
                        scope.fork("call-" + i, () -> backend(backend).get("/delay?ms=" + ms));
                    }
                    scope.join();
                    return Response.text(200, n + " backend calls of " + ms + " ms\n");
                })
                .get("/hello", r -> Response.text(200, "hello\n"))
                .get("/sleep", r -> {
                    long ms = param(r, "ms", 0, 0, 60_000);
                    Thread.sleep(ms);
                    return Response.text(200, "slept " + ms + " ms\n");
                })
                .get("/work", r -> {
                    long ms = param(r, "ms", 0, 0, 60_000);
                    long cpu = param(r, "cpu", 0, 0, 1_000_000);
                    if (ms > 0) {
                        // Not sleep(0): on a virtual thread that yields, and a virtual thread that yields
                        // with its carrier's queue empty goes to the scheduler's external queue, which
                        // the carriers neglect under CPU overload (ADR 0007).
                        Thread.sleep(ms);
                    }
                    return Response.text(200, "slept " + ms + " ms, hashed " + cpu + " units: " + CpuWork.hash(cpu) + "\n");
                })
                .get("/fanout", r -> {
                    long n = param(r, "n", 10, 1, 10_000);
                    long ms = param(r, "ms", 20, 0, 60_000);
                    var scope = r.scope();
                    for (int i = 0; i < n; i++) {
                        scope.fork("sub-" + i, () -> Thread.sleep(ms));
                    }
                    scope.join(); // fail-fast
                    return Response.text(200, n + " subtasks slept " + ms + " ms\n");
                })
                .get("/metrics", r -> scrape(registry, r))
                .build();
    }

    /** {@return the admin port's routes: {@code /metrics} alone} @param registry where /metrics reads from */
    static Router adminRouter(PrometheusMeterRegistry registry) {
        return Router.builder().get("/metrics", r -> scrape(registry, r)).build();
    }

    /** OpenMetrics for a scraper that asks for it, the Prometheus text format otherwise. */
    static Response scrape(PrometheusMeterRegistry registry, Request r) {
        boolean openMetrics = r.headers().all("Accept").stream().anyMatch(a -> a.contains(OPENMETRICS));
        String type = openMetrics ? OPENMETRICS + "; version=1.0.0; charset=utf-8" : "text/plain; version=0.0.4; charset=utf-8";
        return Response.bytes(200, type, registry.scrape(type).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .withHeader("Cache-Control", "no-store");
    }

    /**
     * The admin listener's configuration: {@value #ADMIN_THREADS} platform worker threads of its
     * own, a connection each, whatever the served mode (with its acceptor, sweeper and client-gone
     * watcher, five threads more in the process); no meters of its own (a scrape must not count as
     * the load it measures), no adaptive limit. The server under test queues a scrape behind its
     * load, or refuses it: in a default run, readings around overloaded windows took 3 s each and
     * ended unknown, 65 s of the run (timing.csv of run j).
     */
    static ServerConfig adminConfig(int port) {
        return ServerConfig.defaults().withPort(port).withThreadMode(ThreadMode.PLATFORM).withPlatformPoolSize(ADMIN_THREADS)
                .withMaxConnections(ADMIN_CONNECTIONS).withAdaptiveAdmission(false);
    }

    /** Threads of the admin listener: one scraper at a time, and one more. */
    static final int ADMIN_THREADS = 2;
    /** Connections the admin listener holds; past its threads they queue, past this they are turned away. */
    static final int ADMIN_CONNECTIONS = 8;

    private static BackendClient backend(BackendClient backend) {
        if (backend == null) {
            throw new HttpException(503, "no backend configured: start serve with --backend host:port");
        }
        return backend;
    }

    static long param(Request r, String name, long fallback, long min, long max) {
        String raw = r.queryParam(name).orElse(null);
        if (raw == null) {
            return fallback;
        }
        long v;
        try {
            v = Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw new HttpException(400, name + " must be a whole number, got '" + raw + "'");
        }
        if (v < min || v > max) {
            throw new HttpException(400, name + " must be in [" + min + ", " + max + "], got " + v);
        }
        return v;
    }

    /** Options of {@code serve}, parsed strictly. */
    record Options(ThreadMode mode, int port, int pool, int maxConnections, int maxRequests, int admissionTimeoutMs,
                   boolean accessLog, InetSocketAddress backend, int backendConnections, Boolean adaptiveAdmission,
                   boolean jvmMetrics, int adminPort) {
        /**
         * {@return the options the command line asks for}
         *
         * @throws IllegalArgumentException saying what is wrong with {@code args}
         */
        static Options parse(java.util.List<String> args) {
            return Cli.parse(new ServeCommand(), args).options();
        }

        static InetSocketAddress hostPort(String v) {
            int colon = v.lastIndexOf(':');
            try {
                if (colon <= 0) {
                    throw new NumberFormatException();
                }
                return new InetSocketAddress(v.substring(0, colon), Integer.parseInt(v.substring(colon + 1)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--backend needs host:port, got '" + v + "'");
            }
        }
    }

    /** {@code ./loomkit serve [options]}: the demo server alone. */
    @Command(name = "serve", sortOptions = false, description = "The demo server alone, until Ctrl-C; routes: /hello "
            + "/sleep?ms=N /work?ms=N&cpu=K /fanout?n=N&ms=M /metrics.")
    public static final class ServeCommand implements Callable<Integer> {
        @Mixin
        private Cli.Help help;
        @Option(names = "--mode", paramLabel = "MODE", description = "virtual, selector-pool or platform (default virtual)")
        private String mode = ThreadMode.VIRTUAL.label();
        @Option(names = "--port", paramLabel = "N", description = "the port, 0 for any free one (default 8080)")
        private int port = 8080;
        @Option(names = "--pool", paramLabel = "N", description = "platform threads in the selector-pool and platform modes (default 200)")
        private int pool = 200;
        @Option(names = "--max-connections", paramLabel = "N", description = "connections held at once (default 10,000)")
        private int maxConnections = 10_000;
        @Option(names = "--max-requests", paramLabel = "N", description = "requests in flight at once; the adaptive limit's ceiling "
                + "(default: the server's, ${DEFAULT-VALUE})")
        private int maxRequests = ServerConfig.defaults().maxConcurrentRequests();
        @Option(names = "--admission", paramLabel = "adaptive|fixed|default", description = {
            "adaptive (the limit learnt, at most --max-requests), fixed (--max-requests; at or above --max-connections it "
                + "never binds), or default, the default: the server's for the mode (adaptive in the virtual mode, fixed in the pools)"})
        private String admission = "default";
        @Option(names = "--admission-timeout", paramLabel = "MS", description = "how long a request waits for admission before a 503 "
                + "(default ${DEFAULT-VALUE})")
        private int admissionTimeoutMs = (int) ServerConfig.defaults().admissionTimeout().toMillis();
        @Option(names = "--access-log", description = "log each request")
        private boolean accessLog;
        @Option(names = "--backend", paramLabel = "HOST:PORT", description = "the backend that /work and /fanout call (default: none; they sleep)")
        private String backend;
        @Option(names = "--backend-connections", paramLabel = "N", description = "connections to the backend at most (default 8,000)")
        private int backendConnections = 8_000;
        @Option(names = "--jvm-metrics", paramLabel = "on|off", description = "bind the JVM's meters too (default on)")
        private String jvmMetrics = "on";
        @Option(names = "--admin-port", paramLabel = "N", description = "serve /metrics on this port too, on " + ADMIN_THREADS
                + " platform worker threads of its own, so that a scrape is answered while the server is overloaded (0: any free one; "
                + "default: none)")
        private Integer adminPort;

        @Override
        public Integer call() throws Exception {
            serve(options());
            return 0;
        }

        /** {@return the options, checked} @throws IllegalArgumentException saying which is wrong */
        Options options() {
            boolean jvm = switch (jvmMetrics) {
                case "on" -> true;
                case "off" -> false;
                default -> throw new IllegalArgumentException("--jvm-metrics takes on or off, not '" + jvmMetrics + "'");
            };
            Boolean adaptive = switch (admission) {
                case "adaptive" -> true;
                case "fixed" -> false;
                case "default" -> null;
                default -> throw new IllegalArgumentException("--admission takes adaptive (the limit learnt, at most --max-requests), "
                        + "fixed (--max-requests; at or above --max-connections it never binds) or default (the server's for the mode), not '"
                        + admission + "'");
            };
            // The server's configuration checks these too, but in its own names: say them as the options.
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("--port must be in [0, 65535] (0: any free one), got " + port);
            }
            if (adminPort != null && (adminPort < 0 || adminPort > 65_535)) {
                throw new IllegalArgumentException("--admin-port must be in [0, 65535] (0: any free one), got " + adminPort);
            }
            if (adminPort != null && adminPort != 0 && adminPort == port) {
                throw new IllegalArgumentException("--admin-port must differ from --port, both are " + port);
            }
            for (var limit : java.util.Map.of("--pool", pool, "--max-connections", maxConnections, "--max-requests", maxRequests,
                    "--backend-connections", backendConnections).entrySet()) {
                if (limit.getValue() < 1) {
                    throw new IllegalArgumentException(limit.getKey() + " must be at least 1, got " + limit.getValue());
                }
            }
            if (admissionTimeoutMs < 0) {
                throw new IllegalArgumentException("--admission-timeout must be 0 or more milliseconds, got " + admissionTimeoutMs);
            }
            return new Options(ThreadMode.parse(mode), port, pool, maxConnections, maxRequests, admissionTimeoutMs, accessLog,
                    backend == null ? null : Options.hostPort(backend), backendConnections, adaptive, jvm,
                    adminPort == null ? -1 : adminPort);
        }
    }

    /**
     * Binds the toolkit's meters to {@code registry}, and the JVM's if asked: heap, GC, threads,
     * CPU, and the virtual threads' pinning and failed submissions (micrometer-java21, from a JFR
     * stream), so that they show beside loomkit's. The comparison's servers run without the JVM's
     * ({@code --jvm-metrics off}): a server measured carries no more than it needs.
     *
     * @return closes every binding made
     */
    static AutoCloseable bindMeters(MeterRegistry registry, boolean jvmMetrics) {
        var toolkit = new ToolkitMetrics();
        toolkit.bindTo(registry);
        List<AutoCloseable> jvm;
        try {
            jvm = jvmMetrics ? JvmMeters.bindTo(registry) : List.of();
        } catch (RuntimeException | Error e) {
            toolkit.close(); // nothing bound half: the caller gets the failure and no binding to leak
            throw e;
        }
        return () -> {
            toolkit.close();
            for (AutoCloseable binder : jvm) {
                binder.close();
            }
        };
    }

    /**
     * Runs the demo server until the process is interrupted (Ctrl-C): then it shuts down gracefully.
     *
     * @param o the options
     * @throws Exception if it cannot start
     */
    private static void serve(Options o) throws Exception {
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("mode", o.mode().label());
        AutoCloseable meters = bindMeters(registry, o.jvmMetrics());
        var config = ServerConfig.defaults().withPort(o.port()).withThreadMode(o.mode()).withPlatformPoolSize(o.pool())
                .withMaxConnections(o.maxConnections()).withMaxConcurrentRequests(o.maxRequests())
                .withAdmissionTimeout(java.time.Duration.ofMillis(o.admissionTimeoutMs())).withAccessLog(o.accessLog()).withMeterRegistry(registry);
        if (o.adaptiveAdmission() != null) {
            config = config.withAdaptiveAdmission(o.adaptiveAdmission());
        }
        var backend = o.backend() == null ? null : new BackendClient(o.backend(), o.backendConnections());
        HttpServer admin = o.adminPort() < 0 ? null : HttpServer.start(adminConfig(o.adminPort()), adminRouter(registry));
        HttpServer server;
        try {
            server = HttpServer.start(config, router(registry, backend));
        } catch (java.io.IOException | RuntimeException | Error e) {
            if (admin != null) {
                try {
                    admin.close(); // no listener left behind by a server that did not start
                } catch (RuntimeException | Error closing) {
                    e.addSuppressed(closing);
                }
            }
            throw e;
        }
        if (admin != null) {
            // Before the server's own line: whoever waits for that one knows the admin port by then.
            System.out.printf("admin on http://%s:%d/metrics (%d platform worker threads of its own)%n", admin.address().getHostString(),
                    admin.address().getPort(), ADMIN_THREADS);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            if (admin != null) {
                admin.close();
            }
            try {
                meters.close();
            } catch (Exception e) {
                // shutting down: nothing more to record anyway
            }
        }, "demo-shutdown"));
        System.out.printf("demo server on http://%s:%d (%s threads%s); routes: /hello /sleep?ms=N /work?ms=N&cpu=K /fanout?n=N&ms=M /metrics%n",
                server.address().getHostString(), server.address().getPort(), o.mode().label(),
                o.mode() == ThreadMode.VIRTUAL ? "" : ", pool " + o.pool());
        server.awaitClose();
    }

}
