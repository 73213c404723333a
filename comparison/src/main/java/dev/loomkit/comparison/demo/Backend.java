package dev.loomkit.comparison.demo;

import dev.loomkit.server.HttpServer;
import dev.loomkit.server.Response;
import dev.loomkit.server.Router;
import dev.loomkit.server.ServerConfig;
import dev.loomkit.server.ThreadMode;
import java.time.Duration;

/**
 * The slow backend of the I/O-bound scenarios: {@code /delay?ms=N} answers after N ms. It runs in
 * its own JVM, the same one for every mode compared, so its cost is the same for all of them.
 */
public final class Backend {
    private Backend() {
    }

    /**
     * Serves until the process ends.
     *
     * @param port the port (0 for any; the chosen one is printed)
     * @throws Exception if it cannot start
     */
    public static void serve(int port) throws Exception {
        var router = Router.builder()
                .get("/delay", r -> {
                    Thread.sleep(DemoServer.param(r, "ms", 50, 0, 60_000));
                    return Response.text(200, "ok");
                })
                .build();
        var config = ServerConfig.defaults().withPort(port).withThreadMode(ThreadMode.VIRTUAL).withBacklog(4096)
                .withMaxConnections(18_000).withIdleTimeout(Duration.ofMinutes(10));
        HttpServer server = HttpServer.start(config, router);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "backend-shutdown"));
        System.out.println("backend listening on port " + server.address().getPort());
        System.out.flush();
        server.awaitClose();
    }
}
