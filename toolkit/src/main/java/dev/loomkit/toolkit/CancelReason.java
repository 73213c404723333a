package dev.loomkit.toolkit;

import java.util.Locale;
import java.util.Objects;

/**
 * Why a scope was cancelled. Every cancellation carries one; the cancelled code can read it with
 * {@link Cancellation#reason()} and the scope's owner finds it in the {@link ScopeCancelledException}
 * that {@link Scope#join()} throws.
 *
 * <p>A scope cancelled because its parent was cancelled has kind {@link Kind#PARENT_CANCELLED} and
 * links to the parent's reason, so {@link #root()} names what started the cascade:
 * {@snippet :
 * CancelReason reason = Cancellation.reason().orElseThrow();
 * if (reason.root().kind() == CancelReason.Kind.CLIENT_DISCONNECTED) {
 *     // nobody is waiting for this answer any more
 * }
 * }
 *
 * @param kind    what kind of event cancelled the scope
 * @param message a human-readable description, never {@code null}
 * @param cause   the failure behind the cancellation ({@link Kind#SIBLING_FAILED}), else {@code null}
 * @param parent  the parent's reason ({@link Kind#PARENT_CANCELLED} only), else {@code null}
 */
public record CancelReason(Kind kind, String message, Throwable cause, CancelReason parent) {

    /** The kinds of cancellation; {@link #tag()} gives the value used in metrics. */
    public enum Kind {
        /** {@link Scope#cancel(String)} or {@link Scope#cancel(CancelReason)} by application code. */
        EXPLICIT,
        /** The scope's deadline passed. */
        DEADLINE,
        /** A sibling task failed under the fail-fast policy. */
        SIBLING_FAILED,
        /** Another task won a race. */
        RACE_WON,
        /** A custom {@link JoinPolicy} decided the scope is done. */
        POLICY,
        /** The enclosing scope was cancelled. */
        PARENT_CANCELLED,
        /** The owner was interrupted while it waited in {@link Scope#join()}. */
        OWNER_INTERRUPTED,
        /** The owner closed the scope without joining (usually because its block threw). */
        ABANDONED,
        /** The application or server is shutting down. */
        SHUTDOWN,
        /** The client that asked for the work went away. */
        CLIENT_DISCONNECTED;

        private final String tag = name().toLowerCase(Locale.ROOT);

        /** {@return the lower-case name used as a metric tag, e.g. {@code client_disconnected}} */
        public String tag() {
            return tag;
        }
    }

    /**
     * Validates the components.
     *
     * @throws NullPointerException     if {@code kind} or {@code message} is null
     * @throws IllegalArgumentException if {@code parent} is given for any kind but
     *                                  {@link Kind#PARENT_CANCELLED}, or missing for it
     */
    public CancelReason {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(message, "message");
        if ((kind == Kind.PARENT_CANCELLED) != (parent != null)) {
            throw new IllegalArgumentException("a parent reason is required for PARENT_CANCELLED and only for it");
        }
    }

    /**
     * {@return an explicit cancellation with the given message}
     *
     * @param message why
     */
    public static CancelReason explicit(String message) {
        return new CancelReason(Kind.EXPLICIT, message, null, null);
    }

    /**
     * {@return a shutdown cancellation}
     *
     * @param message what is shutting down
     */
    public static CancelReason shutdown(String message) {
        return new CancelReason(Kind.SHUTDOWN, message, null, null);
    }

    /**
     * {@return a client-gone cancellation}
     *
     * @param message which client, how it went
     */
    public static CancelReason clientDisconnected(String message) {
        return new CancelReason(Kind.CLIENT_DISCONNECTED, message, null, null);
    }

    static CancelReason deadline(String scopeName) {
        return new CancelReason(Kind.DEADLINE, "deadline of scope '" + scopeName + "' passed", null, null);
    }

    static CancelReason siblingFailed(String taskName, Throwable failure) {
        return new CancelReason(Kind.SIBLING_FAILED, "task '" + taskName + "' failed: " + failure, failure, null);
    }

    static CancelReason raceWon(String taskName) {
        return new CancelReason(Kind.RACE_WON, "task '" + taskName + "' won the race", null, null);
    }

    static CancelReason parentCancelled(String parentName, CancelReason parent) {
        return new CancelReason(Kind.PARENT_CANCELLED, "parent scope '" + parentName + "' cancelled", null, parent);
    }

    static CancelReason ownerInterrupted(String scopeName) {
        return new CancelReason(Kind.OWNER_INTERRUPTED, "owner of scope '" + scopeName + "' was interrupted in join", null, null);
    }

    static CancelReason abandoned(String scopeName) {
        return new CancelReason(Kind.ABANDONED, "scope '" + scopeName + "' closed before join", null, null);
    }

    /** {@return the reason that started the cascade: this one unless its kind is {@link Kind#PARENT_CANCELLED}} */
    public CancelReason root() {
        CancelReason r = this;
        while (r.parent != null) {
            r = r.parent;
        }
        return r;
    }

    /** {@return whether a missed deadline started the cascade} */
    public boolean isDeadline() {
        return root().kind == Kind.DEADLINE;
    }

    @Override
    public String toString() {
        return parent == null ? kind.tag() + ": " + message : kind.tag() + ": " + message + " <- " + parent;
    }
}
