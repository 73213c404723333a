package dev.loomkit.toolkit;

/**
 * What the current thread is doing inside a scope: a forked task ({@link TaskImpl}), or an owner
 * running its body inside the scope it owns ({@link Scope#call}). Bound in {@link ScopeImpl#CURRENT}.
 *
 * <p>A frame also serves every {@link Scope#call} nested in the thread it was bound for: a nested
 * call points the frame at its own scope ({@link #enter}) and restores it on return, so a thread
 * that runs many short scopes one after another (a connection serving requests) binds a scoped
 * value once, not once per scope, and its stack holds one binding's frames, not one per scope.
 * Only the frame's own thread calls {@link #enter} or reads {@link #current()}: threads forked
 * from it rebind {@link ScopeImpl#CURRENT} to their own task before running anything.
 */
sealed interface Frame permits TaskImpl, Frame.Owner {

    /** {@return the scope the thread is working in now: an owner's innermost call, else the frame's own} */
    ScopeImpl<?, ?> current();

    /** {@return the thread this frame was bound for} */
    Thread thread();

    /**
     * Points the frame at the scope of a nested call; the frame's thread only.
     *
     * @param scope the scope now current, or what was current before, to restore it
     */
    void enter(ScopeImpl<?, ?> scope);

    /** An owner running inside a scope it owns; the scope is set right after it opens. */
    final class Owner implements Frame {
        private final Thread thread = Thread.currentThread();
        private ScopeImpl<?, ?> scope;

        @Override
        public ScopeImpl<?, ?> current() {
            return scope;
        }

        @Override
        public Thread thread() {
            return thread;
        }

        @Override
        public void enter(ScopeImpl<?, ?> scope) {
            this.scope = scope;
        }
    }
}
