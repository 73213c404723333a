package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ten thousand concurrent keep-alive connections on the virtual mode, each answered, all held open
 * at once. The clients live in a child JVM (see {@link ConnectionHolder}) so that each process
 * stays within the open-file limit.
 */
@Timeout(180)
class ManyConnectionsTest {
    private static final int CONNECTIONS = 10_000;

    @Test
    void testTenThousandKeepAliveConnectionsAreAllAnsweredAndHeldOpen() throws Exception {
        var config = TestServer.config(ThreadMode.VIRTUAL).withBacklog(4096).withMaxConnections(CONNECTIONS + 100)
                .withIdleTimeout(Duration.ofMinutes(2));
        try (var server = new TestServer(config, Router.builder().get("/hello", r -> Response.text(200, "hello")).build())) {
            String java = ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java");
            var child = new ProcessBuilder(java, "--enable-preview", "-Xss256k", "-cp", System.getProperty("java.class.path"),
                    ConnectionHolder.class.getName(), Integer.toString(server.address().getPort()), Integer.toString(CONNECTIONS))
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            try {
                var out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                String line = out.readLine(); // the child gives up by itself after 120 s
                assertTrue(line != null && line.startsWith("ANSWERED "), "child said: " + line);
                String[] parts = line.split(" ");
                assertEquals(CONNECTIONS, Integer.parseInt(parts[1]), line);
                assertEquals(0, Integer.parseInt(parts[2]), line);
                assertEquals(CONNECTIONS, server.server.openConnections(), "every connection is held open at once");
                System.out.printf("%d keep-alive connections answered and held open on virtual threads%n", CONNECTIONS);
                child.getOutputStream().write('\n');
                child.getOutputStream().flush();
                assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child exits once released");
            } finally {
                child.destroyForcibly();
            }
        }
    }
}
