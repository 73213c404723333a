package dev.loomkit.toolkit;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * A structured scope: tasks forked into it run on their own threads and all of them have ended when
 * the scope's try-with-resources block ends. The thread that opens a scope owns it: only the owner
 * may {@link #fork}, {@link #join()} and {@link #close()}; any thread may {@link #cancel}.
 *
 * {@snippet :
 * try (var scope = Scope.open("checkout")) {                 // fail-fast
 *     Task<User> user = scope.fork("user", () -> users.find(id));
 *     Task<Cart> cart = scope.fork("cart", () -> carts.find(id));
 *     scope.join();                                          // throws if either failed
 *     return new Page(user.get(), cart.get());
 * }
 * }
 *
 * <h2>Nesting</h2>
 * A scope opened inside a forked task is a <em>child</em> of the scope the task was forked into.
 * Cancelling a scope cancels every descendant, however deep, with reason
 * {@link CancelReason.Kind#PARENT_CANCELLED}; a child's effective deadline is the earlier of its own
 * and its parent's.
 *
 * <h2>Opening inside a cancelled scope</h2>
 * Opening never throws for a cancellation: a scope opened while its parent is cancelled, or after
 * its deadline, opens cancelled (reason {@link CancelReason.Kind#PARENT_CANCELLED} or
 * {@link CancelReason.Kind#DEADLINE}). Its forks start no thread and end {@link Task.State#CANCELLED},
 * and {@link #join()} throws {@link ScopeCancelledException}, so the block's own cleanup still runs
 * in order (see ADR 0005).
 *
 * <h2>Cancellation</h2>
 * {@link #cancel(CancelReason)} records the first reason, cancels the children, runs the
 * {@linkplain #onCancel on-cancel hooks} and interrupts every running task, so each wakes from
 * {@code sleep}, queues, locks, {@link dev.loomkit.toolkit.sync.AsyncMutex} waits and socket reads on
 * virtual threads. The owner's {@code join} then throws {@link ScopeCancelledException} carrying the
 * reason ({@link DeadlineExceededException} for a missed deadline). Cancellation by the scope's own
 * policy (a failure under fail-fast, a winner of a race) is not an error: {@code join} returns the
 * policy's result instead. A task still running {@link ScopeConfig#stragglerAfter()} after a
 * cancellation is logged once with its stack and counted.
 *
 * <h2>Deadlines</h2>
 * A deadline cancels the scope, with reason {@link CancelReason.Kind#DEADLINE}, when it passes. A
 * scope with something to wake (a running task, an on-cancel hook) has a timer for it; one with
 * nothing to wake has none, and is found cancelled by the first look after the deadline
 * ({@link #isCancelled()}, {@link #cancelReason()}, {@link #join()}, {@link Deadlines}). So a scope
 * that forks nothing costs no timer, and a {@code join} after tasks that ended late reports the
 * deadline every time, whether or not a timer thread has run yet.
 * {@snippet :
 * try (var scope = Scope.open(ScopeConfig.named("request").withTimeout(Duration.ofMillis(500)),
 *                             JoinPolicy.failFast())) {
 *     scope.fork("backend", () -> {
 *         Deadlines.applyTo(socket);                       // SO_TIMEOUT = time remaining
 *         return socket.getInputStream().read();
 *     });
 *     scope.join();                                        // DeadlineExceededException when late
 * }
 * }
 *
 * @param <T> the result type of the tasks
 * @param <R> the result type of {@link #join()}
 */
public sealed interface Scope<T, R> extends AutoCloseable permits ScopeImpl {

    /**
     * Opens a fail-fast scope with the given name. It is a child of the current scope if the calling
     * thread is a task forked into one.
     *
     * @param name the scope's name
     * @return the new scope, owned by the calling thread
     */
    static Scope<Object, Void> open(String name) {
        return open(ScopeConfig.named(name), JoinPolicy.failFast());
    }

    /**
     * Opens a scope with the given name and policy.
     *
     * @param name   the scope's name
     * @param policy decides when the scope is done and what {@code join} returns; new for each scope
     * @param <T>    the result type of the tasks
     * @param <R>    the result type of {@code join}
     * @return the new scope, owned by the calling thread
     */
    static <T, R> Scope<T, R> open(String name, JoinPolicy<T, R> policy) {
        return open(ScopeConfig.named(name), policy);
    }

    /**
     * Opens a scope with the given configuration and policy.
     *
     * @param config name, deadline, thread factory and straggler threshold
     * @param policy decides when the scope is done and what {@code join} returns; new for each scope
     * @param <T>    the result type of the tasks
     * @param <R>    the result type of {@code join}
     * @return the new scope, owned by the calling thread
     */
    static <T, R> Scope<T, R> open(ScopeConfig config, JoinPolicy<T, R> policy) {
        return ScopeImpl.open(config, policy);
    }

    /**
     * Opens a scope and runs {@code body} in the calling thread <em>as part of</em> it, then closes
     * it. Inside the body, {@link #current()} is this scope, {@link Deadlines} and
     * {@link Cancellation} read it, and scopes the body opens are its children, so they are
     * cancelled with it. Use it where the owner itself does the scope's main work, as a server's
     * request handler does in the thread that read the request:
     * {@snippet :
     * String page = Scope.call(ScopeConfig.named("request").withTimeout(Duration.ofSeconds(2)),
     *         JoinPolicy.failFast(), scope -> {
     *     Task<String> header = scope.fork("header", () -> fetch("/header"));
     *     String body = render();                  // Deadlines.remaining() is this scope's
     *     scope.join();
     *     return header.get() + body;
     * });
     * }
     * Cancelling the scope does not interrupt the body's thread (it is the owner, not a task): to
     * have it woken, register an {@link Scope#onCancel on-cancel hook} that interrupts it.
     *
     * @param config the scope's configuration
     * @param policy its policy
     * @param body   what the owner does inside the scope; it may fork, and must join if it forks
     * @param <T>    the result type of the tasks
     * @param <R>    the result type of {@code join}
     * @param <V>    the body's result type
     * @return what the body returned
     * @throws Exception what the body threw; if it also left the scope unjoined, the close's
     *                   {@code IllegalStateException} is suppressed in it
     */
    static <T, R, V> V call(ScopeConfig config, JoinPolicy<T, R> policy, Body<T, R, V> body) throws Exception {
        return ScopeImpl.call(config, policy, body);
    }

    /**
     * The owner's work inside a scope, for {@link #call}.
     *
     * @param <T> the result type of the tasks
     * @param <R> the result type of {@code join}
     * @param <V> the body's result type
     */
    @FunctionalInterface
    interface Body<T, R, V> {
        /**
         * Does the work.
         *
         * @param scope the scope, owned by the calling thread
         * @return a result
         * @throws Exception anything
         */
        V run(Scope<T, R> scope) throws Exception;
    }

    /** {@return the scope the calling thread works in (forked into, or running a {@link #call} body of), if any} */
    static Optional<Scope<?, ?>> current() {
        return Optional.ofNullable(ScopeImpl.current());
    }

    /** {@return the scope's name} */
    String name();

    /** {@return the parent scope, if this one was opened inside a task of another} */
    Optional<Scope<?, ?>> parent();

    /**
     * Forks a named task that returns a value.
     *
     * @param name the task's name (its thread is named {@code scope/name})
     * @param task what to run
     * @param <U>  the result type
     * @return the task; if the scope is already cancelled it is returned {@link Task.State#CANCELLED}
     *         without being started
     * @throws WrongThreadException  if the caller is not the owner
     * @throws IllegalStateException if the scope has already joined or is closed
     */
    <U extends T> Task<U> fork(String name, Callable<? extends U> task);

    /**
     * Forks a named task that returns nothing and may throw. As {@link #fork(String, Callable)}.
     *
     * @param name the task's name
     * @param task what to run
     * @param <U>  the result type ({@code null} on success)
     * @return the task
     * @throws WrongThreadException  if the caller is not the owner
     * @throws IllegalStateException if the scope has already joined or is closed
     */
    <U extends T> Task<U> fork(String name, Action task);

    /**
     * Waits until every task has ended, then returns the policy's result. May be called once.
     *
     * <p>Interruptible. If the owner is interrupted while waiting and the scope is already cancelled
     * (typically the owner is a task of a parent scope that was cancelled, which interrupts it), this
     * method throws {@link ScopeCancelledException} with the reason and leaves the interrupt status
     * set. Otherwise it cancels the scope with reason {@link CancelReason.Kind#OWNER_INTERRUPTED} and
     * throws {@code InterruptedException} with the interrupt status cleared. Either way it returns
     * without waiting for the tasks; {@link #close()} waits for them.
     *
     * @return the policy's result
     * @throws InterruptedException     if interrupted while waiting
     * @throws ScopeCancelledException  if the scope was cancelled other than by its policy
     * @throws DeadlineExceededException if the scope, or an ancestor, missed its deadline
     * @throws TaskFailedException      if the policy reports failure
     * @throws WrongThreadException     if the caller is not the owner
     * @throws IllegalStateException    if already joined, or closed
     */
    R join() throws InterruptedException;

    /**
     * Cancels the scope and every descendant with the given reason. Any thread may call it; only the
     * first reason is kept. Does not wait for the tasks to end: the owner's {@code join} and
     * {@code close} do that.
     *
     * @param reason why
     * @return {@code true} if this call cancelled the scope, {@code false} if it was already cancelled
     *         or closed
     */
    boolean cancel(CancelReason reason);

    /**
     * Cancels the scope with an explicit reason. As {@link #cancel(CancelReason)}.
     *
     * @param message why
     * @return {@code true} if this call cancelled the scope
     */
    default boolean cancel(String message) {
        return cancel(CancelReason.explicit(message));
    }

    /** {@return whether the scope has been cancelled} */
    boolean isCancelled();

    /** {@return why the scope was cancelled, if it was} */
    Optional<CancelReason> cancelReason();

    /** {@return the effective deadline: the earlier of the scope's own and its ancestors'} */
    Optional<Instant> deadline();

    /** {@return the time left until the effective deadline (zero once passed), if there is one} */
    Optional<Duration> timeRemaining();

    /**
     * Registers a hook run once if and when the scope is cancelled, for work an interrupt cannot reach
     * (closing a handle, cancelling a JDBC statement). It runs in the cancelling thread, after the
     * scope's tasks have been interrupted; it must be quick and must not block; an exception it
     * throws is logged. Every hook registered when the cancellation begins runs, once, even if its
     * registration is closed meanwhile; a hook whose registration was closed before that never runs,
     * nor does any hook of a scope that closed without cancellation. Registered on a scope that is
     * already cancelled, it runs at once in the calling thread.
     *
     * @param hook what to run
     * @return a registration whose {@code close} removes the hook
     * @throws IllegalStateException if the scope is closed
     */
    Registration onCancel(Runnable hook);

    /**
     * Closes the scope: cancels it if the owner did not join (reason
     * {@link CancelReason.Kind#ABANDONED}), then waits, without giving up on interrupts, until every
     * thread forked in it has ended. Calling it again does nothing.
     *
     * @throws WrongThreadException  if the caller is not the owner
     * @throws IllegalStateException if the owner forked tasks but never called {@code join}
     *                               (thrown after everything has ended)
     */
    @Override
    void close();

    /** A task body that returns nothing; unlike {@link Runnable} it may throw checked exceptions. */
    @FunctionalInterface
    interface Action {
        /**
         * Does the work.
         *
         * @throws Exception anything; the task then fails (or, after cancellation, counts as cancelled)
         */
        void run() throws Exception;
    }

    /** An on-cancel hook's registration. */
    interface Registration extends AutoCloseable {
        /** Removes the hook, unless a cancellation has already claimed it (then it runs, once). */
        @Override
        void close();
    }
}
