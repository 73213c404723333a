package dev.loomkit.comparison.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.comparison.http.ResponseReader;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The request-path benchmark's code run directly, without JMH: each mode's server, a few batches, and the parser. */
class RequestPathBenchmarkTest {

    @ParameterizedTest
    @ValueSource(strings = {"virtual", "virtual-unlimited", "platform", "bare"})
    @Timeout(30)
    void testEachModeAnswersPipelinedBatchesOnOneConnection(String mode) throws Exception {
        var bench = new RequestPathBenchmark();
        bench.mode = mode;
        bench.startServer();
        var client = new RequestPathBenchmark.Client();
        try {
            client.connect(bench);
            for (int i = 0; i < 50; i++) {
                assertEquals(RequestPathBenchmark.BATCH * RequestPathBenchmark.HELLO.length(), bench.hello(client));
            }
        } finally {
            client.close();
            bench.stopServer();
        }
    }

    @Test
    @Timeout(30)
    void testServerStopsWhileTheClientIsStillConnected() throws Exception {
        // JMH may tear the benchmark state down before the thread state: the idle connection must not hold the close.
        var bench = new RequestPathBenchmark();
        bench.mode = "virtual";
        bench.startServer();
        var client = new RequestPathBenchmark.Client();
        client.connect(bench);
        client.exchange();
        long start = System.nanoTime();
        bench.stopServer();
        client.close();
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "closing took " + (System.nanoTime() - start) / 1_000_000 + " ms");
    }

    @Test
    @Timeout(10)
    void testBatchesTakeOnlyKeptTwoHundreds() {
        // The parsing itself is ResponseReaderTest's; a batch needs a 200 it can read to its end and then go on.
        assertThrows(IOException.class, () -> read("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"));
        assertThrows(IOException.class, () -> read("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"));
        assertThrows(IOException.class, () -> read("HTTP/1.1 200 OK\r\n\r\n"), "no Content-Length: the body runs to the end");
        assertThrows(IOException.class, () -> read("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"));
        assertThrows(EOFException.class, () -> read("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhel"));
        assertThrows(IOException.class, () -> read("HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n"), "a lone LF: loomkit sends CR LF");
        assertThrows(IOException.class, () -> read("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                "chunked: loomkit frames /hello by its length");
        assertThrows(IOException.class, () -> read("HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n"));
    }

    @Test
    @Timeout(10)
    void testBatchReadsReturnBodyLengths() throws IOException {
        var reader = new ResponseReader(new ByteArrayInputStream(
                "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\nHTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello again"
                        .getBytes(StandardCharsets.ISO_8859_1)), 64);
        assertEquals(6, RequestPathBenchmark.readOk(reader));
        assertEquals(11, RequestPathBenchmark.readOk(reader));
        assertThrows(EOFException.class, () -> RequestPathBenchmark.readOk(reader));
    }

    private static int read(String response) throws IOException {
        return RequestPathBenchmark.readOk(new ResponseReader(new ByteArrayInputStream(response.getBytes(StandardCharsets.ISO_8859_1)), 64));
    }
}
