package dev.loomkit.toolkit;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cancellation as seen from inside a task: why the current scope was cancelled, hooks for what an
 * interrupt cannot reach, and shielded regions for cleanup.
 * {@snippet :
 * scope.fork("query", () -> {
 *     PreparedStatement stmt = connection.prepareStatement(sql);
 *     try (var hook = Cancellation.onCancel(() -> cancelQuietly(stmt))) {   // JDBC ignores interrupts
 *         return stmt.executeQuery();
 *     } catch (SQLException e) {
 *         Cancellation.throwIfCancelled();          // report the cancellation, not the SQL error
 *         throw e;
 *     } finally {
 *         Cancellation.shielded(Duration.ofSeconds(1), () -> { connection.rollback(); return null; });
 *     }
 * });
 * }
 */
public final class Cancellation {
    private static final Logger LOG = LoggerFactory.getLogger(Cancellation.class);

    private Cancellation() {
    }

    /** {@return why the scope the current task runs in was cancelled, or empty if it was not (or there is none)} */
    public static Optional<CancelReason> reason() {
        ScopeImpl<?, ?> scope = ScopeImpl.current();
        return scope == null ? Optional.empty() : scope.cancelReason();
    }

    /** {@return whether the scope the current task runs in was cancelled} */
    public static boolean isCancelled() {
        ScopeImpl<?, ?> scope = ScopeImpl.current();
        return scope != null && scope.isCancelled();
    }

    /**
     * Throws if the current task's scope was cancelled; a cheap check for long loops that do not block.
     *
     * @throws ScopeCancelledException  with the reason, if cancelled
     * @throws DeadlineExceededException if the cancellation came from a deadline
     */
    public static void throwIfCancelled() {
        ScopeImpl<?, ?> scope = ScopeImpl.current();
        if (scope != null) {
            Optional<CancelReason> reason = scope.cancelReason();
            if (reason.isPresent()) {
                throw ScopeCancelledException.of(scope.name(), reason.get());
            }
        }
    }

    /**
     * Registers an on-cancel hook with the current task's scope. See {@link Scope#onCancel(Runnable)}.
     *
     * @param hook what to run on cancellation
     * @return the registration; close it when the guarded operation is over
     * @throws IllegalStateException if the current thread is not a task of a scope
     */
    public static Scope.Registration onCancel(Runnable hook) {
        ScopeImpl<?, ?> scope = ScopeImpl.current();
        if (scope == null) {
            throw new IllegalStateException("Cancellation.onCancel: thread '" + Thread.currentThread().getName()
                    + "' is not a task of any scope");
        }
        return scope.onCancel(hook);
    }

    /**
     * Runs cleanup that the enclosing cancellation must not interrupt, bounded by its own timeout.
     *
     * <p>The action runs in a new virtual thread outside every scope: an interrupt of the caller, or
     * the cancellation of the caller's scope, does not reach it, and scopes it opens are roots. The
     * caller waits for it without giving up on interrupts; an interrupt received before or during the
     * wait is restored before this method returns or throws. If the action is still running after
     * {@code timeout} it is interrupted and, once it has ended, {@link TimeoutException} is thrown; an
     * action that ignores that interrupt too is logged as a straggler while the caller goes on waiting,
     * because a thread is never left behind.
     *
     * @param timeout how long the cleanup may take
     * @param action  the cleanup
     * @param <V>     its result type
     * @return what the action returned
     * @throws TimeoutException if the action did not finish in time
     * @throws Exception        what the action threw
     */
    public static <V> V shielded(Duration timeout, Callable<V> action) throws Exception {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(action, "action");
        var shield = new Shield<>(action);
        Thread thread = Thread.ofVirtual().name(Thread.currentThread().getName() + "/shielded").start(shield);
        boolean interrupted = false;
        boolean timedOut = false;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                timedOut = true;
                thread.interrupt();
                break;
            }
            try {
                if (shield.done.await(left, TimeUnit.NANOSECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true; // remembered and restored: the shield is not to be broken by it
            }
        }
        if (timedOut) {
            interrupted |= awaitEnd(shield, thread);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (timedOut) {
            throw new TimeoutException("shielded action did not finish within " + timeout);
        }
        if (shield.failure instanceof Exception e) {
            throw e;
        }
        if (shield.failure instanceof Error e) {
            throw e;
        }
        return shield.value;
    }

    /** Waits for an interrupted shield thread to end, logging it once if it ignores the interrupt. */
    private static boolean awaitEnd(Shield<?> shield, Thread thread) {
        boolean interrupted = false;
        boolean reported = false;
        while (true) {
            try {
                if (shield.done.await(ScopeConfig.DEFAULT_STRAGGLER_AFTER.toNanos(), TimeUnit.NANOSECONDS)) {
                    return interrupted;
                }
                if (!reported) {
                    reported = true;
                    var stack = new Throwable("stack of " + thread.getName());
                    stack.setStackTrace(thread.getStackTrace());
                    LOG.warn("shielded action '{}' ignores interrupts after its timeout; still waiting for it", thread.getName(), stack);
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }

    private static final class Shield<V> implements Runnable {
        private final Callable<V> action;
        final CountDownLatch done = new CountDownLatch(1);
        V value;
        Throwable failure;

        Shield(Callable<V> action) {
            this.action = action;
        }

        @Override
        public void run() {
            try {
                value = action.call();
            } catch (Throwable e) {
                failure = e;
            } finally {
                done.countDown();
            }
        }
    }
}
