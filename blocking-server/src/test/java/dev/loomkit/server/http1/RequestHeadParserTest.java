package dev.loomkit.server.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.server.Headers;
import dev.loomkit.server.ProtocolException;
import dev.loomkit.server.ServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The head parser on bytes: a head that is already in the input buffer is parsed where it lies,
 * with no read; the few cases that need more input use a real loopback socket.
 */
@Timeout(30)
class RequestHeadParserTest {
    private final RequestHeadParser parser = new RequestHeadParser(ServerConfig.defaults());

    /** An input whose buffer already holds {@code head}; it has no channel, so it must not need to read. */
    private static HttpInput buffered(String head) {
        byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
        var in = new HttpInput(null, 64 * 1024);
        in.buf = java.util.Arrays.copyOf(bytes, Math.max(bytes.length, HttpInput.INITIAL_SIZE));
        in.lim = bytes.length;
        return in;
    }

    private RequestHead parse(String head) throws IOException {
        return parser.parse(buffered(head), () -> { });
    }

    private int rejection(String head) {
        return assertThrows(ProtocolException.class, () -> parse(head), head).status();
    }

    /** Whether the parser said, before refusing a head, that it was a HEAD request's. */
    private boolean saidHeadRequest(String head) {
        boolean[] said = {false};
        var events = new RequestHeadParser.HeadEvents() {
            @Override
            public void headStarted() {
            }

            @Override
            public void refusingHeadRequest() {
                said[0] = true;
            }
        };
        assertThrows(ProtocolException.class, () -> parser.parse(buffered(head), events), head);
        return said[0];
    }

    @Test
    void testARefusedHeadRequestIsSaidToBeOneSoItsErrorHasNoBody() {
        assertTrue(saidHeadRequest("HEAD /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"));
        assertTrue(saidHeadRequest("HEAD /a HTTP/1.1\r\n\r\n"), "no Host");
        assertFalse(saidHeadRequest("GET /a HTTP/1.1\r\n\r\n"));
        assertFalse(saidHeadRequest("HEAD  /a HTTP/1.1\r\nHost: x\r\n\r\n"), "the request line itself is malformed: no method known");
    }

    @Test
    void testCommonMethodsAndFieldNamesAreSharedConstantsAndNamesKeepTheirCase() throws Exception {
        RequestHead h = parse("GET /a?b=c HTTP/1.1\r\nHost: example\r\nX-Odd:  v  \r\nhost2: y\r\n\r\n");
        assertSame("GET", h.method());
        assertEquals("/a?b=c", h.target());
        assertEquals("/a", h.path());
        assertEquals("b=c", h.query());
        assertTrue(h.http11());
        List<Headers.Field> fields = h.fields();
        assertSame("Host", fields.get(0).name());
        assertEquals(new Headers.Field("X-Odd", "v"), fields.get(1), "value trimmed of spaces and tabs");
        assertEquals("host2", fields.get(2).name());
        assertSame("PATCH", parse("PATCH / HTTP/1.1\r\nHost: x\r\n\r\n").method());
        assertEquals("PURGE", parse("PURGE / HTTP/1.1\r\nHost: x\r\n\r\n").method());
    }

    @Test
    void testVersionsFramingAndKeepAlive() throws Exception {
        RequestHead h10 = parse("GET / HTTP/1.0\r\n\r\n");
        assertFalse(h10.http11());
        assertFalse(h10.keepAlive());
        assertTrue(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keepAlive());
        assertFalse(parse("GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, close\r\n\r\n").keepAlive());
        assertTrue(parse("GET / HTTP/1.2\r\nHost: x\r\n\r\n").http11(), "a higher minor version is served as 1.1");
        RequestHead post = parse("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n");
        assertEquals(12, post.contentLength());
        assertTrue(parse("POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").chunked());
        assertTrue(parse("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n").expectContinue());
        assertEquals("/p", parse("\r\n\r\nGET /p HTTP/1.1\r\nHost: x\r\n\r\n").path(), "leading empty lines are skipped");
    }

