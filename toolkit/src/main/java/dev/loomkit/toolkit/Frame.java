package dev.loomkit.toolkit;

/**
 * What the current thread is doing inside a scope: a forked task ({@link TaskImpl}), or an owner
 * running its body inside the scope it owns ({@link Scope#call}). Bound in {@link ScopeImpl#CURRENT}.
 */
sealed interface Frame permits TaskImpl, Frame.Owner {

    /** {@return the scope this frame is part of, or null while an owner frame's scope is opening} */
    ScopeImpl<?, ?> scope();

    /** An owner running inside its own scope; the scope is set once, right after it opens. */
    final class Owner implements Frame {
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
