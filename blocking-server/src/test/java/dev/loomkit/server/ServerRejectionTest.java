package dev.loomkit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** RFC 9112 rejections: the right status, and the connection closed after it. Both thread modes. */
@Timeout(30)
class ServerRejectionTest {
    private static final AtomicInteger HANDLED = new AtomicInteger();
    private TestServer server;

    static Stream<Arguments> malformed() {
        String big = "a".repeat(9_000);
        return Stream.of(
                Arguments.of("both Content-Length and Transfer-Encoding", 400,
                        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("invalid Content-Length", 400, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3a\r\n\r\nabc"),
                Arguments.of("negative Content-Length", 400, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -3\r\n\r\nabc"),
                Arguments.of("conflicting Content-Length", 400,
                        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"),
                Arguments.of("conflicting Content-Length list", 400, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\nabcd"),
                Arguments.of("Transfer-Encoding not ending in chunked", 400,
                        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"),
                Arguments.of("unknown transfer coding", 501, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("chunked twice", 400, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("Transfer-Encoding in HTTP/1.0", 400, "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("bad chunk size", 400, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("empty chunk size", 400, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n"),
                Arguments.of("chunk data without CRLF", 400, "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n"),
                Arguments.of("obs-fold", 400, "GET /hello HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n"),
                Arguments.of("whitespace before colon", 400, "GET /hello HTTP/1.1\r\nHost: x\r\nX-A : one\r\n\r\n"),
                Arguments.of("control character in a value", 400, "GET /hello HTTP/1.1\r\nHost: x\r\nX-A: o\u0001ne\r\n\r\n"),
                Arguments.of("NUL in a value", 400, "GET /hello HTTP/1.1\r\nHost: x\r\nX-A: o\u0000ne\r\n\r\n"),
                Arguments.of("bare LF", 400, "GET /hello HTTP/1.1\nHost: x\n\n"),
                Arguments.of("bare CR", 400, "GET /hello HTTP/1.1\r\nHost: x\rX-A: 1\r\n\r\n"),
                Arguments.of("missing Host on 1.1", 400, "GET /hello HTTP/1.1\r\n\r\n"),
                Arguments.of("two Host fields", 400, "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
                Arguments.of("unknown HTTP version", 505, "GET /hello HTTP/2.0\r\nHost: x\r\n\r\n"),
                Arguments.of("malformed HTTP version", 400, "GET /hello HTTX/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("extra space in the request line", 400, "GET  /hello HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("target not a path", 400, "GET hello HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("URI too long", 414, "GET /" + big + " HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("header section too large", 431, "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(17_000) + "\r\n\r\n"),
                Arguments.of("too many header fields", 431, "GET /hello HTTP/1.1\r\nHost: x\r\n" + "X-N: 1\r\n".repeat(101) + "\r\n"),
                Arguments.of("body over the limit, declared", 413, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n"),
                Arguments.of("unsupported expectation", 417, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nExpect: magic\r\n\r\nx"),
                Arguments.of("fragment in an absolute-form target", 400, "GET http://x#/hello HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("userinfo in an absolute-form target", 400, "GET http://u@x/hello HTTP/1.1\r\nHost: x\r\n\r\n"),
                Arguments.of("Host with a space and a comma", 400, "GET /hello HTTP/1.1\r\nHost: a, b\r\n\r\n"),
                Arguments.of("Host with a path and userinfo", 400, "GET /hello HTTP/1.1\r\nHost: a b/c@d\r\n\r\n"),
                Arguments.of("Host with a bad port", 400, "GET /hello HTTP/1.1\r\nHost: a:8x\r\n\r\n"),
                Arguments.of("vertical tab after a chunk size", 400,
                        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\u000b;a\r\nabc\r\n0\r\n\r\n"),
                Arguments.of("chunk extension without a name", 400,
                        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;=v\r\nabc\r\n0\r\n\r\n"),
                Arguments.of("chunk extension with a bad value", 400,
                        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a=\"open\r\nabc\r\n0\r\n\r\n"),
                Arguments.of("malformed trailer field", 400,
                        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T : 1\r\n\r\n"),
                Arguments.of("control character in a trailer", 400,
                        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: a\u0001\r\n\r\n"));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start(ThreadMode mode) throws Exception {
        server = new TestServer(TestServer.config(mode).withMaxBodyBytes(1_000_000), Router.builder()
                .post("/echo", r -> {
                    HANDLED.incrementAndGet();
                    return Response.bytes(200, "application/octet-stream", r.bodyBytes());
                })
                .get("/hello", r -> Response.text(200, "hello"))
                .build());
    }

    @ParameterizedTest(name = "{0} -> {1} ({3})")
    @MethodSource("withModes")
    void testMalformedRequestIsRejectedAndConnectionClosed(String what, int status, String raw, ThreadMode mode) throws Exception {
        start(mode);
        try (var c = server.raw()) {
            var reply = c.exchange(raw);
            assertEquals(status, reply.status(), what + ": " + reply.body());
            assertEquals("close", reply.header("connection"), what);
            assertTrue(c.closedByServer(), what + ": connection closed");
        }
        try (var c = server.raw()) {
            assertEquals(200, c.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").status(), "the server goes on");
        }
    }

    static Stream<Arguments> withModes() {
        return malformed().flatMap(a -> Stream.of(ThreadMode.values()).map(m -> {
            Object[] args = a.get();
            return Arguments.of(args[0], args[1], args[2], m);
        }));
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(ThreadMode.class)
    void testChunkedBodyOverTheLimitIs413WithoutReadingTheRest(ThreadMode mode) throws Exception {
        start(mode);
        try (var c = server.raw()) {
            // Declares a 2 MB chunk and sends only its start: the server refuses before reading it.
            var reply = c.exchange("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1E8480\r\n" + "x".repeat(1000));
            assertEquals(413, reply.status());
            assertTrue(c.closedByServer());
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(ThreadMode.class)
    void testWellFormedEdgesAreServed(ThreadMode mode) throws Exception {
        start(mode);
        try (var c = server.raw()) {
            // RFC 3986 3.2: the authority ends at '?', so this is path "/" with query "/hello".
            assertEquals(404, c.exchange("GET http://x?/hello HTTP/1.1\r\nHost: x\r\n\r\n").status());
            assertEquals(200, c.exchange("GET HTTP://x:80/hello?a=b HTTP/1.1\r\nHost: x\r\n\r\n").status());
            assertEquals(200, c.exchange("GET /hello HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n").status());
            assertEquals(200, c.exchange("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").status());
            assertEquals(200, c.exchange("GET /hello HTTP/1.1\r\nHost: \r\n\r\n").status(), "an empty Host is allowed");
            // RFC 9110 5.6.1: empty list elements are ignored; RFC 9112 7.1.1: extensions are ignored.
            var echoed = c.exchange("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: , chunked\r\n\r\n"
                    + "3 ;a=b; c =\"q\\\"d\"\t;e\r\nabc\r\n0\r\nX-T: ok\r\n\r\n");
            assertEquals(200, echoed.status());
            assertEquals("abc", echoed.body());
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(ThreadMode.class)
    void testAnErrorToAHeadRequestHasNoBody(ThreadMode mode) throws Exception {
        start(mode);
        try (var c = server.raw()) {
            var reply = c.send("HEAD /hello HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n").read(true);
            assertEquals(400, reply.status());
            assertTrue(Integer.parseInt(reply.header("content-length")) > 0, "the length of the body a GET would get");
            assertTrue(c.closedByServer(), "end of stream right after the head: no body was sent");
        }
    }
}
