package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.server.http1.HttpInput;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The I/O clock as the codec's output drives it ({@code HttpOutput.WriteTimer}): a write is timed
 * on its own, and what it interrupted is put back afterwards, not cleared.
 */
@Timeout(30)
class ConnectionStateTest {

    /** Runs {@code test} on a state over a real loopback connection (which it does not use). */
    private static void withState(StateTest test) throws Exception {
        try (var listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             var client = SocketChannel.open(listener.getLocalAddress());
             var server = listener.accept()) {
            var state = new ConnectionState(server, new HttpInput(server, 1024), ServerConfig.defaults(), "test", "client", () -> { });
            test.run(state);
        }
    }

    private interface StateTest {
        void run(ConnectionState state) throws Exception;
    }

    @Test
    void testAWriteDuringABodyReadPutsTheReadsDeadlineBack() throws Exception {
        withState(state -> {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); // sooner than the body timeout: it wins
            state.beginBodyRead(until);
            assertEquals(ConnectionState.Io.BODY, state.io());
            assertEquals(until, state.ioDeadline());
            state.writeStarts(); // the 100 Continue
            assertEquals(ConnectionState.Io.WRITE, state.io());
            state.writeStarts(); // a partial write: the write's own time starts again
            state.writeEnded();
            assertEquals(ConnectionState.Io.BODY, state.io(), "the read's I/O is back");
            assertEquals(until, state.ioDeadline(), "with its own deadline, not a fresh one");
            state.endBodyRead();
            assertEquals(ConnectionState.Io.NONE, state.io());
        });
    }

    @Test
    void testAWriteFromNoTimedIoEndsWithNone() throws Exception {
        withState(state -> {
            long timeout = ServerConfig.defaults().writeTimeout().toNanos();
            long before = System.nanoTime();
            state.writeStarts();
            long after = System.nanoTime();
            assertEquals(ConnectionState.Io.WRITE, state.io());
            long deadline = state.ioDeadline();
            assertTrue(deadline - before >= timeout && deadline - after <= timeout, "the write timeout runs from the write's start");
            state.writeEnded();
            assertEquals(ConnectionState.Io.NONE, state.io());
            assertEquals(0, state.ioDeadline());
        });
    }

    @Test
    void testAWriteThatNeverStartedChangesNothing() throws Exception {
        withState(state -> {
            state.ioStart(ConnectionState.Io.HEAD);
            long deadline = state.ioDeadline();
            state.writeEnded(); // a flush with nothing to write
            assertEquals(ConnectionState.Io.HEAD, state.io());
            assertEquals(deadline, state.ioDeadline());
        });
    }
}
