package dev.loomkit.server.http1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.loomkit.server.Headers;
import dev.loomkit.server.ProtocolException;
import dev.loomkit.server.ServerConfig;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Timeout;

/**
 * Jazzer fuzz targets for the HTTP/1.1 codec: the request head parser and the chunked body decoder,
 * on byte arrays. Each input must end in one of two ways:
 * <ul>
 *   <li>refused with a {@link ProtocolException} (or, where the input stops short, an
 *       {@link EOFException} or a clean end); nothing else may escape;</li>
 *   <li>accepted, and then the framing round-trips: what was accepted, written out again in
 *       canonical form, parses to the same thing, and the bytes after it are left exactly as they
 *       were, for the next request.</li>
 * </ul>
 * and the connection's buffer never grows past the limit the server gives it.
 *
 * <p>{@code ./loomkit test} runs these in Jazzer's regression mode: every input under
 * {@code src/test/resources/dev/loomkit/server/http1/HttpCodecFuzzTestInputs/<method>/} once, in a
 * second or two. A coverage-guided run is on demand (one target per run; README, "Fuzzing"):
 * <pre>
 * JAZZER_FUZZ=1 ./loomkit mvn -pl blocking-server -am test -Dtest='HttpCodecFuzzTest#fuzzHeadParser' \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.max_duration=10m -Djunit.jupiter.execution.timeout.mode=disabled
 * </pre>
 * (the whole fuzzing run is one invocation of the test, so its JUnit timeout is lifted).
 * A crash it finds is written to that inputs directory, so it stays in the regression run once
 * committed.
 */
@Timeout(120)
class HttpCodecFuzzTest {
    /** The server's defaults, and limits small enough that fuzzed inputs reach them. */
    private static final ServerConfig[] CONFIGS = {
        ServerConfig.defaults(),
        ServerConfig.defaults().withMaxRequestLineBytes(64).withMaxHeaderBytes(256).withMaxHeaderCount(4),
    };
    private static final RequestHeadParser[] PARSERS = Arrays.stream(CONFIGS).map(RequestHeadParser::new)
            .toArray(RequestHeadParser[]::new);
    private static final long MAX_BODY = 4096;
    private static final long DRAIN_BUDGET = 512;
    /** What a drain may read past its budget: one read of chunk data, or one size or trailer section. */
    private static final long DRAIN_OVERSHOOT = 8192 + 2;

    @FuzzTest(maxDuration = "30s")
    void fuzzHeadParser(byte[] data) throws IOException {
        for (int k = 0; k < CONFIGS.length; k++) {
            ServerConfig config = CONFIGS[k];
            int maxSize = config.maxRequestLineBytes() + config.maxHeaderBytes() + 4; // as Connection sizes it
            HttpInput in = input(data, maxSize);
            RequestHead head;
            try {
                head = PARSERS[k].parse(in, () -> { });
            } catch (ProtocolException refused) {
                assertTrue(refused.status() >= 400 && refused.status() < 600, refused.toString());
                assertBounded(in, maxSize);
                continue;
            } catch (EOFException cut) {
                continue; // the input stopped inside a head: the client left
            }
            assertBounded(in, maxSize);
            if (head == null) {
                continue; // nothing but empty lines, then the end
            }
            long end = in.consumed();
            assertTrue(end >= 2 && data[(int) end - 1] == '\n', "a head ends with LF at " + end);
            assertArrayEquals(Arrays.copyOfRange(data, (int) end, data.length), rest(in),
                    "the parser left the bytes after the head as they were");

            byte[] canonical = canonical(head);
            HttpInput again = input(canonical, Math.max(maxSize, canonical.length));
            RequestHead reparsed = new RequestHeadParser(ServerConfig.defaults()).parse(again, () -> { });
            assertNotNull(reparsed);
            assertEquals(canonical.length, again.consumed(), "the canonical head is read to its end");
            assertEquals(head.method(), reparsed.method());
            assertEquals(head.target(), reparsed.target());
            assertEquals(head.path(), reparsed.path());
            assertEquals(head.query(), reparsed.query());
            assertEquals(head.http11(), reparsed.http11());
            assertEquals(head.fields(), reparsed.fields());
            assertEquals(head.contentLength(), reparsed.contentLength());
            assertEquals(head.chunked(), reparsed.chunked());
            assertEquals(head.expectContinue(), reparsed.expectContinue());
            assertEquals(head.keepAlive(), reparsed.keepAlive());
        }
    }

