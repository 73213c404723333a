package dev.loomkit.toolkit.internal;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Makes the toolkit's JFR events ready on a thread of their own, as soon as a scope or a mutex class
 * is first used. The first event of a class loads it and starts JFR's machinery behind it, which
 * took 250–470 ms in a fresh JVM; done on demand, that landed on the first cancellation or the
 * first contended lock, so the first deadline of a process was that much late. Here it is done
 * beside the caller instead; a caller that needs an event before it is ready waits for it, as it
 * would have anyway.
 */
public final class JfrWarmup {
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static final CountDownLatch READY = new CountDownLatch(1);

    private JfrWarmup() {
    }

    /** Starts the warm-up, once per JVM; returns at once. */
    public static void start() {
        if (!STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread.ofPlatform().daemon().name("loomkit-jfr-warmup").start(() -> {
            try {
                // An event that is never committed: creating and asking is what loads each class.
                new ScopeCancelledEvent().shouldCommit();
                new MutexWaitEvent().shouldCommit();
            } catch (LinkageError | RuntimeException e) {
                // A runtime without JFR: the events will fail where they are made, as before; nothing to warm.
            } finally {
                READY.countDown();
            }
        });
    }

    /**
     * Waits until the warm-up has run (tests).
     *
     * @param timeout how long to wait at most
     * @return whether it has
     * @throws InterruptedException if interrupted while waiting
     */
    public static boolean awaitReady(Duration timeout) throws InterruptedException {
        return READY.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
}