    @Test
    void testMalformedHeadsGetTheirStatus() {
        assertEquals(400, rejection("GET  / HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(400, rejection("GET / HTTP/1.1 \r\nHost: x\r\n\r\n"));
        assertEquals(400, rejection("G(T / HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(400, rejection("GET /\u007f HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(400, rejection("GET /\u00e9 HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(400, rejection("GET / HTTP/1.1\nHost: x\r\n\r\n"));
        assertEquals(400, rejection("GET / HTTP/1.1\r\nHost: x\r\nA: b\rc\r\n\r\n"));
        assertEquals(400, rejection("GET / HTTP/1.1\r\nHost: x\r\nA: b\u0000\r\n\r\n"));
        assertEquals(400, rejection("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"));
        assertEquals(400, rejection("GET / HTTP/1.1\r\nHost: x\r\nName : v\r\n\r\n"));
        assertEquals(400, rejection("GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n"));
        assertEquals(400, rejection("GET / HTTP/1.1\r\nHost: x\r\nNo colon\r\n\r\n"));
        assertEquals(400, rejection("GET / HTTP/1.1\r\nHost: x\r\nA: \u0001\r\n\r\n"));
        assertEquals(400, rejection("GET / HTTP/1.1\r\n\r\n"), "HTTP/1.1 without Host");
        assertEquals(400, rejection("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"));
        assertEquals(400, rejection("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"));
        assertEquals(400, rejection("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 2\r\n\r\n"));
        assertEquals(505, rejection("GET / HTTP/2.0\r\nHost: x\r\n\r\n"));
        assertEquals(417, rejection("GET / HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n"));
        assertEquals(414, rejection("GET /" + "a".repeat(9_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals(431, rejection("GET / HTTP/1.1\r\nHost: x\r\nBig: " + "v".repeat(17_000) + "\r\n\r\n"));
        assertEquals(400, rejection("GET / HTTP/1.1\r\nHost: x\r\n\r\n".replace("GET", "\r\n\r\n\r\n\r\n\r\nGET")));
    }

    @Test
    void testAHeadSplitAcrossReadsIsParsedAndAnEndInsideItIsRejected() throws Exception {
        try (var listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             var client = SocketChannel.open(listener.getLocalAddress());
             var server = listener.accept()) {
            var in = new HttpInput(server, 64 * 1024);
            String head = "GET /split HTTP/1.1\r\nHost: x\r\nX-Long: " + "z".repeat(2_000) + "\r\n\r\n";
            byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
            // Two writes: the parser must read again, and grow its 512-byte buffer, mid-head.
            client.write(ByteBuffer.wrap(bytes, 0, 25));
            Thread.ofVirtual().start(() -> {
                try {
                    client.write(ByteBuffer.wrap(bytes, 25, bytes.length - 25));
                    client.write(ByteBuffer.wrap("GET /next HT".getBytes(StandardCharsets.ISO_8859_1)));
                    client.shutdownOutput();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            RequestHead h = parser.parse(in, () -> { });
            assertEquals("/split", h.path());
            assertEquals(2_000, h.fields().stream().filter(f -> f.name().equalsIgnoreCase("x-long")).findFirst().orElseThrow()
                    .value().length());
            var e = assertThrows(ProtocolException.class, () -> parser.parse(in, () -> { }));
            assertEquals(400, e.status(), "the stream ended inside the second head");
        }
    }

    @Test
    void testACleanEndOfStreamBetweenRequestsIsNoRequest() throws Exception {
        try (var listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             var client = SocketChannel.open(listener.getLocalAddress());
             var server = listener.accept()) {
            client.shutdownOutput();
            assertNull(parser.parse(new HttpInput(server, 64 * 1024), () -> { }));
        }
    }
}
