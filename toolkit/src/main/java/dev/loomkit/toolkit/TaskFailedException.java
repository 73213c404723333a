package dev.loomkit.toolkit;

/**
 * Thrown by {@link Scope#join()} when the scope's policy reports failure: under
 * {@link JoinPolicy#failFast()} the first task that failed is the cause and the failures of other tasks
 * that failed on their own (not because they were cancelled) are {@linkplain #getSuppressed() suppressed};
 * under {@link JoinPolicy#race()} with no winner, the first failure is the cause and the rest are
 * suppressed.
 */
public final class TaskFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed, naming the task and scope
     * @param cause   the first failure
     */
    public TaskFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
