package dev.loomkit.comparison.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The load generator reuses a connection exactly when the server does not close it. */
class ReadResponseTest {
    private static InputStream stream(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static int read(InputStream in) throws Exception {
        return LoadGenerator.readResponse(in, new byte[64]);
    }

    @Test
    void testKeptConnectionsAreReusedAndClosedOnesAreNot() throws Exception {
        int close = LoadGenerator.CLOSE;
        // Two responses on one connection: the first is read to its end, the second follows.
        InputStream two = stream("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 4\r\n\r\nbusy"
                + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\nok\r\n0\r\n\r\n");
        int first = read(two);
        assertEquals(503, LoadGenerator.status(first), "a 503 that keeps the connection is not a reason to reconnect");
        assertEquals(0, first & close);
        assertEquals(1, LoadGenerator.retryAfter(first));
        assertEquals(200, read(two));
        assertEquals(503 | close, read(stream("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")));
        assertEquals(200 | close, read(stream("HTTP/1.1 200 OK\r\nconnection: Keep-Alive, Close\r\nContent-Length: 0\r\n\r\n")));
        assertEquals(200 | close, read(stream("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")), "HTTP/1.0 closes by default");
        assertEquals(200, read(stream("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")));
        assertEquals(200 | close, read(stream("HTTP/1.1 200 OK\r\n\r\nuntil the end")), "a body delimited by the connection's end");
        assertEquals(204, read(stream("HTTP/1.1 204 No Content\r\n\r\n")), "no body, nothing to delimit");
    }

    @Test
    void testRetryAfterIsReadInSecondsAndBounded() throws Exception {
        int close = LoadGenerator.CLOSE;
        int r = read(stream("HTTP/1.1 503 Service Unavailable\r\nretry-after:  7 \r\nConnection: close\r\nContent-Length: 0\r\n\r\n"));
        assertEquals(503, LoadGenerator.status(r));
        assertEquals(7, LoadGenerator.retryAfter(r));
        assertEquals(close, r & close, "Retry-After and Connection: close are both kept");
        assertEquals(LoadGenerator.MAX_RETRY_AFTER, LoadGenerator.retryAfter(
                read(stream("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 999999999\r\nContent-Length: 0\r\n\r\n"))),
                "a server asking for hours gets the longest a point honours");
        assertEquals(LoadGenerator.MAX_RETRY_AFTER, LoadGenerator.retryAfter(
                read(stream("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 123456789012\r\nContent-Length: 0\r\n\r\n"))),
                "so does one asking for longer than an int holds");
        assertEquals(0, LoadGenerator.retryAfter(
                read(stream("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n"))),
                "zero: try again at once");
        assertEquals(0, LoadGenerator.retryAfter(
                read(stream("HTTP/1.1 503 Service Unavailable\r\nRetry-After: Wed, 21 Oct 2026 07:28:00 GMT\r\nContent-Length: 0\r\n\r\n"))),
                "an HTTP date is not honoured: the generator does not trust the server's clock");
        assertEquals(0, LoadGenerator.retryAfter(
                read(stream("HTTP/1.1 503 Service Unavailable\r\nRetry-After: -3\r\nContent-Length: 0\r\n\r\n"))));
    }
}
