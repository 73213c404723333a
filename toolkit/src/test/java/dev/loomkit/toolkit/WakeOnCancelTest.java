package dev.loomkit.toolkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.loomkit.toolkit.sync.AsyncMutex;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A cancelled task wakes promptly from each kind of blocking call. */
@Timeout(30)
class WakeOnCancelTest {
    /** "Promptly": generous for a loaded 2-core CI machine, far below the 30 s the tasks would block. */
    private static final long PROMPT_MS = 2_000;

    interface Blocking {
        void block() throws Exception;
    }

    /**
     * Forks {@code blocking}, waits until its thread is parked or blocked in it, cancels the scope,
     * and checks that the task ended promptly, as CANCELLED.
     */
    private static void assertWakesOnCancel(ThreadMode mode, Blocking blocking) throws Exception {
        var ended = new CountDownLatch(1);
        var thread = new java.util.concurrent.atomic.AtomicReference<Thread>();
        Task<Object> task;
        try (var scope = Scope.open(mode.config("wake"), JoinPolicy.failFast())) {
            task = scope.fork("blocked", () -> {
                thread.set(Thread.currentThread());
                try {
                    blocking.block();
                    return null;
                } finally {
                    ended.countDown();
                }
            });
            Await.until("task blocked", () -> {
                Thread t = thread.get();
                return t != null && switch (t.getState()) {
                    case WAITING, TIMED_WAITING, BLOCKED -> true;
                    // a platform thread in a socket read is RUNNABLE in native code
                    case RUNNABLE -> mode == ThreadMode.PLATFORM && inSocketRead(t);
                    default -> false;
                };
            });
            long cancelledAt = System.nanoTime();
            scope.cancel("test cancels");
            assertTrue(ended.await(PROMPT_MS, TimeUnit.MILLISECONDS), "task did not wake within " + PROMPT_MS + " ms");
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cancelledAt);
            assertTrue(tookMs < PROMPT_MS, "woke after " + tookMs + " ms");
            assertThrows(ScopeCancelledException.class, scope::join);
        }
        assertEquals(Task.State.CANCELLED, task.state(), () -> "exception: " + task.exception());
    }

    private static boolean inSocketRead(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getMethodName().contains("read") && e.getClassName().contains("Socket")) {
                return true;
            }
        }
        return false;
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testCancelWakesThreadSleep(ThreadMode mode) throws Exception {
        assertWakesOnCancel(mode, () -> Thread.sleep(30_000));
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testCancelWakesBlockingQueueTake(ThreadMode mode) throws Exception {
        var queue = new ArrayBlockingQueue<String>(1);
        assertWakesOnCancel(mode, queue::take);
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testCancelWakesLockInterruptibly(ThreadMode mode) throws Exception {
        var lock = new ReentrantLock();
        var held = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().start(() -> {
            lock.lock();
            try {
                held.countDown();
                release.await();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            } finally {
                lock.unlock();
            }
        });
        held.await();
        try {
            assertWakesOnCancel(mode, lock::lockInterruptibly);
        } finally {
            release.countDown();
            holder.join();
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testCancelWakesAsyncMutexWait(ThreadMode mode) throws Exception {
        var mutex = AsyncMutex.create("wake-test");
        try (var guard = mutex.lock()) {
            assertWakesOnCancel(mode, () -> mutex.lock().close());
            assertEquals(0, mutex.queueLength(), "the cancelled waiter left the queue");
            assertTrue(guard.isHeld());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testCancelWakesSocketRead(ThreadMode mode) throws Exception {
        try (var server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try (Socket silent = server.accept()) {
                    silent.getInputStream().read(); // never writes; waits for the client to go
                } catch (Exception ignored) {
                    // the client closed: done
                }
            });
            try {
                assertWakesOnCancel(mode, () -> {
                    try (var socket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                        // A virtual thread's read wakes on interrupt; a platform thread's does not,
                        // which is what on-cancel hooks are for.
                        try (var hook = mode == ThreadMode.PLATFORM ? Cancellation.onCancel(() -> closeQuietly(socket)) : null) {
                            socket.getInputStream().read();
                        }
                    }
                });
            } finally {
                acceptor.join(5_000);
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (java.io.IOException ignored) {
            // closing to wake a reader; nothing to do if it fails
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testCancelWakesHttpClientCall(ThreadMode mode) throws Exception {
        var release = new CountDownLatch(1);
        var server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/slow", exchange -> {
            try {
                release.await(30, TimeUnit.SECONDS);
                exchange.sendResponseHeaders(200, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                exchange.close();
            }
        });
        server.start();
        try (var client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            var uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/slow");
            assertWakesOnCancel(mode, () -> client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()));
        } finally {
            release.countDown();
            server.stop(0);
        }
    }
}
