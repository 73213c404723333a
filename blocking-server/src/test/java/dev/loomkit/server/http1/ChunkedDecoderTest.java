package dev.loomkit.server.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.loomkit.server.ProtocolException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The chunked body decoder on byte arrays (issue 9: codec tests of its own, not only through
 * sockets): RFC 9112 7.1's grammar, the body limit, and that what follows the body stays unread.
 */
@Timeout(30)
class ChunkedDecoderTest {
    private static final long MAX = 1 << 20;

    private static HttpInput input(String wire) {
        return input(wire.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static HttpInput input(byte[] wire) {
        return new HttpInput(Channels.newChannel(new ByteArrayInputStream(wire)), 8 * 1024);
    }

    private static BodyInputStream.Chunked decoder(HttpInput in, long max) {
        return new BodyInputStream.Chunked(in, BodyInputStream.ReadGuard.NONE, max);
    }

    private static String decode(String wire) throws IOException {
        return new String(decoder(input(wire), MAX).readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    private static ProtocolException refused(String wire) {
        return assertThrows(ProtocolException.class, () -> decode(wire), wire);
    }

    @Test
    void testDecodesChunksExtensionsAndTrailers() throws Exception {
        assertEquals("hello world", decode("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
        assertEquals("abc", decode("3;name=value;flag;q=\"a \\\" b\"\r\nabc\r\n0\r\n\r\n"));
        assertEquals("abc", decode("3 \t; a = b\r\nabc\r\n0\r\nX-Trailer: yes\r\nOther: 1\r\n\r\n"));
        assertEquals("", decode("0\r\n\r\n"));
        assertEquals("z".repeat(255), decode("fF\r\n" + "z".repeat(255) + "\r\n0\r\n\r\n"));
    }

    @Test
    void testLeavesWhatFollowsTheBodyForTheNextRequest() throws Exception {
        HttpInput in = input("2\r\nhi\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n");
        var body = decoder(in, MAX);
        assertEquals("hi", new String(body.readAllBytes(), StandardCharsets.ISO_8859_1));
        assertTrue(body.isComplete());
        byte[] rest = new byte[64];
        int n = in.read(rest, 0, rest.length);
        assertEquals("GET /next HTTP/1.1\r\n\r\n", new String(rest, 0, n, StandardCharsets.ISO_8859_1));
    }

    @Test
    void testRefusesWhatTheGrammarDoesNot() {
        for (String bad : List.of(
                "\r\n",                                  // no size
                "g\r\n",                                 // not hex
                "3\u000b;a\r\nabc\r\n0\r\n\r\n",         // whitespace other than SP and HTAB
                "3;\r\nabc\r\n0\r\n\r\n",                // extension without a name
                "3;a=\r\nabc\r\n0\r\n\r\n",              // '=' without a value
                "3;a=\"x\r\nabc\r\n0\r\n\r\n",           // unterminated quoted value
                "3x\r\nabc\r\n0\r\n\r\n",                // junk after the size
                "3\r\nabcX\r\n0\r\n\r\n",                // data longer than its size
                "1000000000000000\r\n",                  // a size that overflows
                "3\r\nabc\r\n0\r\nBad Trailer\r\n\r\n",  // a trailer that is not a field
                "3\r\nabc\r\n0\r\n: empty-name\r\n\r\n")) {
            assertEquals(400, refused(bad).status(), bad);
        }
    }

    @Test
    void testBodyLimitCountsDataBeforeReadingIt() throws Exception {
        var body = decoder(input("10\r\n" + "x".repeat(16) + "\r\n0\r\n\r\n"), 15);
        var e = assertThrows(ProtocolException.class, body::readAllBytes);
        assertEquals(413, e.status());
        var exact = decoder(input("f\r\n" + "x".repeat(15) + "\r\n0\r\n\r\n"), 15);
        assertEquals(15, exact.readAllBytes().length);
    }

    @Test
    void testDrainCountsEveryByteOnTheWireAgainstItsBudget() {
        // One byte of data, then the last-chunk and 600 bytes of trailers: over a 512-byte budget,
        // though the read that takes the trailers is the one that ends the body (found by
        // HttpCodecFuzzTest: that read was not counted).
        String trailers = "X-Pad: " + "p".repeat(591) + "\r\n";
        String wire = "1\r\nx\r\n0\r\n" + trailers + "\r\n";
        assertEquals(false, decoder(input(wire), MAX).drain(512));
        assertTrue(decoder(input(wire), MAX).drain(wire.length()));
        // Extensions count as well as data: 100 one-byte chunks with 40-byte extensions.
        String extended = ("1;" + "e".repeat(40) + "\r\nx\r\n").repeat(100) + "0\r\n\r\n";
        assertEquals(false, decoder(input(extended), MAX).drain(1024));
    }

    @Test
    void testEndOfStreamInsideTheBodyIsAnErrorNotABody() {
        for (String cut : List.of("5\r\nhel", "5\r\nhello", "5\r\nhello\r\n", "5\r\nhello\r\n0\r\n", "5")) {
            assertThrows(IOException.class, () -> decode(cut), cut);
        }
        assertThrows(EOFException.class, () -> decode("5\r\nhel"));
    }

    @Test
    void testRandomChunkingsRoundTrip() throws Exception {
        // Framing round-trips: any split of any bytes into chunks decodes to the same bytes.
        var random = new Random(42);
        for (int round = 0; round < 200; round++) {
            byte[] data = new byte[random.nextInt(3_000)];
            random.nextBytes(data);
            var wire = new ByteArrayOutputStream();
            for (int at = 0; at < data.length; ) {
                int size = 1 + random.nextInt(Math.min(700, data.length - at));
                wire.writeBytes((Integer.toHexString(size) + (random.nextBoolean() ? ";r=" + round : "") + "\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                wire.write(data, at, size);
                wire.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                at += size;
            }
            wire.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(java.util.HexFormat.of().formatHex(data),
                    java.util.HexFormat.of().formatHex(decoder(input(wire.toByteArray()), MAX).readAllBytes()), "round " + round);
        }
    }
}
