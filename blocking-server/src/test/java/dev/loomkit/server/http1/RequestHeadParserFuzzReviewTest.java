package dev.loomkit.server.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.loomkit.server.ProtocolException;
import dev.loomkit.server.ServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Review: the byte-level head parser must reject malformed input with ProtocolException only,
 * never ArrayIndexOutOfBounds or the like. Mutations of valid heads, over a channel whose peer has
 * closed (so any read the parser needs returns end of stream). Small and seeded: fast, repeatable.
 */
@Timeout(60)
class RequestHeadParserFuzzReviewTest {
    private static final String[] SEEDS = {
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /a?b=c HTTP/1.1\r\nHost: example:80\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n",
        "PUT /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive, close\r\n\r\n",
        "\r\nOPTIONS * HTTP/1.0\r\nX: \t y \t\r\n\r\n",
        "GET http://h:1/p?q HTTP/1.1\r\nHost: h\r\nUser-Agent: a\r\nAccept: */*\r\n\r\n",
    };
    private static final byte[] INTERESTING = {' ', '\t', ':', '\r', '\n', 0, (byte) 0x80, (byte) 0xff, ',', '/', '?', '#', 'H', '1', '.', '*', 0x7f};

    @Test
    void testMutatedHeadsFailOnlyWithProtocolException() throws Exception {
        var config = ServerConfig.defaults().withMaxRequestLineBytes(64).withMaxHeaderBytes(256).withMaxHeaderCount(4);
        var parsers = new RequestHeadParser[] {new RequestHeadParser(ServerConfig.defaults()), new RequestHeadParser(config)};
        var random = new Random(42);
        try (var listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             var client = SocketChannel.open(listener.getLocalAddress());
             var peer = listener.accept()) {
            peer.close(); // every read by the parser sees end of stream
            for (int i = 0; i < 30_000; i++) {
                byte[] head = mutate(SEEDS[random.nextInt(SEEDS.length)].getBytes(StandardCharsets.ISO_8859_1), random);
                for (int k = 0; k < parsers.length; k++) {
                    RequestHeadParser parser = parsers[k];
                    var in = new HttpInput(client, k == 0 ? 8192 + 16384 + 4 : 64 + 256 + 4);
                    in.buf = java.util.Arrays.copyOf(head, Math.max(head.length, HttpInput.INITIAL_SIZE));
                    in.lim = head.length;
                    try {
                        parser.parse(in, () -> { });
                    } catch (ProtocolException expected) {
                        // fine
                    } catch (IOException | RuntimeException e) {
                        fail("input " + printable(head) + " threw " + e, e);
                    }
                }
            }
        }
    }

    /**
     * Since 3566e16 (codec hardening; 877ba2b and b8f33f5 reject these): empty Transfer-Encoding list elements are
     * now dropped, so a Transfer-Encoding with no coding at all ("", ",") passes the "ends with a
     * single chunked" check (indexOf == size - 1 == -1) and frames the body as chunked. A front end that ignores an empty Transfer-Encoding sees no body: a
     * request-smuggling desync. Fixed by 21907d1 (kept as a regression test).
     */
    @Test
    void testTransferEncodingWithoutAnyCodingIsRejected() throws Exception {
        var parser = new RequestHeadParser(ServerConfig.defaults());
        for (String te : new String[] {"", ",", " , "}) {
            byte[] head = ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + te + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
            var in = new HttpInput(null, 24 * 1024);
            in.buf = java.util.Arrays.copyOf(head, Math.max(head.length, HttpInput.INITIAL_SIZE));
            in.lim = head.length;
            try {
                RequestHead h = parser.parse(in, () -> { });
                fail("Transfer-Encoding '" + te + "' accepted, chunked=" + h.chunked());
            } catch (ProtocolException e) {
                assertEquals(400, e.status(), e.getMessage());
            }
        }
    }

    private static byte[] mutate(byte[] seed, Random random) {
        var b = new java.io.ByteArrayOutputStream();
        b.writeBytes(seed);
        byte[] a = b.toByteArray();
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = random.nextInt(a.length);
            byte c = random.nextInt(3) == 0 ? (byte) random.nextInt(256) : INTERESTING[random.nextInt(INTERESTING.length)];
            switch (random.nextInt(3)) {
                case 0 -> a[at] = c;
                case 1 -> { // insert
                    byte[] n = new byte[a.length + 1];
                    System.arraycopy(a, 0, n, 0, at);
                    n[at] = c;
                    System.arraycopy(a, at, n, at + 1, a.length - at);
                    a = n;
                }
                default -> { // delete
                    if (a.length > 1) {
                        byte[] n = new byte[a.length - 1];
                        System.arraycopy(a, 0, n, 0, at);
                        System.arraycopy(a, at + 1, n, at, a.length - at - 1);
                        a = n;
                    }
                }
            }
        }
        return a;
    }

    private static String printable(byte[] b) {
        var sb = new StringBuilder();
        for (byte x : b) {
            int c = x & 0xff;
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return sb.toString();
    }
}
