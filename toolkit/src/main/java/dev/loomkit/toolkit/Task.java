package dev.loomkit.toolkit;

import java.util.function.Supplier;

/**
 * A task forked into a {@link Scope}. Its outcome may be read by the scope's owner once
 * {@link Scope#join()} has returned; a {@link JoinPolicy} may read it as soon as the task ends.
 *
 * @param <T> the result type
 */
public sealed interface Task<T> extends Supplier<T> permits TaskImpl {

    /** The life of a task. */
    enum State {
        /** Forked and not yet ended (it may not have started). */
        RUNNING,
        /** Returned a value. */
        SUCCEEDED,
        /** Threw, on its own: not because its scope was cancelled. */
        FAILED,
        /** Ended because its scope was cancelled: it threw after the cancellation, or never started. */
        CANCELLED
    }

    /** {@return the task's name, unique enough to find it in a thread dump} */
    String name();

    /** {@return the task's state; safe from any thread} */
    State state();

    /**
     * {@return the value the task returned}
     *
     * @throws IllegalStateException if the task did not succeed, or if the caller is the scope owner
     *                               and it has not joined yet
     */
    @Override
    T get();

    /**
     * {@return what the task threw}
     *
     * @throws IllegalStateException if the task did not fail or was not cancelled with an exception,
     *                               or if the caller is the owner and it has not joined yet
     */
    Throwable exception();
}