    @FuzzTest(maxDuration = "30s")
    void fuzzChunkedDecoder(byte[] data) throws IOException {
        int maxSize = 8 * 1024;
        HttpInput in = input(data, maxSize);
        var body = new BodyInputStream.Chunked(in, BodyInputStream.ReadGuard.NONE, MAX_BODY);
        byte[] decoded;
        try {
            decoded = body.readAllBytes();
        } catch (ProtocolException refused) {
            assertTrue(refused.status() == 400 || refused.status() == 413, refused.toString());
            assertBounded(in, maxSize);
            assertDrainKeepsItsBudget(data);
            return;
        } catch (EOFException cut) {
            assertDrainKeepsItsBudget(data);
            return; // the input stopped inside the body: the client left
        }
        assertBounded(in, maxSize);
        assertTrue(body.isComplete());
        assertTrue(decoded.length <= MAX_BODY, "decoded " + decoded.length + " bytes over the limit");
        long end = in.consumed();
        byte[] after = Arrays.copyOfRange(data, (int) end, data.length);
        assertArrayEquals(after, rest(in), "the decoder left the bytes after the body as they were");
        assertDrainKeepsItsBudget(data);

        // Round trip: the same body in chunks of another size, followed by the same bytes, decodes
        // to the same body and leaves the same bytes.
        int chunk = 1 + (data.length == 0 ? 0 : (data[0] & 0x3f));
        var wire = new ByteArrayOutputStream();
        for (int i = 0; i < decoded.length; i += chunk) {
            int n = Math.min(chunk, decoded.length - i);
            wire.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            wire.write(decoded, i, n);
            wire.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        }
        wire.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        wire.writeBytes(after);
        HttpInput again = input(wire.toByteArray(), maxSize);
        var reread = new BodyInputStream.Chunked(again, BodyInputStream.ReadGuard.NONE, MAX_BODY);
        assertArrayEquals(decoded, reread.readAllBytes());
        assertArrayEquals(after, rest(again));
    }

    /** Draining (as the server does for a body nobody read) stops within its budget, counting every byte on the wire. */
    private static void assertDrainKeepsItsBudget(byte[] data) {
        HttpInput in = input(data, 8 * 1024);
        var body = new BodyInputStream.Chunked(in, BodyInputStream.ReadGuard.NONE, Long.MAX_VALUE);
        boolean complete = body.drain(DRAIN_BUDGET);
        long read = in.consumed();
        assertTrue(read <= DRAIN_BUDGET + DRAIN_OVERSHOOT, "drained " + read + " bytes on a budget of " + DRAIN_BUDGET);
        if (complete) {
            assertTrue(body.isComplete());
            assertTrue(read <= DRAIN_BUDGET, "a drain that read " + read + " bytes reported success");
        }
    }

    /** The buffer stays within the limit it was given (or its initial size, if that is larger). */
    private static void assertBounded(HttpInput in, int maxSize) {
        int limit = Math.max(HttpInput.INITIAL_SIZE, maxSize);
        if (in.buf.length > limit) {
            fail("input buffer grew to " + in.buf.length + " bytes, over its limit of " + limit);
        }
    }

    private static HttpInput input(byte[] data, int maxSize) {
        return new HttpInput(Channels.newChannel(new ByteArrayInputStream(data)), maxSize);
    }

    private static byte[] rest(HttpInput in) throws IOException {
        var out = new ByteArrayOutputStream();
        byte[] b = new byte[4096];
        for (int n; (n = in.read(b, 0, b.length)) > 0; ) {
            out.write(b, 0, n);
        }
        return out.toByteArray();
    }

    /** The head as a strict sender would write it: single spaces, CRLF, no optional whitespace. */
    private static byte[] canonical(RequestHead head) {
        var s = new StringBuilder().append(head.method()).append(' ').append(head.target()).append(' ')
                .append(head.version()).append("\r\n");
        for (Headers.Field f : head.fields()) {
            s.append(f.name()).append(": ").append(f.value()).append("\r\n");
        }
        return s.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }
}
