package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.toolkit.CancelReason;
import dev.loomkit.toolkit.Cancellation;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 9, item 8: a client that sends its request and then half-closes (TCP SHUT_WR, as
 * {@code nc -N} does) still waits for its answer. By default the end of input counts as the client
 * leaving, as in nginx; {@code withClientGoneOnEndOfInput(false)} makes it only end the watch.
 */
@Timeout(60)
class HalfCloseTest {
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch cancelled = new CountDownLatch(1);
    private final AtomicReference<CancelReason> reason = new AtomicReference<>();

    private Router router() {
        return Router.builder().get("/wait", r -> {
            started.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                reason.set(Cancellation.reason().orElse(null));
                cancelled.countDown();
                throw e;
            }
            return Response.text(200, "answered\n");
        }).build();
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testByDefaultEndOfInputCancelsTheRequest(ThreadMode mode) throws Exception {
        try (var server = new TestServer(TestServer.config(mode), router()); var c = server.raw()) {
            c.send("GET /wait HTTP/1.1\r\nHost: t\r\n\r\n");
            assertTrue(started.await(10, TimeUnit.SECONDS));
            c.socket.shutdownOutput();
            assertTrue(cancelled.await(10, TimeUnit.SECONDS), "a half-close counts as the client leaving by default");
            assertEquals(CancelReason.Kind.CLIENT_DISCONNECTED, reason.get().root().kind(), reason.get().toString());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testWhenConfiguredAHalfClosedClientGetsItsAnswer(ThreadMode mode) throws Exception {
        var config = TestServer.config(mode).withClientGoneOnEndOfInput(false);
        try (var server = new TestServer(config, router()); var c = server.raw()) {
            c.send("GET /wait HTTP/1.1\r\nHost: t\r\n\r\n");
            assertTrue(started.await(10, TimeUnit.SECONDS));
            c.socket.shutdownOutput();
            // The watch arms 20 ms into the handler and reads the end of input at once; the default
            // configuration cancels within that time (the test above). Here nothing may happen.
            assertFalse(cancelled.await(1, TimeUnit.SECONDS), "cancelled: " + reason.get());
            release.countDown();
            RawClient.Reply reply = c.read(false);
            assertEquals(200, reply.status());
            assertEquals("answered\n", reply.body());
            assertEquals(-1, c.socket.getInputStream().read(), "then the server reads the end of input and closes");
        }
    }
}
