package dev.loomkit.comparison.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.comparison.demo.BareServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PipedReader;
import java.io.PipedWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The generator's protocol with the harness, driven line by line against the bare server over
 * real sockets: a closed-loop window, then an open-loop step at a rate of the harness's choosing,
 * then a command it does not understand, which ends the point and its connections.
 */
@Timeout(60)
class LoadProtocolTest {

    /** The generator in a thread of its own, its standard input and output as pipes. */
    private static final class Driven implements AutoCloseable {
        final PrintWriter commands;
        final BufferedReader lines;
        final Thread thread;
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Driven(LoadGenerator.Plan plan) throws IOException {
            var commandPipe = new PipedWriter();
            var control = new BufferedReader(new PipedReader(commandPipe));
            commands = new PrintWriter(commandPipe, true);
            var linePipe = new PipedInputStream(1 << 16);
            var out = new PrintStream(new PipedOutputStream(linePipe), true, StandardCharsets.UTF_8);
            lines = new BufferedReader(new InputStreamReader(linePipe, StandardCharsets.UTF_8));
            thread = Thread.ofPlatform().name("load generator").start(() -> {
                try {
                    new LoadGenerator(plan, out, control).run();
                } catch (Throwable t) {
                    failure.set(t);
                } finally {
                    out.close();
                }
            });
        }

        /** {@return the next protocol line of the phase, skipping others} */
        LoadLine await(String phase) throws IOException {
            for (String line; (line = lines.readLine()) != null; ) {
                var parsed = LoadLine.parse(line);
                if (parsed.isPresent() && parsed.get().phase().equals(phase)) {
                    return parsed.get();
                }
            }
            throw new AssertionError("the generator ended before its " + phase + " line: " + failure.get());
        }

        @Override
        public void close() throws InterruptedException {
            commands.close();
            thread.join(Duration.ofSeconds(30));
        }
    }

    @Test
    void testAWindowThenAnOpenLoopStepThenARefusedCommand() throws Exception {
        try (var server = BareServer.start(0)) {
            // 8 connections to /sleep (50 ms each): at most 160 answers a second.
            var plan = new LoadGenerator.Plan(new InetSocketAddress("127.0.0.1", server.port()), "loomkit", "/sleep?ms=50", List.of(8),
                    Duration.ZERO, Duration.ofMillis(600), Duration.ofSeconds(2), 0, 1, 0, Duration.ZERO, false, null, -1);
            try (var g = new Driven(plan)) {
                g.await(LoadLine.WARM);
                g.commands.println("go");
                LoadLine closed = g.await(LoadLine.END);
                assertEquals(0, closed.figure("rate"), "closed loop");
                assertEquals(-1, closed.figure("due"), "nothing falls due in a closed loop");
                assertTrue(closed.figure("requests") > 0, closed.json());

                // An open-loop step: 80 a second over 8 connections, a 1.5 s window: about 120 due.
                g.commands.println("rate 80 1500");
                LoadLine warm = g.await(LoadLine.WARM);
                assertEquals(80, warm.figure("rate"));
                assertEquals(0, warm.figure("stillInFlight"), "the closed loop's requests had finished: " + warm.json());
                g.commands.println("go");
                LoadLine open = g.await(LoadLine.END);
                assertEquals(80, open.figure("rate"), 0.01);
                double due = open.figure("due");
                double seconds = open.figure("seconds");
                // Each connection's schedule holds a whole number of requests in the window: one
                // more or fewer than the rate times the window, per connection.
                assertTrue(Math.abs(due - 80 * seconds) <= 8, "due " + due + " in " + seconds + " s");
                // A server that keeps up answers what fell due, give or take one in flight per
                // connection at either edge of the window.
                assertTrue(Math.abs(open.figure("requests") - due) <= 8 + 8, open.json());
                assertTrue(open.figure("p50") >= 50 && open.figure("p50") < 1_000, open.json());

                g.commands.println("rate NaN 10");
                g.thread.join(Duration.ofSeconds(30));
                assertTrue(!g.thread.isAlive(), "the generator ends on a command it does not understand");
                var failure = assertInstanceOf(IllegalStateException.class, g.failure.get());
                assertTrue(failure.getMessage().contains("expected 'next' or 'rate R MS'"), failure.getMessage());
            }
        }
    }
}
