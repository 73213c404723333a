package dev.loomkit.comparison.bench;

import dev.loomkit.comparison.demo.BareServer;
import dev.loomkit.comparison.http.ResponseReader;
import dev.loomkit.server.HttpServer;
import dev.loomkit.server.Response;
import dev.loomkit.server.Router;
import dev.loomkit.server.ServerConfig;
import dev.loomkit.server.ThreadMode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The HTTP server's request path, in process: one keep-alive connection on 127.0.0.1, and per
 * operation a batch of {@value #BATCH} pipelined {@code GET /hello} requests sent in one write, then
 * the {@value #BATCH} responses read and parsed (status line, header fields up to CR LF CR LF,
 * {@code Content-Length} bytes of body); any status other than 200 throws. The score is the average
 * time per request in microseconds ({@link OperationsPerInvocation}): what the server spends on one
 * request (reading and parsing its head, routing, the handler's {@code Response.text}, writing the
 * response) plus this client's share and the loopback, which all modes pay alike.
 *
 * <p>{@code mode}: the loomkit server ({@link HttpServer}, default limits, no meter registry and no
 * access log, so no metrics are recorded) with a virtual thread per connection, or with a pool of
 * {@value #PLATFORM_POOL} platform threads; or {@code bare}, the comparison's reference
 * {@link BareServer}, the least a virtual-thread-per-connection server can do. The gap between a
 * loomkit row and the bare row is what the loomkit machinery costs per request. Note that loomkit
 * flushes each response as it is written, while the bare server writes once per batch of pipelined
 * answers, so part of the gap is system calls.
 *
 * <p>Allocation: with {@code -prof gc}, {@code gc.alloc.rate.norm} is bytes per request, taken from
 * the JVM-wide count of bytes allocated by all threads: the client and the server run in this one
 * JVM, so it is the sum of both (and of the carrier threads that run the server's virtual threads).
 * The client is written to allocate nothing per request once warm (it parses in the stream's own
 * buffer), and the bare server allocates next to nothing per request, so the {@code bare} row is
 * roughly the floor of client, JDK socket and JMH overhead; subtract it from a loomkit row for the
 * server's own allocation. Run it with the profiler through JMH's main class, for example
 * {@code java --enable-preview -cp <runtime class path> org.openjdk.jmh.Main RequestPathBenchmark -prof gc};
 * {@code ./loomkit run bench --include RequestPathBenchmark} runs it in the short profile, time only.
 *
 * <p>On a small machine the client thread and the server's thread share the cores, and each batch
 * is one round trip: the client waits while the server works and the other way round.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 14, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = {"--enable-preview", "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public class RequestPathBenchmark {
    /** Requests per pipelined batch, and so per benchmark invocation. */
    static final int BATCH = 16;
    /** Platform mode's pool: small, as one connection needs one thread. */
    static final int PLATFORM_POOL = 4;
    /** The one request, repeated {@value #BATCH} times in a batch. */
    static final String REQUEST = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
    /** What {@code /hello} answers, in both servers. */
    static final String HELLO = "hello\n";

    /** The server's defaults in a mode (virtual: with its adaptive admission limit), virtual-unlimited (without it), or bare. */
    @Param({"virtual", "virtual-unlimited", "platform", "bare"})
    String mode;

    private HttpServer server;
    private BareServer bare;
    private InetSocketAddress address;

    /** Starts the server of this {@code mode} on a free port. @throws IOException if it cannot bind */
    @Setup(Level.Trial)
    public void startServer() throws IOException {
        if (mode.equals("bare")) {
            bare = BareServer.start(0);
            address = new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), bare.port());
            return;
        }
        boolean unlimited = mode.equals("virtual-unlimited");
        var config = ServerConfig.defaults()
                .withAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))
                .withPort(0)
                .withThreadMode(ThreadMode.parse(unlimited ? "virtual" : mode))
                .withPlatformPoolSize(PLATFORM_POOL);
        if (unlimited) {
            config = config.withAdaptiveAdmission(false); // what admission costs a request: the difference
        }
        var router = Router.builder().get("/hello", request -> Response.text(200, HELLO)).build();
        server = HttpServer.start(config, router);
        address = server.address();
    }

    /** Closes the server, and with it any connection still open. */
    @TearDown(Level.Trial)
    public void stopServer() {
        if (server != null) {
            server.close();
            server = null;
        }
        if (bare != null) {
            bare.close();
            bare = null;
        }
    }

    /** {@return where the server of this trial listens} */
    InetSocketAddress address() {
        return address;
    }

    /**
     * One batch of {@value #BATCH} pipelined requests and their responses.
     *
     * @param client this thread's connection
     * @return the body bytes received, for the blackhole
     * @throws IOException if the connection fails, or a response is not a 200
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long hello(Client client) throws IOException {
        return client.exchange();
    }

    /** One keep-alive connection per benchmark thread, opened once per trial. */
    @State(Scope.Thread)
    public static class Client {
        private static final byte[] BATCH_BYTES = REQUEST.repeat(BATCH).getBytes(StandardCharsets.US_ASCII);

        private Socket socket;
        private OutputStream out;
        private ResponseReader in;

        /**
         * Connects to the trial's server.
         *
         * @param bench the benchmark state, whose server is started first
         * @throws IOException if it cannot connect
         */
        @Setup(Level.Trial)
        public void connect(RequestPathBenchmark bench) throws IOException {
            connect(bench.address());
        }

        void connect(InetSocketAddress address) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000); // a server that stops answering fails the run instead of hanging it
            socket.connect(address, 5_000);
            out = socket.getOutputStream();
            in = new ResponseReader(socket.getInputStream(), 16 * 1024);
        }

        /** Closes the connection. @throws IOException if closing fails */
        @TearDown(Level.Trial)
        public void close() throws IOException {
            if (socket != null) {
                socket.close();
                socket = null;
            }
        }

        /**
         * Writes one batch in one write, then reads exactly {@value #BATCH} responses.
         *
         * @return the body bytes received
         * @throws IOException if the connection fails, or a response is not a 200
         */
        long exchange() throws IOException {
            out.write(BATCH_BYTES);
            long bodyBytes = 0;
            for (int i = 0; i < BATCH; i++) {
                bodyBytes += readOk(in);
            }
            return bodyBytes;
        }
    }

    /**
     * Reads one response that must be a 200 with its length given and its lines ended by CR LF
     * (what loomkit and the bare server send: a regression to anything looser fails the run),
     * and skips its body.
     *
     * @return the body's length
     * @throws IOException if the stream ends or breaks, the response is malformed, its status is
     *                     not 200, a line ends in a lone LF, or its body is not framed by Content-Length
     */
    static int readOk(ResponseReader in) throws IOException {
        int r = in.readHead();
        if (ResponseReader.status(r) != 200) {
            throw new IOException("expected 200, got " + ResponseReader.status(r));
        }
        if (in.bareLineEnds()) {
            throw new IOException("a response line ended in a lone LF, not CR LF");
        }
        if (in.contentLength() < 0 || ResponseReader.closes(r)) {
            throw new IOException("a 200 without Content-Length, or one that ends the connection: a batch needs its length and the connection");
        }
        in.skipBody();
        return (int) in.bodyLength();
    }
}
