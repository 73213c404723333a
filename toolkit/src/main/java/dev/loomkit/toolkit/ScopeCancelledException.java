package dev.loomkit.toolkit;

import java.util.Objects;
import java.util.concurrent.CancellationException;

/**
 * Thrown to a scope's owner by {@link Scope#join()} when the scope was cancelled by something other
 * than its own {@link JoinPolicy} (an explicit {@link Scope#cancel}, a parent, a shutdown, a client that
 * went away), and by {@link Cancellation#throwIfCancelled()} inside cancelled tasks. It carries the
 * {@link CancelReason}; a missed deadline gives the subclass {@link DeadlineExceededException}.
 */
public class ScopeCancelledException extends CancellationException {
    private static final long serialVersionUID = 1L;

    /** The reason; transient because {@link CancelReason} may hold an unserializable cause. */
    private final transient CancelReason reason;

    /**
     * Creates the exception.
     *
     * @param scopeName the scope that was cancelled
     * @param reason    why
     */
    @SuppressWarnings("this-escape") // initCause on a fully constructed Throwable; subclasses add no state
    public ScopeCancelledException(String scopeName, CancelReason reason) {
        super("scope '" + scopeName + "' cancelled (" + Objects.requireNonNull(reason, "reason") + ")");
        this.reason = reason;
        if (reason.root().cause() != null) {
            initCause(reason.root().cause());
        }
    }

    /** {@return why the scope was cancelled} */
    public CancelReason reason() {
        return reason;
    }

    static ScopeCancelledException of(String scopeName, CancelReason reason) {
        return reason.isDeadline()
                ? new DeadlineExceededException(scopeName, reason)
                : new ScopeCancelledException(scopeName, reason);
    }
}
