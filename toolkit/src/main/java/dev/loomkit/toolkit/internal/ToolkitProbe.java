package dev.loomkit.toolkit.internal;

/**
 * What the toolkit reports about itself. The scope and mutex code call the {@link #current()} probe;
 * until a registry is bound it is {@link #NOOP}, whose empty methods the JIT inlines away, so an
 * unbound toolkit pays one volatile read per event. With one binding it is that binding's probe;
 * with several, a {@link ProbeFanOut} over them.
 *
 * <p>This package depends on nothing above it: reasons arrive as their tags, mutexes as
 * {@link MutexRegistry.Entry}.
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
     * Adds a probe: events from scopes opened (and mutex operations begun) from now on reach it too.
     *
     * @param probe the probe
     */
    static void add(ToolkitProbe probe) {
        Holder.change(probe, true);
    }

    /**
     * Removes a probe added before; nothing if it is not there.
     *
     * @param probe the probe
     */
    static void remove(ToolkitProbe probe) {
        Holder.change(probe, false);
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

    /** A scope was cancelled; {@code reason} is its kind's tag, such as {@code deadline}. */
    default void scopeCancelled(String scope, String reason) {
    }

    /** The last task of a cancelled scope ended {@code nanos} after the cancellation. */
    default void cancelCompleted(String scope, String reason, long nanos) {
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

    /**
     * Holds the probe in force. Written only under the class lock (bindings are rare); read without
     * it on every event, hence volatile.
     */
    final class Holder {
        static volatile ToolkitProbe probe = NOOP;
        private static ToolkitProbe[] installed = new ToolkitProbe[0];

        private Holder() {
        }

        static synchronized void change(ToolkitProbe p, boolean add) {
            java.util.Objects.requireNonNull(p, "probe");
            var list = new java.util.ArrayList<>(java.util.List.of(installed));
            if (add) {
                list.add(p);
            } else if (!list.remove(p)) {
                return;
            }
            installed = list.toArray(ToolkitProbe[]::new);
            probe = switch (installed.length) {
                case 0 -> NOOP;
                case 1 -> installed[0];
                default -> new ProbeFanOut(installed);
            };
        }
    }
}
