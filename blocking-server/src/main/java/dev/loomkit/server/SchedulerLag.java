package dev.loomkit.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * How long a request that arrives now waits before its handler runs: the wait in the kernel's
 * list of ready sockets, for the poller's next batch, and then in the virtual-thread scheduler's
 * queue. That is where requests wait when their handlers never block, and admission closes on it
 * ({@link Admission}, ADR 0007).
 *
 * <p>The model. Handlers that block (on a backend, a lock, a sleep) wait in admission's queue,
 * where a limit on requests in flight can see and bound them. Handlers that never block run from
 * admission to their response in one turn on a carrier, so at most one request per carrier is ever
 * in flight, and the requests that wait for a core wait before admission: their sockets sit in the
 * kernel's ready list (the JDK's poller takes 64 per batch, then yields to the threads it woke),
 * their threads in the carrier's queue. Under a closed-loop load of thousands of CPU-bound requests
 * that wait is seconds long, every request outlives its client, and the in-flight limit never binds.
 *
 * <p>How it is measured: by a request of its own. A pipe stands in for a client connection: a
 * platform thread writes a byte every {@link #SAMPLE_SPACING_NANOS} (unless the last is still
 * unread) and notes the time; a virtual thread blocks reading the pipe, as a connection thread
 * blocks reading its socket. The byte makes the pipe ready behind the sockets already ready, the
 * poller wakes the reader behind the threads already runnable, and when the reader runs, the time
 * since the write is one sample of the wait a request's bytes would have had. Nothing of it is an
 * external submission to the scheduler (a timed wake-up, a new thread, an unpark from a platform
 * thread), which the JDK 25 scheduler takes only when its carriers run out of work of their own:
 * under sustained CPU load such a probe is never run at all (ADR 0007's canary probe). A byte
 * still unread is a lower bound: {@link #takeWindow} counts its age.
 *
 * <p>Only the virtual mode needs it ({@link #NONE} for the others, whose pool size bounds what
 * runs).
 *
 * <p>Threads: the writer (a platform thread) sets {@code pendingSince}; the reader (a virtual
 * thread) writes the samples and clears it; one thread (the sweeper) calls {@link #takeWindow};
 * any thread may call {@link #currentNanos}; {@link #start} and {@link #stop} belong to the
 * server's lifecycle (one thread, start before stop).
 */
final class SchedulerLag {
    /** The least time between two samples. */
    static final long SAMPLE_SPACING_NANOS = 10_000_000L;

    /** For the platform modes: nothing measured; always 0. */
    static final SchedulerLag NONE = new SchedulerLag(false);

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HttpServer.class);

    private final boolean enabled;
    /** When the unread byte was written, or 0 if none is: the writer sets it, the reader clears it. */
    private volatile long pendingSince;
    /** The last completed sample (the reader writes it). */
    private volatile long lastNanos;
    /** The least sample completed since the last {@link #takeWindow}; the reader lowers it, the sweeper resets it. */
    private final AtomicLong windowMin = new AtomicLong(Long.MAX_VALUE);
    /** The greatest sample of the window {@link #takeWindow} last ended (the sweeper's). */
    private long lastWindowMax;
    /** The greatest sample completed since the last {@link #takeWindow}; the reader raises it, the sweeper resets it. */
    private final AtomicLong windowMax = new AtomicLong();
    private final java.util.concurrent.atomic.LongAdder samples = new java.util.concurrent.atomic.LongAdder();
    private volatile boolean running;
    /**
     * Set when the probe broke (its pipe failed, or its reader ended, while running): it then
     * measures nothing, rather than an unread byte aging forever, which admission would take for a
     * scheduler overloaded for good. Either probe thread sets it; anyone reads it.
     */
    private volatile boolean failed;
    private Pipe pipe;
    private Thread writer;
    private Thread reader;

    private SchedulerLag(boolean enabled) {
        this.enabled = enabled;
    }

    /** {@return a lag meter for the virtual mode, not yet started} */
    static SchedulerLag ofVirtualThreads() {
        return new SchedulerLag(true);
    }

    /** {@return whether this measures anything: false for {@link #NONE}, and once the probe has failed} */
    boolean measures() {
        return enabled && !failed;
    }

    /**
     * Opens the pipe and starts the writer and the reader.
     *
     * @param name the threads' name, which each suffixes
     * @throws IOException if the pipe cannot be opened
     * @throws IllegalStateException if already started
     */
    void start(String name) throws IOException {
        if (!enabled) {
            return;
        }
        if (pipe != null) {
            throw new IllegalStateException("scheduler lag probe " + name + " already started");
        }
        pipe = Pipe.open();
        running = true;
        try {
            reader = Thread.ofVirtual().name(name + "-reader").start(this::readLoop);
            writer = Thread.ofPlatform().daemon().name(name + "-writer").start(this::writeLoop);
        } catch (RuntimeException | Error e) { // no thread to be had: leave nothing behind
            stop();
            throw e;
        }
    }

    /** Stops both threads and closes the pipe; an interrupt meanwhile is kept for the caller. */
    void stop() {
        if (pipe == null) {
            return;
        }
        running = false;
        if (writer != null) {
            LockSupport.unpark(writer);
            Uninterruptibly.join(writer);
        }
        close(pipe.sink()); // the reader reads the end of the stream
        if (reader != null) {
            Uninterruptibly.join(reader);
        }
        close(pipe.source());
    }

    /** {@return the last sample, in nanoseconds, or the unread byte's age if that is larger} Any thread. */
    long currentNanos(long now) {
        if (!measures()) {
            return 0;
        }
        long p = pendingSince;
        return Math.max(lastNanos, p == 0 ? 0 : now - p);
    }

    /**
     * Sweeper: ends the window of samples. Its lag is the least sample completed in it; with none
     * completed, the age of the unread byte (a lower bound on it); with none unread either, 0.
     *
     * @param now {@link System#nanoTime()}
     * @return the window's lag in nanoseconds
     */
    long takeWindow(long now) {
        if (!measures()) {
            return 0; // (NONE is shared by every platform-mode server: it keeps no window)
        }
        long min = windowMin.getAndSet(Long.MAX_VALUE);
        long max = windowMax.getAndSet(0);
        long p = pendingSince;
        long pending = p == 0 ? 0 : Math.max(0, now - p);
        lastWindowMax = Math.max(max, pending);
        return min != Long.MAX_VALUE ? min : pending;
    }

    /**
     * {@return the greatest sample of the window {@link #takeWindow} last ended, or the unread
     * byte's age then if greater} The sweeper's, after {@code takeWindow}.
     */
    long windowMaxNanos() {
        return lastWindowMax;
    }

    private void writeLoop() {
        ByteBuffer one = ByteBuffer.allocate(1);
        while (running) {
            LockSupport.parkNanos(this, SAMPLE_SPACING_NANOS);
            if (!running || pendingSince != 0) {
                continue;
            }
            long now = System.nanoTime();
            pendingSince = now == 0 ? 1 : now; // before the write: the reader may run at once
            one.clear();
            try {
                pipe.sink().write(one); // a pipe's buffer holds 64 KiB; at most one byte is unread
            } catch (IOException e) {
                if (running) {
                    fail();
                    LOG.warn("scheduler lag probe: writing failed; admission no longer sees the scheduler's queue", e);
                }
                return;
            }
        }
    }

    private void readLoop() {
        ByteBuffer buf = ByteBuffer.allocate(16);
        try {
            while (true) {
                buf.clear();
                if (pipe.source().read(buf) < 0) {
                    if (running) { // the sink closed under the writer (it failed, or was interrupted)
                        fail();
                    }
                    return;
                }
                long now = System.nanoTime();
                long p = pendingSince;
                if (p != 0) {
                    record(Math.max(0, now - p));
                    pendingSince = 0;
                }
            }
        } catch (IOException e) {
            if (running) {
                fail();
                LOG.warn("scheduler lag probe: reading failed; admission no longer sees the scheduler's queue", e);
            }
        }
    }

    /** Either probe thread, on a failure while running: from now on nothing is measured. */
    private void fail() {
        failed = true;
        pendingSince = 0;
    }

    /** Tests, on a meter not started: a byte written at {@code since} ({@link System#nanoTime()} scale) and not yet read; 0 for none. */
    void pendingSince(long since) {
        pendingSince = since;
    }

    /** Tests: breaks the probe as a failed pipe would (its writer's end closes). */
    void breakPipe() throws IOException {
        pipe.sink().close();
    }

    /** The reader (and tests, on a meter not started): one completed sample. */
    void record(long lag) {
        lastNanos = lag;
        windowMin.accumulateAndGet(lag, Math::min);
        windowMax.accumulateAndGet(lag, Math::max);
        samples.increment();
    }

    /** {@return samples completed since the start} Tests. */
    long samples() {
        return samples.sum();
    }

    private static void close(java.nio.channels.Channel c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing a pipe end at shutdown: nothing to do about it
        }
    }
}
