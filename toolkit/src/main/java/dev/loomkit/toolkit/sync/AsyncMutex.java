package dev.loomkit.toolkit.sync;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * A blocking, fair, guard-owned lock: non-reentrant, it may be held across blocking calls, and it
 * is owned by a {@link Guard} rather than by a thread.
 *
 * <p><b>Model.</b> Locking returns a guard; closing the guard releases the lock. Because the guard owns
 * the lock, it may be handed to another task (through a queue, a scope's fork) and released there.
 * Waiters are served first come, first served; a lock is never granted out of turn. The mutex is
 * built on {@link java.util.concurrent.locks.AbstractQueuedLongSynchronizer}: a waiting virtual
 * thread parks and frees its carrier, and nothing spins.
 * {@snippet :
 * AsyncMutex mutex = AsyncMutex.create("inventory");
 * try (var guard = mutex.lock()) {            // interruptible: a cancelled task stops waiting
 *     var stock = warehouse.fetch(item);      // blocking I/O while holding the lock is fine
 *     warehouse.store(item, stock - 1);
 * }
 * }
 *
 * <p><b>Cancellation.</b> A waiter that is interrupted (its scope cancelled) leaves the queue and
 * throws {@link InterruptedException}. If the lock was being released to it at that moment, the lock
 * goes to the next waiter: it is never lost and never held by nobody.
 *
 * <p><b>Misuse.</b> Not reentrant: a holder that locks again waits for itself forever (use
 * {@link #tryLock(Duration)} where that could happen). Closing a guard twice, or closing a guard
 * whose hold has ended, throws {@link IllegalStateException}.
 */
public sealed interface AsyncMutex permits FairAsyncMutex {

    /**
     * Creates a mutex.
     *
     * @param name the name shown in diagnostics, metrics and JFR events; keep it low-cardinality
     * @return a new, unlocked mutex
     */
    static AsyncMutex create(String name) {
        return new FairAsyncMutex(name);
    }

    /** {@return the mutex's name} */
    String name();

    /**
     * Acquires the lock, waiting in line if it is held. Interruptible: if the calling thread is
     * interrupted before or while waiting, it leaves the line and throws with its interrupt status
     * cleared.
     *
     * @return the guard that owns the lock
     * @throws InterruptedException if interrupted before or while waiting
     */
    Guard lock() throws InterruptedException;

    /**
     * Acquires the lock, waiting in line if it is held. Uninterruptible: an interrupt does not end the
     * wait; the interrupt status is set again when this method returns.
     *
     * @return the guard that owns the lock
     */
    Guard lockUninterruptibly();

    /**
     * Acquires the lock only if it is free and nobody is waiting; never waits. Leaves the interrupt
     * status alone.
     *
     * @return the guard, or empty if the lock was not free
     */
    Optional<Guard> tryLock();

    /**
     * Acquires the lock if it becomes available within the timeout. Interruptible, like
     * {@link #lock()}.
     *
     * @param timeout how long to wait at most; zero or negative means do not wait
     * @return the guard, or empty if the time ran out first
     * @throws InterruptedException if interrupted before or while waiting
     */
    Optional<Guard> tryLock(Duration timeout) throws InterruptedException;

    /**
     * Runs the action while holding the lock: {@link #lock()}, the action, then release, whatever
     * the action does.
     *
     * @param action what to run
     * @param <V>    its result type
     * @return what the action returned
     * @throws InterruptedException if interrupted while waiting for the lock
     * @throws Exception            what the action threw
     */
    <V> V withLock(Callable<V> action) throws Exception;

    /** {@return whether the lock is held} */
    boolean isLocked();

    /** {@return the name of the thread that acquired the current hold (for a task: {@code scope/task})} */
    Optional<String> holder();

    /**
     * {@return when the current hold began, if it was timed}
     *
     * <p>A hold is timed when it began after a wait, or while a metrics registry was bound. An
     * uncontended hold with no registry bound reads no clock (it would cost twice the lock itself);
     * once another task queues behind it, the time it queued is given, a lower bound on how long the
     * hold has lasted. So a hold that anyone waits for always has an answer.
     */
    Optional<Instant> lockedSince();

    /** {@return an estimate of how many are waiting} */
    int queueLength();

    /** Owns one hold of the lock; {@link #close()} releases it. */
    sealed interface Guard extends AutoCloseable permits FairAsyncMutex.GuardImpl {
        /** {@return the mutex this guard holds} */
        AsyncMutex mutex();

        /** {@return whether this guard still holds the lock} */
        boolean isHeld();

        /**
         * Releases the lock; the next waiter in line gets it. May be called from any thread.
         *
         * @throws IllegalStateException if this guard was already released
         */
        @Override
        void close();
    }
}
