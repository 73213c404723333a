package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** HTTP/1.1 behaviour against a real server, with real clients, in both thread modes. */
@Timeout(30)
class ServerProtocolTest {
    private TestServer server;
    private final AtomicInteger calls = new AtomicInteger();

    private Router router() {
        return Router.builder()
                .get("/hello", r -> Response.text(200, "hello " + r.queryParam("name").orElse("world")))
                .get("/users/{id}", r -> Response.text(200, "user " + r.pathParam("id")))
                .get("/users/me", r -> Response.text(200, "me"))
                .post("/echo", r -> Response.bytes(200, "application/octet-stream", r.bodyBytes()))
                .post("/ignore-body", r -> Response.text(200, "ignored"))
                .get("/stream", r -> Response.streaming(200, "text/plain", out -> {
                    for (int i = 0; i < 3; i++) {
                        out.write(("part " + i + "\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                }))
                .get("/boom", r -> {
                    calls.incrementAndGet();
                    throw new IllegalStateException("secret internal detail");
                })
                .get("/teapot", r -> {
                    throw new HttpException(418, "short and stout");
                })
                .get("/header", r -> Response.text(200, r.headers().first("x-custom").orElse("none")))
                .get("/threads", r -> {
                    var sub = r.scope().fork("sub", () -> Thread.currentThread().isVirtual());
                    r.scope().join();
                    return Response.text(200, "handler virtual=" + Thread.currentThread().isVirtual() + " subtask virtual=" + sub.get());
                })
                .build();
    }

    private TestServer start(ThreadMode mode) throws Exception {
        server = new TestServer(mode, router());
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testRoutesQueryAndPathParameters(ThreadMode mode) throws Exception {
        start(mode);
        assertEquals("hello world", server.get("/hello").body());
        assertEquals("hello Ada Lovelace", server.get("/hello?name=Ada+Lovelace").body());
        assertEquals("hello é", server.get("/hello?name=%C3%A9").body());
        assertEquals("user 42", server.get("/users/42").body());
        assertEquals("me", server.get("/users/me").body(), "a literal segment wins over a parameter");
        assertEquals("user a b", server.get("/users/a%20b").body());
        var response = server.get("/hello");
        assertEquals("text/plain; charset=utf-8", response.headers().firstValue("content-type").orElseThrow());
        assertTrue(response.headers().firstValue("date").isPresent());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testUnknownPathIs404AndWrongMethodIs405WithAllow(ThreadMode mode) throws Exception {
        start(mode);
        assertEquals(404, server.get("/nowhere").statusCode());
        var response = server.client.send(HttpRequest.newBuilder(server.uri("/hello")).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, response.statusCode());
        assertEquals("GET, HEAD", response.headers().firstValue("allow").orElseThrow());
        try (var c = server.raw()) {
            assertEquals(400, c.exchange("GET /hello?name=%zz HTTP/1.1\r\nHost: x\r\n\r\n").status(), "malformed percent-encoding");
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testHeadHasTheLengthButNoBody(ThreadMode mode) throws Exception {
        start(mode);
        try (var c = server.raw()) {
            var head = c.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
            assertEquals(200, head.status());
            assertEquals("11", head.header("content-length"));
            // The same connection goes on: no body bytes were sent after the head.
            assertEquals("hello world", c.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").body());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testContentLengthAndChunkedRequestBodies(ThreadMode mode) throws Exception {
        start(mode);
        byte[] big = new byte[200_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) i;
        }
        var echoed = server.client.send(HttpRequest.newBuilder(server.uri("/echo")).POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, echoed.statusCode());
        assertTrue(java.util.Arrays.equals(big, echoed.body()));
        try (var c = server.raw()) {
            var reply = c.exchange("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer-Field: yes\r\n\r\n");
            assertEquals(200, reply.status());
            assertEquals("hello world", reply.body());
            assertEquals("hello world", c.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").body(), "keep-alive after a chunked body");
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testStreamedResponseIsChunked(ThreadMode mode) throws Exception {
        start(mode);
        var response = server.get("/stream");
        assertEquals("part 0\npart 1\npart 2\n", response.body());
        try (var c = server.raw()) {
            var reply = c.exchange("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("chunked", reply.header("transfer-encoding"));
            assertNull(reply.header("content-length"));
            assertEquals("part 0\npart 1\npart 2\n", reply.body());
            var head = c.send("HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
            assertEquals(200, head.status());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testKeepAliveAndPipelinedResponsesInOrder(ThreadMode mode) throws Exception {
        start(mode);
        try (var c = server.raw()) {
            c.send("GET /hello?name=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                    + "GET /users/3 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("hello 1", c.read().body());
            assertEquals("abc", c.read().body());
            assertEquals("user 3", c.read().body());
            assertTrue(c.stillOpenAfter(300), "keep-alive: the server holds the connection open");
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testConnectionCloseAndHttp10(ThreadMode mode) throws Exception {
        start(mode);
        try (var c = server.raw()) {
            var reply = c.exchange("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertEquals("close", reply.header("connection"));
            assertTrue(c.closedByServer());
        }
        try (var c = server.raw()) {
            var reply = c.exchange("GET /hello HTTP/1.0\r\n\r\n");
            assertEquals(200, reply.status());
            assertEquals("close", reply.header("connection"));
            assertTrue(c.closedByServer(), "HTTP/1.0 closes unless keep-alive is asked for");
        }
        try (var c = server.raw()) {
            var reply = c.exchange("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertEquals("keep-alive", reply.header("connection"));
            assertEquals("hello world", c.exchange("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").body());
        }
        try (var c = server.raw()) {
            var reply = c.exchange("GET /stream HTTP/1.0\r\n\r\n");
            assertNull(reply.header("transfer-encoding"), "no chunked encoding for HTTP/1.0");
            assertEquals("part 0\npart 1\npart 2\n", reply.body());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testExpectContinue(ThreadMode mode) throws Exception {
        start(mode);
        try (var c = server.raw()) {
            c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertEquals(100, c.read().status(), "the server asks for the body when the handler reads it");
            var reply = c.send("hello").read();
            assertEquals(200, reply.status());
            assertEquals("hello", reply.body());
        }
        try (var c = server.raw()) {
            // The handler never reads the body: no 100, a final answer, and the connection closes
            // because the client has not sent (and may never send) the body.
            var reply = c.exchange("POST /ignore-body HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertEquals(200, reply.status());
            assertEquals("close", reply.header("connection"));
        }
        try (var c = server.raw()) {
            assertEquals(417, c.exchange("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: teapot\r\n\r\nhello").status());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testHandlerExceptionIs500WithoutStackTraceAndServerGoesOn(ThreadMode mode) throws Exception {
        start(mode);
        try (var c = server.raw()) {
            var reply = c.exchange("GET /boom HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(500, reply.status());
            assertFalse(reply.body().contains("secret"), reply.body());
            assertFalse(reply.body().contains("at dev.loomkit"), reply.body());
            assertEquals("hello world", c.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").body(), "same connection still works");
        }
        assertEquals(418, server.get("/teapot").statusCode());
        assertEquals(200, server.get("/hello").statusCode());
        assertEquals(1, calls.get());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testHandlersAndSubtasksRunOnTheModesThreads(ThreadMode mode) throws Exception {
        start(mode);
        boolean virtual = mode == ThreadMode.VIRTUAL;
        assertEquals("handler virtual=" + virtual + " subtask virtual=" + virtual, server.get("/threads").body());
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testHeadersAreCaseInsensitive(ThreadMode mode) throws Exception {
        start(mode);
        try (var c = server.raw()) {
            assertEquals("v1", c.exchange("GET /header HTTP/1.1\r\nHost: x\r\nX-CUSTOM: v1\r\n\r\n").body());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadMode.class)
    void testConcurrentClientsAreAllServed(ThreadMode mode) throws Exception {
        start(mode);
        // HttpClient keeps its connections alive, and in platform mode each open connection holds a
        // pool thread (the prethreaded model): so at most the pool's size of them at once there.
        int clients = mode == ThreadMode.VIRTUAL ? 200 : 16;
        var futures = new java.util.ArrayList<java.util.concurrent.CompletableFuture<HttpResponse<String>>>();
        for (int i = 0; i < clients; i++) {
            futures.add(server.client.sendAsync(HttpRequest.newBuilder(server.uri("/users/" + i)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < futures.size(); i++) {
            assertEquals("user " + i, futures.get(i).get().body());
        }
    }

    @org.junit.jupiter.api.Test
    void testPlatformModeConnectionsBeyondThePoolWaitForAFreeThread() throws Exception {
        server = new TestServer(TestServer.config(ThreadMode.PLATFORM).withPlatformPoolSize(2), router());
        try (var a = server.raw(); var b = server.raw(); var waiting = new RawClient(server.address(), 300)) {
            assertEquals(200, a.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").status());
            assertEquals(200, b.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").status());
            // Both pool threads are held by idle keep-alive connections: the third waits in the queue.
            waiting.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
            org.junit.jupiter.api.Assertions.assertThrows(java.net.SocketTimeoutException.class, waiting::read);
            a.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read();
            waiting.socket.setSoTimeout(10_000);
            assertEquals(200, waiting.read().status(), "served once a thread is free");
        }
    }

    static byte[] concat(List<byte[]> parts) {
        var out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    static Duration seconds(long s) {
        return Duration.ofSeconds(s);
    }
}
