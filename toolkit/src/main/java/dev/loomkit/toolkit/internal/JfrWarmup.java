package dev.loomkit.toolkit.internal;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;

/**
 * Makes the toolkit's JFR events ready on a thread of their own, once JFR is running, so that no
 * task waits for that. The first event of a class loads it and starts JFR's machinery behind it,
 * which took 250–470 ms in a fresh JVM; done on demand, that landed on the first cancellation or
 * the first contended lock, so the first deadline of a process was that much late. Done on a thread
 * beside a process that has just started, it still took the CPU that the process's first deadline
 * needed (its cancellation woke its task 4–18 ms late on this 2-core machine, against 5–6 without).
 *
 * <p>So: until JFR is initialised (a recording started with the JVM, by {@code jcmd JFR.start} or
 * through the API) there is nothing to record events to, and none are made. Once it is, a listener
 * starts the warm-up; until that has finished, callers ask {@link #isReady()} and do without the
 * event (a lock wait's duration event) or hand it to {@link #whenReady(Runnable)}, which commits it
 * on the warm-up thread once it can (a cancellation's summary, whose figures are its fields).
 */
public final class JfrWarmup {
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static final AtomicBoolean WARMING = new AtomicBoolean();
    private static final CountDownLatch READY = new CountDownLatch(1);
    /** Set once JFR has been initialised in this JVM; events before that have no recording to go to. */
    private static volatile boolean recorder;
    /**
     * Set by the warm-up thread once the event classes are loaded; read by every caller. Events
     * handed over before it is set are run by the warm-up thread, or by their maker if it sees it
     * set after handing over (a volatile write and read each side of the queue: one of the two
     * sees the other's).
     */
    private static volatile boolean loaded;
    /** Set by the warm-up thread if the event classes could not be made ready: no event is made then. */
    private static volatile boolean broken;
    /** Events made before the warm-up ended; bounded, since the warm-up is short and a burst of cancellations need not be. */
    private static final ConcurrentLinkedQueue<Runnable> PENDING = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger PENDING_COUNT = new AtomicInteger();
    /** Tests only: the warm-up waits for this before it starts, so that what comes before it ends can be seen. */
    static volatile CountDownLatch holdForTests;
    static final int MAX_PENDING = 1024;

    private JfrWarmup() {
    }

    /**
     * Arranges the warm-up, once per JVM; returns at once (it costs about a millisecond, the first
     * time). The warm-up itself starts when JFR is initialised: now, if it already is.
     */
    public static void start() {
        if (!STARTED.compareAndSet(false, true)) {
            return;
        }
        try {
            // Called at once, in this thread, if JFR is already initialised.
            FlightRecorder.addListener(new FlightRecorderListener() {
                @Override
                public void recorderInitialized(FlightRecorder flightRecorder) {
                    recorder = true;
                    warmUp();
                }
            });
        } catch (LinkageError | RuntimeException e) {
            // A runtime without JFR: no recording can ever see an event, so none is made.
        }
    }

    private static void warmUp() {
        if (!WARMING.compareAndSet(false, true)) {
            return;
        }
        Thread.ofPlatform().daemon().name("loomkit-jfr-warmup").start(() -> {
            try {
                CountDownLatch hold = holdForTests;
                if (hold != null) {
                    hold.await();
                }
                // An event that is never committed: creating and asking is what loads each class.
                new ScopeCancelledEvent().shouldCommit();
                new MutexWaitEvent().shouldCommit();
                loaded = true;
            } catch (LinkageError | RuntimeException e) {
                // A broken JFR: no event is ever made (isReady stays false), and those waiting are dropped.
                broken = true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // only a test holds it; the thread ends here anyway
                broken = true;
            } finally {
                runPending(); // what came before; what comes after, its maker runs (see whenReady)
                READY.countDown();
            }
        });
    }

    /** {@return whether the event classes are ready, so that making an event costs what it always does} */
    public static boolean isReady() {
        return loaded;
    }

    /**
     * Runs {@code emit} (which makes and commits an event) now if the classes are ready, or else on
     * the warm-up thread as soon as they are; drops it if JFR has never been initialised, or if
     * {@value #MAX_PENDING} events already wait for the warm-up (they are observations: the task
     * must not wait). Never blocks, and never throws: what {@code emit} throws is dropped with it.
     *
     * @param emit makes and commits one event
     */
    public static void whenReady(Runnable emit) {
        if (isReady()) {
            runQuietly(emit);
            return;
        }
        if (!recorder || broken) {
            return; // no recording exists, or has ever existed, to take it; or JFR is broken
        }
        if (PENDING_COUNT.incrementAndGet() > MAX_PENDING) {
            PENDING_COUNT.decrementAndGet();
            return;
        }
        PENDING.add(emit);
        if (isReady() || broken) {
            runPending(); // the warm-up may have drained the queue just before the add
        }
    }

    private static void runPending() {
        for (Runnable emit; (emit = PENDING.poll()) != null; ) {
            PENDING_COUNT.decrementAndGet();
            if (loaded) {
                runQuietly(emit);
            }
        }
    }

    private static void runQuietly(Runnable emit) {
        try {
            emit.run();
        } catch (LinkageError | RuntimeException e) {
            // A broken JFR, or a failing event: it is an observation, not the task's business.
        }
    }

    /**
     * Waits until the warm-up has run, and every event handed to {@link #whenReady} before this
     * call has been committed (tests).
     *
     * @param timeout how long to wait at most
     * @return whether it has
     * @throws InterruptedException if interrupted while waiting
     */
    public static boolean awaitReady(Duration timeout) throws InterruptedException {
        return READY.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
}
