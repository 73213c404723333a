package dev.loomkit.comparison.demo;

import dev.loomkit.comparison.Cli;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * The slow backend of the I/O-bound scenarios: {@code GET /delay?ms=N} answers {@code ok} after N
 * ms (0 to 60,000); {@code GET /count} answers how many delayed answers it has sent. It runs in a JVM
 * of its own, the same one for every mode compared.
 *
 * <p>It must cost next to nothing, or it takes the CPU the comparison means to give the server: one
 * platform thread runs a selector loop, and the delays wait in a priority queue ordered by when
 * they are due, so a waiting answer costs an entry, not a thread. The loop sleeps in
 * {@code select} until the next answer is due or a socket is ready; answers are sent within a
 * millisecond of their time, and in request order on each connection (a later request with a
 * shorter delay waits for the one before it).
 *
 * <p>It speaks the HTTP/1.1 its client ({@link BackendClient}) speaks, and refuses the rest
 * plainly: a GET without a body; anything else, or a head over {@value #MAX_HEAD} bytes, gets a
 * 400 and the connection is closed. Every budget is bounded: at most {@value #MAX_CONNECTIONS}
 * connections (past that it stops accepting until one closes), {@value #MAX_WAITING} answers
 * waiting per connection (past that it stops reading from it), and {@value #MAX_UNSENT} bytes not
 * yet taken by a client (past that the connection is closed).
 */
public final class Backend implements AutoCloseable {
    static final int MAX_HEAD = 8 * 1024;
    static final int MAX_CONNECTIONS = 18_000;
    static final int MAX_WAITING = 256;
    static final int MAX_UNSENT = 64 * 1024;
    static final long MAX_DELAY_MS = 60_000;

    private static final byte[] OK = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")
            .getBytes(StandardCharsets.ISO_8859_1);

    private final Selector selector;
    private final ServerSocketChannel listener;
    private final SelectionKey acceptKey;
    /** When accepting resumes after a failed accept (nanoTime base), or 0; the loop's thread only. */
    private long acceptRetryAt;
    private static final long ACCEPT_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private final Thread loop;
    /** Answers waiting for their time, earliest first; touched by the loop thread only. */
    private final PriorityQueue<Due> due = new PriorityQueue<>();
    private final AtomicLong sent = new AtomicLong();
    private volatile boolean closing;
    /** Written and read by the loop thread only. */
    private long sequence;
    private int connections;

    /** What a request gets: an answer, after a delay; {@code last} ends the connection once it is sent. */
    private record Answer(byte[] bytes, long delayMs, boolean last) {
    }

    private static final Answer BAD = new Answer(
            "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0, true);
    private static final Answer NOT_FOUND = new Answer(
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0, false);

    /** The answer to /count: its bytes are made when it is sent. */
    private static final Answer COUNT = new Answer(new byte[0], 0, false);

    /** An answer due at {@code atNanos}; ties go in the order the requests came. */
    private record Due(long atNanos, long seq, Conn conn, Answer answer) implements Comparable<Due> {
        @Override
        public int compareTo(Due o) {
            int c = Long.compare(atNanos - o.atNanos, 0); // nanoTime may wrap: compare differences
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** One client connection; owned by the loop thread. */
    private static final class Conn {
        final SocketChannel channel;
        final SelectionKey key;
        final ByteBuffer in = ByteBuffer.allocate(MAX_HEAD); // in write mode between reads
        final ArrayDeque<ByteBuffer> unsent = new ArrayDeque<>();
        int unsentBytes;
        int waiting;
        long lastDue;
        /** A request was refused: read no more, close once the answers before it and its 400 are sent. */
        boolean ending;
        /**
         * The client shut down its sending side (a half-close): read no more, answer what it sent,
         * then close.
         */
        boolean inputEnded;
        boolean closed;

        Conn(SocketChannel channel, SelectionKey key) {
            this.channel = channel;
            this.key = key;
        }
    }

    private Backend(InetSocketAddress bind) throws IOException {
        selector = Selector.open();
        try {
            listener = ServerSocketChannel.open();
            listener.bind(bind, 4096);
            listener.configureBlocking(false);
            acceptKey = listener.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException e) {
            selector.close();
            throw e;
        }
        loop = Thread.ofPlatform().name("backend-loop-" + port()).daemon(false).unstarted(this::run);
    }

    /**
     * Starts a backend.
     *
     * @param bind where to listen (port 0 for any)
     * @return the running backend
     * @throws IOException if it cannot listen
     */
    public static Backend start(InetSocketAddress bind) throws IOException {
        var b = new Backend(bind);
        b.loop.start();
        return b;
    }

    /** {@return the port it listens on} */
    public int port() {
        return listener.socket().getLocalPort();
    }

    /** {@return how many delayed answers it has sent} */
    public long sent() {
        return sent.get();
    }

    /** Stops the loop and closes every connection; returns once the loop has ended (at most 10 s). */
    @Override
    public void close() throws InterruptedException {
        closing = true;
        selector.wakeup();
        if (Thread.currentThread() != loop && !loop.join(java.time.Duration.ofSeconds(10))) {
            throw new IllegalStateException("backend loop did not stop within 10 s");
        }
    }

    /** {@code backend [PORT]}: serves until the process ends; the comparison's child, not for people. */
    @Command(name = "backend", hidden = true, description = "The comparison's backend: answers after the delay asked for.")
    public static final class BackendCommand implements Callable<Integer> {
        @Mixin
        private Cli.Help help;
        @Parameters(paramLabel = "PORT", arity = "0..1", description = "the port (0, the default, for any; the chosen one is printed)")
        private int port;

        @Override
        public Integer call() throws Exception {
            serve(port);
            return 0;
        }
    }

    private static void serve(int port) throws Exception {
        Backend backend = start(new InetSocketAddress("127.0.0.1", port));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                backend.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "backend-shutdown"));
        System.out.println("backend listening on port " + backend.port());
        System.out.flush();
        backend.loop.join();
    }

    private void run() {
        try {
            while (!closing) {
                long wait = resumeAccepting(sendDue());
                if (wait < 0) {
                    selector.selectNow();
                } else {
                    selector.select(wait); // 0: nothing due, sleep until a socket is ready
                }
                for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key == acceptKey) {
                        accept();
                    } else {
                        Conn c = (Conn) key.attachment();
                        if (key.isWritable()) {
                            flush(c);
                        }
                        if (!c.closed && key.isValid() && key.isReadable()) {
                            read(c);
                        }
                    }
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            System.err.println("backend loop failed: " + e);
        } finally {
            for (SelectionKey k : selector.keys()) {
                closeQuietly(k.channel());
            }
            closeQuietly(selector);
            closeQuietly(listener);
        }
    }

    /** Sends what is due; returns the ms until the next answer is due, 0 if none waits, -1 if one is due already. */
    private long sendDue() {
        long now = System.nanoTime();
        for (Due d; (d = due.peek()) != null; ) {
            long left = d.atNanos - now;
            if (left > 0) {
                return Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999)); // round up: never early
            }
            due.poll();
            Conn c = d.conn;
            if (c.closed) {
                continue;
            }
            c.waiting--;
            if (d.answer == COUNT) {
                send(c, countAnswer());
            } else {
                if (d.answer.bytes == OK) {
                    sent.incrementAndGet(); // before the write: whoever got the answer sees it counted
                }
                send(c, d.answer.bytes);
            }
            if (d.answer.last) {
                closeWhenSent(c);
            } else if (!c.closed && c.waiting < MAX_WAITING) {
                parse(c); // requests held back by the waiting limit may go now
                if (c.inputEnded && c.waiting == 0) {
                    closeWhenSent(c); // the last answer a half-closed client is owed
                } else {
                    interest(c);
                }
            }
            now = System.nanoTime();
        }
        return 0;
    }

    /**
     * After a failed accept: accepts again once {@link #ACCEPT_RETRY_NANOS} have passed, even if no
     * connection has closed meanwhile (with none open, none would).
     *
     * @param wait what the loop would wait, as {@link #sendDue} returns it
     * @return what it should wait, the retry included
     */
    private long resumeAccepting(long wait) {
        if (acceptRetryAt == 0) {
            return wait;
        }
        long left = acceptRetryAt - System.nanoTime();
        if (left <= 0) {
            acceptRetryAt = 0;
            if (acceptKey.isValid() && connections < MAX_CONNECTIONS) {
                acceptKey.interestOps(SelectionKey.OP_ACCEPT);
            }
            return wait;
        }
        long leftMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999));
        return wait < 0 ? wait : wait == 0 ? leftMs : Math.min(wait, leftMs);
    }

    private void accept() throws IOException {
        while (connections < MAX_CONNECTIONS) {
            SocketChannel ch;
            try {
                ch = listener.accept();
            } catch (IOException e) {
                // Out of descriptors, say: stop accepting for a while rather than spin; a connection
                // that closes, or the retry time, turns it on again.
                System.err.println("backend accept failed (accepting again in 100 ms, or when a connection closes): " + e);
                acceptKey.interestOps(0);
                acceptRetryAt = System.nanoTime() + ACCEPT_RETRY_NANOS;
                return;
            }
            if (ch == null) {
                return;
            }
            try {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                SelectionKey key = ch.register(selector, SelectionKey.OP_READ);
                key.attach(new Conn(ch, key));
                connections++;
            } catch (IOException e) {
                closeQuietly(ch); // this connection is unusable (reset already, say); the others go on
            }
        }
        acceptKey.interestOps(0); // full: the kernel's backlog holds the rest until one closes
    }

    private void read(Conn c) {
        int n;
        try {
            n = c.channel.read(c.in);
        } catch (IOException e) {
            close(c);
            return;
        }
        if (n < 0) {
            // A half-close: the requests already read are still owed their answers.
            c.inputEnded = true;
            if (c.waiting == 0) {
                closeWhenSent(c);
            } else {
                interest(c);
            }
            return;
        }
        parse(c);
        if (!c.closed) {
            interest(c);
        }
    }

    /** Takes each complete head from the input, within the waiting limit. */
    private void parse(Conn c) {
        ByteBuffer in = c.in;
        while (!c.closed && !c.ending && c.waiting < MAX_WAITING) {
            int end = headEnd(in.array(), in.position());
            Answer a;
            if (end >= 0) {
                a = answer(in.array(), end);
                // Keep what follows this head (pipelined requests) at the start of the buffer.
                in.flip().position(end);
                in.compact();
            } else if (!in.hasRemaining()) {
                a = BAD; // a head that does not fit
            } else {
                return;
            }
            long at = Math.max(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(a.delayMs), c.lastDue);
            c.lastDue = at;
            c.waiting++;
            c.ending = a.last;
            due.add(new Due(at, sequence++, c, a));
        }
    }

    /** {@return the answer to the head in {@code b[0, end)}} */
    private Answer answer(byte[] b, int end) {
        String head = new String(b, 0, end, StandardCharsets.ISO_8859_1);
        int eol = head.indexOf("\r\n");
        String line = head.substring(0, eol);
        String fields = head.substring(eol + 2).toLowerCase(java.util.Locale.ROOT);
        boolean body = fields.contains("transfer-encoding:") || fields.contains("content-length:") && !fields.contains("content-length: 0\r");
        if (!line.startsWith("GET ") || !line.endsWith(" HTTP/1.1") || body) {
            return BAD;
        }
        String target = line.substring(4, line.length() - 9);
        if (target.equals("/count")) {
            return COUNT;
        }
        if (!target.startsWith("/delay?ms=")) {
            return NOT_FOUND;
        }
        String ms = target.substring(10);
        if (ms.isEmpty() || ms.length() > 5 || !ms.chars().allMatch(ch -> ch >= '0' && ch <= '9') || Long.parseLong(ms) > MAX_DELAY_MS) {
            return BAD;
        }
        return new Answer(OK, Long.parseLong(ms), false);
    }

    /** {@return the answer to /count, made when it is sent: it counts the delayed answers sent before it} */
    private byte[] countAnswer() {
        String count = Long.toString(sent.get());
        return ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + count.length() + "\r\n\r\n" + count)
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /** {@return the index just past the blank line ending the head in {@code b[0, limit)}, or -1} */
    static int headEnd(byte[] b, int limit) {
        for (int i = 3; i < limit; i++) {
            if (b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n' && b[i - 3] == '\r') {
                return i + 1;
            }
        }
        return -1;
    }

    /** Closes the connection now if all is sent, else once the last unsent byte is. */
    private void closeWhenSent(Conn c) {
        if (c.unsent.isEmpty()) {
            close(c);
        } else {
            interest(c); // flush closes it when the queue empties
        }
    }

    private void send(Conn c, byte[] answer) {
        ByteBuffer b = ByteBuffer.wrap(answer);
        if (c.unsent.isEmpty()) {
            try {
                c.channel.write(b);
            } catch (IOException e) {
                close(c);
                return;
            }
        }
        if (b.hasRemaining()) {
            c.unsentBytes += b.remaining();
            c.unsent.add(b);
            if (c.unsentBytes > MAX_UNSENT) {
                close(c); // a client that does not read its answers
                return;
            }
            interest(c);
        }
    }

    private void flush(Conn c) {
        try {
            for (ByteBuffer b; (b = c.unsent.peek()) != null; ) {
                c.unsentBytes -= c.channel.write(b);
                if (b.hasRemaining()) {
                    return;
                }
                c.unsent.poll();
            }
        } catch (IOException e) {
            close(c);
            return;
        }
        if ((c.ending || c.inputEnded) && c.waiting == 0) {
            close(c);
        } else {
            interest(c);
        }
    }

    /** Reads while there is room for input and for answers; writes while answers are unsent. */
    private void interest(Conn c) {
        if (c.closed || !c.key.isValid()) {
            return;
        }
        int ops = 0;
        if (!c.ending && !c.inputEnded && c.waiting < MAX_WAITING && c.in.hasRemaining()) {
            ops |= SelectionKey.OP_READ;
        }
        if (!c.unsent.isEmpty()) {
            ops |= SelectionKey.OP_WRITE;
        }
        c.key.interestOps(ops);
    }

    private void close(Conn c) {
        if (c.closed) {
            return;
        }
        c.closed = true;
        c.key.cancel();
        closeQuietly(c.channel);
        connections--;
        if (acceptKey.isValid() && acceptKey.interestOps() == 0) {
            acceptKey.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing on the way out: nothing left to tell
        }
    }
}
