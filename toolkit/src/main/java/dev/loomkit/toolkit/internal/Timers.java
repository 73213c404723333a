package dev.loomkit.toolkit.internal;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The toolkit's one timer thread, for deadlines and straggler checks. A daemon platform thread:
 * a deadline must fire even when every carrier is busy, and it must never keep the JVM alive.
 * Cancelled timers are removed at once, so thousands of short-lived scopes leave nothing queued.
 */
public final class Timers {
    private static final ScheduledThreadPoolExecutor EXECUTOR = create();

    private Timers() {
    }

    private static ScheduledThreadPoolExecutor create() {
        var executor = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("loomkit-timer").factory());
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        return executor;
    }

    /**
     * Runs {@code action} on the timer thread after {@code delayNanos}. The action must be quick and
     * must not block.
     *
     * @param action     what to run
     * @param delayNanos delay in nanoseconds; zero or less runs it as soon as possible
     * @return a handle to cancel it
     */
    public static ScheduledFuture<?> schedule(Runnable action, long delayNanos) {
        return EXECUTOR.schedule(action, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }
}
