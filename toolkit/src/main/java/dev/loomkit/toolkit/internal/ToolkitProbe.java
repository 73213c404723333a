package dev.loomkit.toolkit.internal;

import dev.loomkit.toolkit.CancelReason;

/**
 * What the toolkit reports about itself. The scope and mutex code call the {@link #current()} probe;
 * until a registry is bound it is {@link #NOOP}, whose empty methods the JIT inlines away, so an
 * unbound toolkit pays one volatile read per event.
 */
public interface ToolkitProbe {

    /** Reports nothing. */
    ToolkitProbe NOOP = new ToolkitProbe() {
    };

    /** Task outcomes, as tags. */
    enum Outcome {
        SUCCESS, FAILURE, CANCELLED;

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** {@return the probe in force} */
    static ToolkitProbe current() {
        return Holder.probe;
    }

    /**
     * Installs a probe; {@code null} restores {@link #NOOP}.
     *
     * @param probe the probe
     */
    static void install(ToolkitProbe probe) {
        Holder.probe = probe == null ? NOOP : probe;
    }

    /** {@return whether a real probe is installed: callers skip clock reads when it is not} */
    static boolean enabled() {
        return Holder.probe != NOOP;
    }

    default void scopeOpened(String scope) {
    }

    default void scopeClosed(String scope) {
    }

    default void taskForked(String scope) {
    }

    default void taskEnded(String scope, Outcome outcome) {
    }

    default void scopeCancelled(String scope, CancelReason reason) {
    }

    /** The last task of a cancelled scope ended {@code nanos} after the cancellation. */
    default void cancelCompleted(String scope, CancelReason reason, long nanos) {
    }

    default void straggler(String scope) {
    }

    /** A mutex with this name was created; its queue length is read from {@link MutexRegistry}. */
    default void mutexCreated(String mutex) {
    }

    default void mutexWaited(String mutex, long nanos) {
    }

    default void mutexHeld(String mutex, long nanos) {
    }

    /** Holds the installed probe; a class of its own so interface constants stay constant. */
    final class Holder {
        static volatile ToolkitProbe probe = NOOP;

        private Holder() {
        }
    }
}
