package dev.loomkit.toolkit.sync;

import dev.loomkit.toolkit.internal.MutexRegistry;
import dev.loomkit.toolkit.internal.JfrWarmup;
import dev.loomkit.toolkit.internal.MutexWaitEvent;
import dev.loomkit.toolkit.internal.ToolkitProbe;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.AbstractQueuedLongSynchronizer;

/**
 * {@link AsyncMutex} on an AQS whose state is a stamp: positive while held (the stamp of the hold),
 * {@code -stamp} once that hold is released (0 before the first). Each acquisition moves the state
 * from {@code -s} to {@code s + 1}, so stamps never repeat, and a release is one CAS from the guard's
 * stamp to its negation, which fails for a double or stale release without any extra flag.
 */
final class FairAsyncMutex implements AsyncMutex, MutexRegistry.Entry {
    private static final VarHandle HOLDER, SINCE;

    static {
        JfrWarmup.start(); // the first contended lock must not pay for loading JFR's event classes
        try {
            var lookup = MethodHandles.lookup();
            HOLDER = lookup.findVarHandle(FairAsyncMutex.class, "holder", Thread.class);
            SINCE = lookup.findVarHandle(FairAsyncMutex.class, "since", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@link #since} before anyone has timed the current hold. */
    private static final long UNTIMED = Long.MIN_VALUE;

    private final String name;
    private final Sync sync = new Sync();
    // Diagnostics, written with opaque stores: cheaper than volatile, and a reader only needs a
    // recent value, not one ordered with the lock state.
    @SuppressWarnings("unused")
    private Thread holder;
    // When the current hold began (nanoTime), or UNTIMED. An uncontended acquisition with no
    // registry bound reads no clock: on the benchmark machine System.nanoTime() costs twice a whole
    // lock/unlock (22 ns against 10). The first waiter stamps an untimed hold with a lower bound.
    @SuppressWarnings("unused")
    private long since = UNTIMED;

    FairAsyncMutex(String name) {
        this.name = Objects.requireNonNull(name, "name");
        MutexRegistry.register(this);
    }

    private static final class Sync extends AbstractQueuedLongSynchronizer {
        @Override
        protected boolean tryAcquire(long ignored) {
            long s = getState();
            return s <= 0 && !hasQueuedPredecessors() && compareAndSetState(s, 1 - s);
        }

        @Override
        protected boolean tryRelease(long stamp) {
            if (compareAndSetState(stamp, -stamp)) {
                return true;
            }
            long s = getState();
            throw new IllegalStateException(s == -stamp
                    ? "guard already released (double release)"
                    : "stale guard: its hold ended and the mutex has since been acquired again");
        }

        @Override
        protected boolean isHeldExclusively() {
            return getState() > 0;
        }

        boolean fastAcquire() {
            return tryAcquire(1);
        }

        long stamp() {
            return getState();
        }
    }

    // ---- acquisition ---------------------------------------------------------------------------

    /** The fast path: no clock read unless a registry is bound. */
    private GuardImpl acquiredAtOnce() {
        HOLDER.setOpaque(this, Thread.currentThread());
        ToolkitProbe probe = ToolkitProbe.current();
        if (probe == ToolkitProbe.NOOP) {
            SINCE.setOpaque(this, UNTIMED);
        } else {
            SINCE.setOpaque(this, System.nanoTime());
            probe.mutexWaited(name, 0);
        }
        return new GuardImpl(this, sync.stamp());
    }

    /** After a wait that began at {@code waitStart}: the clock is read anyway. */
    private GuardImpl acquiredAfterWait(long waitStart) {
        long now = System.nanoTime();
        HOLDER.setOpaque(this, Thread.currentThread());
        SINCE.setOpaque(this, now);
        ToolkitProbe probe = ToolkitProbe.current();
        if (probe != ToolkitProbe.NOOP) {
            probe.mutexWaited(name, now - waitStart);
        }
        return new GuardImpl(this, sync.stamp());
    }

    /** A waiter is about to queue: time the current hold if nobody has, as a lower bound. */
    private long startWaiting() {
        long now = System.nanoTime();
        SINCE.compareAndSet(this, UNTIMED, now);
        return now;
    }

    @Override
    public Guard lock() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before locking '" + name + "'");
        }
        if (sync.fastAcquire()) {
            return acquiredAtOnce();
        }
        MutexWaitEvent event = waitEvent();
        long start = startWaiting();
        try {
            sync.acquireInterruptibly(1);
        } catch (InterruptedException e) {
            commit(event, false);
            throw e;
        }
        commit(event, true);
        return acquiredAfterWait(start);
    }

    @Override
    public Guard lockUninterruptibly() {
        if (sync.fastAcquire()) {
            return acquiredAtOnce();
        }
        MutexWaitEvent event = waitEvent();
        long start = startWaiting();
        sync.acquire(1); // AQS re-asserts the interrupt status if one arrived while waiting
        commit(event, true);
        return acquiredAfterWait(start);
    }

    @Override
    public Optional<Guard> tryLock() {
        return sync.fastAcquire() ? Optional.of(acquiredAtOnce()) : Optional.empty();
    }

    /** The timeout in nanoseconds, 0 for a negative one and Long.MAX_VALUE (292 years) past that. */
    private static long saturatedNanos(Duration timeout) {
        if (timeout.isNegative()) {
            return 0;
        }
        return timeout.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : timeout.toNanos();
    }

    @Override
    public Optional<Guard> tryLock(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        if (Thread.interrupted()) {
            throw new InterruptedException("interrupted before locking '" + name + "'");
        }
        if (sync.fastAcquire()) {
            return Optional.of(acquiredAtOnce());
        }
        MutexWaitEvent event = waitEvent();
        long start = startWaiting();
        boolean got;
        try {
            got = sync.tryAcquireNanos(1, saturatedNanos(timeout));
        } catch (InterruptedException e) {
            commit(event, false);
            throw e;
        }
        commit(event, got);
        return got ? Optional.of(acquiredAfterWait(start)) : Optional.empty();
    }

    /**
     * A started wait event, or null early in a process while JFR's classes are still being made
     * ready: a task's first contended lock must not wait for that, and a duration cannot be
     * recorded afterwards, so waits in that first fraction of a second go unrecorded.
     */
    private static MutexWaitEvent waitEvent() {
        if (!JfrWarmup.isReady()) {
            return null;
        }
        var event = new MutexWaitEvent();
        event.begin();
        return event;
    }

    private void commit(MutexWaitEvent event, boolean acquired) {
        if (event == null) {
            return;
        }
        event.end();
        if (event.shouldCommit()) {
            event.mutex = name;
            event.acquired = acquired;
            event.commit();
        }
    }

    @Override
    public <V> V withLock(Callable<V> action) throws Exception {
        Objects.requireNonNull(action, "action");
        try (var ignored = lock()) {
            return action.call();
        }
    }

    private void release(GuardImpl guard) {
        long heldSince = (long) SINCE.getOpaque(this);
        if (sync.stamp() == guard.stamp) {
            // Clear the diagnostics before the release publishes the lock to the next holder, and only
            // for a guard that holds the lock: a stale guard must not touch the real holder's.
            HOLDER.setOpaque(this, null);
        }
        sync.release(guard.stamp); // throws for a double or stale release
        ToolkitProbe probe = ToolkitProbe.current();
        if (probe != ToolkitProbe.NOOP && heldSince != UNTIMED) {
            probe.mutexHeld(name, System.nanoTime() - heldSince);
        }
    }

    // ---- diagnostics -------------------------------------------------------------------------

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isLocked() {
        return sync.stamp() > 0;
    }

    @Override
    public Optional<String> holder() {
        Thread t = (Thread) HOLDER.getOpaque(this);
        return isLocked() && t != null ? Optional.of(t.getName()) : Optional.empty();
    }

    @Override
    public Optional<Instant> lockedSince() {
        long s = (long) SINCE.getOpaque(this);
        return isLocked() && s != UNTIMED ? Optional.of(Instant.now().minusNanos(System.nanoTime() - s)) : Optional.empty();
    }

    @Override
    public int queueLength() {
        return sync.getQueueLength();
    }

    @Override
    public String toString() {
        return "AsyncMutex[" + name + (isLocked() ? ", held by " + holder().orElse("?") : ", unlocked")
                + ", waiting=" + queueLength() + "]";
    }

    static final class GuardImpl implements Guard {
        private final FairAsyncMutex mutex;
        private final long stamp;

        GuardImpl(FairAsyncMutex mutex, long stamp) {
            this.mutex = mutex;
            this.stamp = stamp;
        }

        @Override
        public AsyncMutex mutex() {
            return mutex;
        }

        @Override
        public boolean isHeld() {
            return mutex.sync.stamp() == stamp;
        }

        @Override
        public void close() {
            try {
                mutex.release(this);
            } catch (IllegalStateException e) {
                throw new IllegalStateException("AsyncMutex '" + mutex.name + "': " + e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "Guard[" + mutex.name + "#" + stamp + (isHeld() ? ", held]" : ", released]");
        }
    }
}
