package dev.loomkit.comparison.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The comparison's clients read what the server says: the status, whether the connection may be
 * reused, Retry-After, and the body's framing; whatever the reads' sizes, and within bounds
 * whatever the server sends.
 */
@Timeout(10)
class ResponseReaderTest {
    private static final String TWO = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 4\r\n\r\nbusy"
            + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\nok\r\n3\r\n!!!\r\n0\r\nTrailer: t\r\n\r\n";

    private static ResponseReader reader(String s) {
        return new ResponseReader(new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1)), 64);
    }

    private static int read(String s) throws IOException {
        return reader(s).read();
    }

    /** A stream that hands out one byte per read, so that every refill path is taken. */
    private static InputStream oneByteAtATime(String text) {
        var bytes = new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1));
        return new InputStream() {
            @Override
            public int read() {
                return bytes.read();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return len == 0 ? 0 : bytes.read(b, off, 1);
            }
        };
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void testResponsesFollowEachOtherOnOneConnectionHoweverTheBytesArrive(boolean oneByteAtATime) throws IOException {
        var r = oneByteAtATime ? new ResponseReader(oneByteAtATime(TWO), 64) : reader(TWO);
        int first = r.read();
        assertEquals(503, ResponseReader.status(first));
        assertFalse(ResponseReader.closes(first), "a 503 that keeps the connection is not a reason to reconnect");
        assertEquals(1, ResponseReader.retryAfter(first));
        assertEquals(4, r.bodyLength());
        int second = r.readHead();
        assertEquals(200, second, "chunked: nothing to close, nothing to wait for");
        assertArrayEquals("ok!!!".getBytes(StandardCharsets.US_ASCII), r.readBody(100), "chunks joined, extensions and trailers left out");
        assertEquals(5, r.bodyLength());
        assertThrows(EOFException.class, r::read, "the connection ended where a response should start");
    }

    @Test
    void testABufferSmallerThanTheResponseIsRefilled() throws IOException {
        String body = "x".repeat(1000);
        var r = reader("HTTP/1.1 200 OK\r\nX-Long: " + "y".repeat(500) + "\r\nContent-Length: 1000\r\n\r\n" + body
                + "HTTP/1.1 204 No Content\r\n\r\n");
        assertEquals(200, r.readHead());
        assertEquals(body, new String(r.readBody(1000), StandardCharsets.US_ASCII));
        assertEquals(204, r.read());
    }

    @Test
    void testKeptAndClosedConnectionsAreToldApart() throws IOException {
        assertEquals(503 | ResponseReader.CLOSE, read("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"));
        assertEquals(200 | ResponseReader.CLOSE, read("HTTP/1.1 200 OK\r\nconnection: Keep-Alive, Close\r\nContent-Length: 0\r\n\r\n"));
        assertEquals(200, read("HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 0\r\n\r\n"), "a token, not a prefix");
        assertEquals(200 | ResponseReader.CLOSE, read("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"), "HTTP/1.0 closes by default");
        assertEquals(200, read("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"));
        assertEquals(200 | ResponseReader.CLOSE, read("HTTP/1.1 200 OK\r\n\r\nuntil the end"), "a body delimited by the connection's end");
        assertEquals(204, read("HTTP/1.1 204 No Content\r\n\r\n"), "no body, nothing to delimit");
        assertEquals(304, read("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"), "a 304's length describes a body it has not");
        assertEquals(200, read("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"), "the reason phrase may be left out");
        assertEquals(200, read("HTTP/1.1 200 OK\nContent-Length: 0\n\n"), "a lone LF ends a line too (RFC 9112, 2.2)");
    }

    @Test
    void testRetryAfterIsReadInSecondsAndBounded() throws IOException {
        int r = read("HTTP/1.1 503 Service Unavailable\r\nretry-after:  7 \r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        assertEquals(503, ResponseReader.status(r));
        assertEquals(7, ResponseReader.retryAfter(r));
        assertTrue(ResponseReader.closes(r), "Retry-After and Connection: close are both kept");
        assertEquals(ResponseReader.MAX_RETRY_AFTER, ResponseReader.retryAfter(
                read("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 999999999\r\nContent-Length: 0\r\n\r\n")),
                "a server asking for hours gets the longest a point honours");
        assertEquals(ResponseReader.MAX_RETRY_AFTER, ResponseReader.retryAfter(
                read("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 12345678901234567890123\r\nContent-Length: 0\r\n\r\n")),
                "so does one asking for longer than a long holds");
        assertEquals(0, ResponseReader.retryAfter(read("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n")),
                "zero: try again at once");
        assertEquals(0, ResponseReader.retryAfter(
                read("HTTP/1.1 503 Service Unavailable\r\nRetry-After: Wed, 21 Oct 2026 07:28:00 GMT\r\nContent-Length: 0\r\n\r\n")),
                "an HTTP date is not honoured: the generator does not trust the server's clock");
        assertEquals(0, ResponseReader.retryAfter(read("HTTP/1.1 503 Service Unavailable\r\nRetry-After: -3\r\nContent-Length: 0\r\n\r\n")));
    }

    @Test
    void testMalformedResponsesFailWithTheirText() {
        var e = assertThrows(IOException.class, () -> read("HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n"));
        assertTrue(e.getMessage().contains("HTTP/1.1 2000 OK"), e.getMessage());
        assertThrows(IOException.class, () -> read("HTTP/2 200 OK\r\n\r\n"));
        assertThrows(IOException.class, () -> read("HTTP/1.1 2x0 OK\r\n\r\n"));
        assertThrows(IOException.class, () -> read("garbage\r\n\r\n"));
        e = assertThrows(IOException.class, () -> read("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"));
        assertTrue(e.getMessage().contains("Content-Length: x"), e.getMessage());
        assertThrows(IOException.class, () -> read("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"));
        assertThrows(IOException.class, () -> read("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n"));
        assertThrows(IOException.class, () -> read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
        assertThrows(IOException.class, () -> read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokay\r\n0\r\n\r\n"),
                "a chunk longer than its size");
        assertThrows(EOFException.class, () -> read("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhel"));
        assertThrows(EOFException.class, () -> read("HTTP/1.1 200 OK\r\nContent-Le"));
    }

    @Test
    void testWhatALyingServerSendsIsBounded() {
        var e = assertThrows(IOException.class, () -> read("HTTP/1.1 200 OK\r\nX: " + "a".repeat(ResponseReader.MAX_LINE) + "\r\n\r\n"));
        assertTrue(e.getMessage().contains("line longer than"), e.getMessage());
        String field = "X: " + "a".repeat(1000) + "\r\n";
        e = assertThrows(IOException.class, () -> read("HTTP/1.1 200 OK\r\n" + field.repeat(ResponseReader.MAX_HEAD / field.length() + 1) + "\r\n"));
        assertTrue(e.getMessage().contains("longer than " + ResponseReader.MAX_HEAD), e.getMessage());
        e = assertThrows(IOException.class, () -> read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
                + field.repeat(ResponseReader.MAX_HEAD / field.length() + 1) + "\r\n"));
        assertTrue(e.getMessage().contains("trailer section"), "trailers are bounded as a head is: " + e.getMessage());
        e = assertThrows(IOException.class, () -> {
            var r = reader("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + "z".repeat(100));
            r.readHead();
            r.readBody(99);
        });
        assertTrue(e.getMessage().contains("100 bytes"), e.getMessage());
        assertThrows(IOException.class, () -> {
            var r = reader("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" + "z".repeat(64) + "\r\n0\r\n\r\n");
            r.readHead();
            r.readBody(63);
        }, "a chunked body's bound counts its chunks");
        assertThrows(IOException.class, () -> {
            var r = reader("HTTP/1.1 200 OK\r\n\r\nto the end");
            r.readHead();
            r.readBody(1000);
        }, "a body to the connection's end cannot be kept: it has no end to wait for on a kept connection");
    }

    @Test
    void testInterimResponsesAreReadPastToTheFinalOne() throws IOException {
        var r = reader("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        assertEquals(200, r.read(), "the answer to the first request is its final response");
        assertEquals(2, r.bodyLength());
        assertEquals(404, r.read(), "and the next answer is the next request's: the connection stays in step");
        assertEquals(101 | ResponseReader.CLOSE, read("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n"),
                "101 is final: HTTP ends on the connection");
    }

    @Test
    void testTheFramingOfTheLastHeadIsTold() throws IOException {
        var r = reader("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\nTransfer-Encoding: gzip, Chunked\r\n\r\n0\r\n\r\n");
        r.readHead();
        assertEquals(3, r.contentLength());
        assertFalse(r.bareLineEnds());
        r.skipBody();
        r.readHead();
        assertEquals(-1, r.contentLength(), "chunked, the last coding, in any case");
        assertTrue(r.bareLineEnds());
        r.skipBody();
        assertEquals(0, r.bodyLength());
    }

    @Test
    void testTheConnectionsEndIsToldWhereItCutTheResponse() {
        assertTrue(assertThrows(EOFException.class, () -> read("")).getMessage().contains("before a response"));
        assertTrue(assertThrows(EOFException.class, () -> read("HTTP/1.1 200 OK\r\nX: y\r\n")).getMessage()
                .contains("inside a response head"));
        assertTrue(assertThrows(EOFException.class, () -> read("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab")).getMessage()
                .contains("inside a body"));
        assertTrue(assertThrows(EOFException.class, () -> read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")).getMessage()
                .contains("chunk"));
        assertTrue(assertThrows(EOFException.class, () -> read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\r\n"))
                .getMessage().contains("trailer"));
    }

    @Test
    void testABodyNeedsAHeadFirst() throws IOException {
        var r = reader("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        var e = assertThrows(IllegalStateException.class, r::skipBody);
        assertTrue(e.getMessage().contains("readHead"), e.getMessage());
        r.read();
        assertThrows(IllegalStateException.class, r::skipBody, "its body was skipped already");
        assertThrows(IllegalArgumentException.class, () -> new ResponseReader(InputStream.nullInputStream(), 16));
    }
}
