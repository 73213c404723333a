package dev.loomkit.toolkit;

/**
 * What the current thread is doing inside a scope: a forked task ({@link TaskImpl}), or an owner
 * running its body inside the scope it owns ({@link Scope#call}). Bound in {@link ScopeImpl#CURRENT}.
 */
sealed interface Frame permits TaskImpl, Frame.Owner {

    /** {@return the scope this frame is part of, or null while an owner frame's scope is opening} */
    ScopeImpl<?, ?> scope();

    /**
     * An owner running inside a scope it owns. One frame serves every {@link Scope#call} nested in
     * the thread that bound it: a nested call points it at its own scope and restores it on return,
     * so a thread that runs many short scopes one after another (a connection serving requests)
     * binds a scoped value once, not once per scope. Only the thread that bound it reads or writes
     * {@link #scope}: forked tasks rebind {@link ScopeImpl#CURRENT} to themselves before running.
     */
    final class Owner implements Frame {
        final Thread thread = Thread.currentThread();
        private ScopeImpl<?, ?> scope;

        @Override
        public ScopeImpl<?, ?> scope() {
            return scope;
        }

        void set(ScopeImpl<?, ?> scope) {
            this.scope = scope;
        }
    }
}
