package dev.loomkit.toolkit;

/**
 * Thrown to a scope's owner by {@link Scope#join()} when the scope, or an ancestor whose deadline it
 * inherited, missed its deadline; also thrown by {@link Deadlines} helpers when no time is left.
 */
public final class DeadlineExceededException extends ScopeCancelledException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param scopeName the scope whose deadline passed
     * @param reason    a reason whose {@link CancelReason#isDeadline()} holds
     */
    public DeadlineExceededException(String scopeName, CancelReason reason) {
        super(scopeName, reason);
    }
}
