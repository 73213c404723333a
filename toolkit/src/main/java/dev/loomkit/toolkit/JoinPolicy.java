package dev.loomkit.toolkit;

import java.util.List;
import java.util.Optional;

/**
 * Decides when a scope is done and what {@link Scope#join()} returns. Three policies are built in:
 * <ul>
 *   <li>{@link #failFast()}: the first failure cancels the siblings and is rethrown by {@code join}
 *       (wrapped in {@link TaskFailedException}), other failures suppressed;</li>
 *   <li>{@link #supervise()}: every task runs to its end; {@code join} returns them all;</li>
 *   <li>{@link #race()}: the first success wins and cancels the rest; if all fail, all failures are
 *       reported.</li>
 * </ul>
 * A custom policy implements {@link #onComplete} and {@link #result}:
 * {@snippet :
 * // Done as soon as two tasks have succeeded.
 * final class FirstTwo<T> implements JoinPolicy<T, List<T>> {
 *     private final Queue<T> results = new ConcurrentLinkedQueue<>();
 *     public Optional<CancelReason> onComplete(Task<? extends T> task) {
 *         if (task.state() == Task.State.SUCCEEDED) results.add(task.get());
 *         return results.size() >= 2 ? Optional.of(CancelReason.explicit("have two")) : Optional.empty();
 *     }
 *     public List<T> result() { return List.copyOf(results); }
 * }
 * }
 * A policy instance serves one scope: create a new one for each scope.
 *
 * @param <T> the result type of the tasks
 * @param <R> the result type of {@code join}
 */
public interface JoinPolicy<T, R> {

    /**
     * Called by the owner in {@link Scope#fork} before the task starts. The default does nothing.
     *
     * @param task the new task, in state {@link Task.State#RUNNING}
     */
    default void onFork(Task<? extends T> task) {
    }

    /**
     * Called in the task's own thread when it ends, concurrently with other tasks: implementations
     * must be thread-safe. Returning a reason cancels the scope (the owner's {@code join} then returns
     * {@link #result()}, not an exception) unless it was already cancelled.
     *
     * @param task the task that ended; its state is not {@link Task.State#RUNNING}
     * @return a reason to cancel the scope, or empty to let the others run on
     */
    Optional<CancelReason> onComplete(Task<? extends T> task);

    /**
     * Called by the owner in {@code join} once the tasks have ended or the policy cancelled the scope.
     *
     * @return the value {@code join} returns
     * @throws RuntimeException to make {@code join} throw it, e.g. {@link TaskFailedException}
     */
    R result();

    /**
     * {@return a new fail-fast policy}
     *
     * @param <T> the task result type
     */
    static <T> JoinPolicy<T, Void> failFast() {
        return new Policies.FailFast<>();
    }

    /**
     * {@return a new supervising policy; {@code join} returns every task in fork order}
     *
     * @param <T> the task result type
     */
    static <T> JoinPolicy<T, List<Task<T>>> supervise() {
        return new Policies.Supervise<>();
    }

    /**
     * {@return a new race policy; {@code join} returns the winner's value}
     *
     * @param <T> the task result type
     */
    static <T> JoinPolicy<T, T> race() {
        return new Policies.Race<>();
    }
}
