package dev.loomkit.toolkit;

import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.ThreadFactory;

/**
 * The one place that touches the JDK's preview {@link StructuredTaskScope}: a move to the next JDK
 * changes this file and nothing else.
 *
 * <p>The JDK scope supplies what only the JDK can: thread containment (a named thread container in
 * thread dumps, scoped-value inheritance, the guarantee that {@code close} waits for every thread).
 * Policy, outcomes, cancellation and its reasons live in {@link ScopeImpl}, which interrupts its own
 * tasks. The joiner therefore never asks the JDK scope to cancel: a second, reasonless interrupt
 * from the JDK would land on tasks already handling the first, and a task that dealt with its
 * cancellation and then failed on its own would look cancelled. The JDK scope cancels only in
 * {@code close} of a scope that was never joined.
 */
final class JdkScope {
    private final StructuredTaskScope<Object, Void> scope;

    JdkScope(String name, ThreadFactory threads) {
        var joiner = new StructuredTaskScope.Joiner<Object, Void>() {
            @Override
            public Void result() {
                return null;
            }
        };
        this.scope = StructuredTaskScope.open(joiner, config -> config.withName(name).withThreadFactory(threads));
    }

    /** Starts {@code task} in a new thread of this scope. */
    void fork(Runnable task) {
        scope.fork(task);
    }

    /** Waits for every thread to end. */
    void join() throws InterruptedException {
        scope.join();
    }

    /**
     * Cancels if not joined, then waits for every thread to end.
     *
     * @throws IllegalStateException if the owner forked but never joined
     */
    void close() {
        scope.close();
    }
}
