package dev.loomkit.comparison.bench;

import java.util.concurrent.Callable;
import java.util.concurrent.SynchronousQueue;

/**
 * A long-lived thread of a chosen kind that runs a benchmark's batches, so that what is measured
 * happens between threads of one kind. JMH's own thread is a platform thread: a virtual thread it
 * waits for must wake it through the kernel, and that wake-up (tens of microseconds, varying by
 * tenfold with the machine's load) swamped the hand-offs the benchmarks exist to show. A batch of
 * many operations pays it once.
 *
 * <pre>{@code
 * var driver = Driver.start(Thread.ofVirtual());
 * int n = driver.run(() -> doOneHundredOperations());
 * driver.close();
 * }</pre>
 */
final class Driver implements AutoCloseable {
    private static final Callable<Object> STOP = () -> null;
    /** Stands for a null result, which the queue cannot hold. */
    private static final Object NULL = new Object();

    private final SynchronousQueue<Callable<?>> batches = new SynchronousQueue<>();
    private final SynchronousQueue<Object> results = new SynchronousQueue<>();
    private final Thread thread;

    private Driver(Thread.Builder kind) {
        thread = kind.name("bench-driver").start(this::serve);
    }

    /** {@return a driver whose thread is of {@code kind}} */
    static Driver start(Thread.Builder kind) {
        return new Driver(kind);
    }

    /**
     * Runs {@code batch} in the driver's thread and waits for it.
     *
     * @return what the batch returned (a benchmark returns it, so the work is not dead code)
     * @throws Exception what the batch threw
     */
    @SuppressWarnings("unchecked")
    <T> T run(Callable<T> batch) throws Exception {
        batches.put(batch);
        Object result = results.take();
        if (result instanceof Failure f) {
            throw f.cause;
        }
        return result == NULL ? null : (T) result;
    }

    private void serve() {
        try {
            while (true) {
                Callable<?> batch = batches.take();
                if (batch == STOP) {
                    return;
                }
                Object result;
                try {
                    result = batch.call();
                } catch (Exception e) {
                    result = new Failure(e);
                }
                results.put(result == null ? NULL : result);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing: nothing else to do
        }
    }

    /** Stops the thread once its batch, if any, is done. */
    @Override
    public void close() throws InterruptedException {
        batches.put(STOP);
        thread.join();
    }

    /** A batch's exception, carried back to the caller. */
    private record Failure(Exception cause) {
    }
}
