package dev.loomkit.toolkit;

import java.util.concurrent.ThreadFactory;

/** The two thread modes every concurrency test runs under. */
public enum ThreadMode {
    VIRTUAL(Thread.ofVirtual().factory()),
    PLATFORM(Thread.ofPlatform().daemon().factory());

    private final ThreadFactory factory;

    ThreadMode(ThreadFactory factory) {
        this.factory = factory;
    }

    public ThreadFactory factory() {
        return factory;
    }

    /** A config for a scope whose tasks run in this mode. */
    public ScopeConfig config(String name) {
        return ScopeConfig.named(name).withThreadFactory(factory);
    }

    /** How many threads a test may start in this mode: platform threads cost a real stack each. */
    public int scale(int virtualCount) {
        return this == VIRTUAL ? virtualCount : Math.max(2, virtualCount / 10);
    }
}
