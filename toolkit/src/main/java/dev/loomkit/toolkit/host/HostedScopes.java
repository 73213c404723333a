package dev.loomkit.toolkit.host;

import dev.loomkit.toolkit.Scope;
import dev.loomkit.toolkit.ScopeConfig;
import java.util.Objects;

/**
 * Scopes for a host that runs very many short ones and keeps their deadlines itself: loomkit's own
 * HTTP server, which opens one per request. Not an API for applications: the module exports this
 * package to {@code dev.loomkit.server} only.
 *
 * <p>A hosted scope is an ordinary fail-fast {@link Scope} opened as by {@link Scope#call}, with two
 * differences that let a request that forks nothing cost no timer entry and no registration:
 * <ul>
 *   <li><b>The host keeps the deadline.</b> The scope arms no timer of its own. It is still found
 *       cancelled with reason {@code DEADLINE} by anyone who looks once the deadline has passed
 *       ({@link Scope#isCancelled()}, {@code cancelReason}, {@code join}, the task bookkeeping), so a
 *       host applies it by looking: it calls {@code isCancelled()} when its own sweep finds the
 *       deadline due.</li>
 *   <li><b>One hook, given at open.</b> {@code onCancel} runs on the first cancellation from
 *       outside the scope's policy (a deadline, an explicit {@code cancel}, a parent), in the
 *       cancelling thread; it must be quick and must not block. It reaches the owner thread, which
 *       the toolkit never interrupts. A cancellation by the policy itself (a task failing under
 *       fail-fast) does not run it: the owner learns of that in {@code join}.</li>
 * </ul>
 * A parent's cancellation reaches a hosted scope's hook only once the scope has forked or
 * registered a hook of its own; before that the host, which owns the parent too, cancels it itself.
 */
public final class HostedScopes {
    /** The toolkit's side, installed once by the scope implementation when it is initialised. */
    public interface Impl {
        /**
         * Opens a hosted scope and runs {@code body} in it.
         *
         * @param config   the scope's name, timeout and thread factory
         * @param onCancel runs on the first cancellation
         * @param body     the owner's work
         * @param <V>      the body's result type
         * @return what {@code body} returned
         * @throws Exception what {@code body} threw
         */
        <V> V call(ScopeConfig config, Runnable onCancel, Scope.Body<Object, Void, V> body) throws Exception;
    }

    private static volatile Impl impl;

    private HostedScopes() {
    }

    /**
     * Installs the implementation; the toolkit calls this once.
     *
     * @param implementation the implementation
     * @throws IllegalStateException if one is installed already
     */
    public static void install(Impl implementation) {
        Objects.requireNonNull(implementation, "implementation");
        synchronized (HostedScopes.class) {
            if (impl != null) {
                throw new IllegalStateException("hosted scopes are already installed");
            }
            impl = implementation;
        }
    }

    /**
     * Opens a hosted scope in the calling thread, which owns it, and runs {@code body} in it.
     *
     * @param config   the scope's name, timeout and thread factory
     * @param onCancel runs on the first cancellation, in the cancelling thread
     * @param body     the owner's work
     * @param <V>      the body's result type
     * @return what {@code body} returned
     * @throws Exception what {@code body} threw; {@code IllegalStateException} from the scope's
     *                   close if the body forked and did not join
     */
    public static <V> V call(ScopeConfig config, Runnable onCancel, Scope.Body<Object, Void, V> body) throws Exception {
        Impl i = impl;
        if (i == null) {
            Scope.current(); // initialises the scope implementation, which installs itself
            i = impl;
        }
        return i.call(config, onCancel, body);
    }
}
