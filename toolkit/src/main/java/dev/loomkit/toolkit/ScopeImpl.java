package dev.loomkit.toolkit;

import dev.loomkit.toolkit.internal.ScopeCancelledEvent;
import dev.loomkit.toolkit.internal.Timers;
import dev.loomkit.toolkit.internal.ToolkitProbe;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scope: ownership and lifecycle, the policy, the task set, cancellation with reasons, the
 * deadline and the straggler check. Threads and containment come from {@link JdkScope}.
 *
 * <p>Lifecycle: {@code OPEN -> JOINING -> JOINED -> CLOSED}, driven by the owner only. Cancellation is
 * orthogonal and may come from any thread, once: the first {@link Cancellation} wins.
 */
final class ScopeImpl<T, R> implements Scope<T, R> {
    private static final Logger LOG = LoggerFactory.getLogger(Scope.class);

    /** What the current thread does inside a scope: a task's body, or an owner's {@link Scope#call} body. */
    static final ScopedValue<Frame> CURRENT = ScopedValue.newInstance();

    private static final ThreadFactory DEFAULT_THREADS = Thread.ofVirtual().factory();
    private static final int OPEN = 0, JOINING = 1, JOINED = 2, CLOSED = 3;
    private static final VarHandle CANCELLATION;

    static {
        try {
            CANCELLATION = MethodHandles.lookup().findVarHandle(ScopeImpl.class, "cancellation", Cancellation.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The first cancellation: why, whether the scope's own policy asked for it, and when. */
    private record Cancellation(CancelReason reason, boolean byPolicy, long atNanos, AtomicBoolean endReported) {
        Cancellation(CancelReason reason, boolean byPolicy) {
            this(reason, byPolicy, System.nanoTime(), new AtomicBoolean());
        }
    }

    private final String name;
    private final ScopeImpl<?, ?> parent;
    private final JoinPolicy<T, R> policy;
    private final Thread owner;
    private final ThreadFactory threads;
    private final Duration stragglerAfter;
    private final boolean hasDeadline;
    private final long deadlineNanos; // System.nanoTime() base; meaningful only if hasDeadline
    private final JdkScope jdk;
    private final ToolkitProbe probe;

    private volatile int state = OPEN;
    private volatile Cancellation cancellation;
    private final Set<TaskImpl<?>> running = ConcurrentHashMap.newKeySet();
    private final AtomicInteger unfinished = new AtomicInteger();
    private final Set<ScopeImpl<?, ?>> children = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<Hook> hooks = new ConcurrentLinkedQueue<>();
    private volatile ScheduledFuture<?> deadlineTimer;
    private volatile ScheduledFuture<?> stragglerTimer;
    private String nextThreadName; // owner-only: names the thread the JDK scope asks for in fork
    private volatile boolean ownerWaiting; // the owner is parked in join

    private ScopeImpl(ScopeConfig config, JoinPolicy<T, R> policy, ScopeImpl<?, ?> parent) {
        this.name = config.name();
        this.parent = parent;
        this.policy = Objects.requireNonNull(policy, "policy");
        this.owner = Thread.currentThread();
        this.threads = config.threadFactory() != null ? config.threadFactory()
                : parent != null ? parent.threads : DEFAULT_THREADS;
        this.stragglerAfter = config.stragglerAfter();
        long now = System.nanoTime();
        long own = ownDeadline(config, now);
        boolean ownSet = own != Long.MIN_VALUE;
        boolean parentSet = parent != null && parent.hasDeadline;
        this.hasDeadline = ownSet || parentSet;
        this.deadlineNanos = !ownSet ? (parentSet ? parent.deadlineNanos : 0)
                : !parentSet ? own : (own - parent.deadlineNanos < 0 ? own : parent.deadlineNanos);
        this.probe = ToolkitProbe.current();
        this.jdk = new JdkScope(name, this::newThread);
        probe.scopeOpened(name);
        // A deadline inherited from the parent needs no timer here: the parent's cancellation reaches
        // this scope as PARENT_CANCELLED, whose root is the deadline.
        if (ownSet && (!parentSet || own - parent.deadlineNanos < 0)) {
            deadlineTimer = Timers.schedule(() -> cancel(CancelReason.deadline(name)), own - now);
        }
    }

    /** The own deadline as a nanoTime value, or Long.MIN_VALUE for none. */
    private static long ownDeadline(ScopeConfig config, long now) {
        long best = Long.MIN_VALUE;
        if (config.timeout() != null) {
            best = now + saturatedNanos(config.timeout());
        }
        if (config.deadline() != null) {
            long d = now + saturatedNanos(Duration.between(Instant.now(), config.deadline()));
            if (best == Long.MIN_VALUE || d - best < 0) {
                best = d;
            }
        }
        return best;
    }

    private static long saturatedNanos(Duration d) {
        // Cap at ~100 years so that nanoTime arithmetic cannot overflow.
        return d.compareTo(Duration.ofDays(36_500)) > 0 ? Duration.ofDays(36_500).toNanos() : d.toNanos();
    }

    static <T, R> Scope<T, R> open(ScopeConfig config, JoinPolicy<T, R> policy) {
        return open(config, policy, current());
    }

    static <T, R, V> V call(ScopeConfig config, JoinPolicy<T, R> policy, Scope.Body<T, R, V> body) throws Exception {
        Objects.requireNonNull(body, "body");
        ScopeImpl<?, ?> parent = current();
        var frame = new Frame.Owner();
        // Bound before the scope opens, so that the JDK scope captures this binding and forks from
        // the body (made under the same binding) pass its structure check.
        return ScopedValue.where(CURRENT, frame).call(() -> {
            try (var scope = open(config, policy, parent)) {
                frame.set(scope);
                return body.run(scope);
            }
        });
    }

    private static <T, R> ScopeImpl<T, R> open(ScopeConfig config, JoinPolicy<T, R> policy, ScopeImpl<?, ?> parent) {
        Objects.requireNonNull(config, "config");
        var scope = new ScopeImpl<>(config, policy, parent);
        if (parent != null) {
            // Register, then look: either the parent's cancel() sees this child or this sees it.
            parent.children.add(scope);
            Cancellation pc = parent.cancellation;
            if (pc != null) {
                scope.cancel(CancelReason.parentCancelled(parent.name, pc.reason));
            }
        }
        if (scope.hasDeadline && scope.deadlineNanos - System.nanoTime() <= 0) {
            scope.cancel(CancelReason.deadline(scope.name)); // already late: no race with the timer
        }
        return scope;
    }

    static ScopeImpl<?, ?> current() {
        return CURRENT.isBound() ? CURRENT.get().scope() : null;
    }

    private Thread newThread(Runnable r) {
        Thread t = threads.newThread(r);
        if (t != null) {
            t.setName(nextThreadName);
        }
        return t;
    }

    // ---- owner operations -------------------------------------------------------------------

    private void ensureOwner(String operation) {
        if (Thread.currentThread() != owner) {
            throw new WrongThreadException("scope '" + name + "' is owned by thread '" + owner.getName()
                    + "'; " + operation + " was called from '" + Thread.currentThread().getName() + "'");
        }
    }

    void ensureJoinedIfOwner(String operation) {
        if (Thread.currentThread() == owner && state < JOINED) {
            throw new IllegalStateException("scope '" + name + "': cannot " + operation + " before join");
        }
    }

    @Override
    public <U extends T> Task<U> fork(String taskName, Callable<? extends U> body) {
        Objects.requireNonNull(taskName, "name");
        Objects.requireNonNull(body, "task");
        ensureOwner("fork");
        switch (state) {
            case OPEN -> { }
            case CLOSED -> throw new IllegalStateException("scope '" + name + "' is closed: cannot fork '" + taskName + "'");
            default -> throw new IllegalStateException("scope '" + name + "' has already joined: cannot fork '" + taskName + "' after join");
        }
        var task = new TaskImpl<U>(this, taskName, body);
        policy.onFork(task);
        probe.taskForked(name);
        unfinished.incrementAndGet();
        if (isCancelled()) {
            task.cancelBeforeStart();
            taskEnded(task);
            return task;
        }
        nextThreadName = name + "/" + taskName;
        try {
            jdk.fork(task);
        } catch (RuntimeException | Error e) {
            // No thread was started (the factory refused, or a structure violation): the task is over.
            if (task.cancelBeforeStart()) {
                taskEnded(task);
            }
            throw e;
        }
        // A cancellation between the check above and here is seen by run(), which then ends at once.
        return task;
    }

    @Override
    public <U extends T> Task<U> fork(String taskName, Action body) {
        Objects.requireNonNull(body, "task");
        return fork(taskName, () -> {
            body.run();
            return null;
        });
    }

    @Override
    public R join() throws InterruptedException {
        ensureOwner("join");
        switch (state) {
            case OPEN -> { }
            case CLOSED -> throw new IllegalStateException("scope '" + name + "' is closed: cannot join");
            default -> throw new IllegalStateException("scope '" + name + "' has already joined: join may be called once");
        }
        state = JOINING;
        try {
            // Wait for every task to end, not only until the scope is cancelled (when the JDK's join
            // returns): the policy's result then covers all outcomes, e.g. every suppressed failure.
            awaitTasksEnded();
            jdk.join();
        } catch (InterruptedException e) {
            state = JOINED;
            // An interrupt that is part of a cancellation (a parent cancelled, which interrupts this
            // owner as one of its tasks) is reported as that cancellation, with the interrupt status
            // kept for the code above. Only a bare interrupt is an InterruptedException.
            Cancellation pc = parent == null ? null : parent.cancellation;
            if (pc != null) {
                cancel(CancelReason.parentCancelled(parent.name, pc.reason));
            }
            Cancellation c = cancellation;
            if (c != null && !c.byPolicy) {
                Thread.currentThread().interrupt();
                throw ScopeCancelledException.of(name, c.reason);
            }
            cancel(CancelReason.ownerInterrupted(name));
            throw e;
        }
        state = JOINED;
        Cancellation c = cancellation;
        if (c != null && !c.byPolicy) {
            throw ScopeCancelledException.of(name, c.reason);
        }
        return policy.result();
    }

    private void awaitTasksEnded() throws InterruptedException {
        ownerWaiting = true;
        try {
            while (unfinished.get() > 0) {
                LockSupport.park(this);
                if (Thread.interrupted()) {
                    throw new InterruptedException("interrupted while joining scope '" + name + "'");
                }
            }
        } finally {
            ownerWaiting = false;
        }
    }

    @Override
    public void close() {
        ensureOwner("close");
        int s = state;
        if (s == CLOSED) {
            return;
        }
        if (s < JOINED && unfinished.get() > 0) {
            cancel(CancelReason.abandoned(name));
        }
        try {
            jdk.close();
        } catch (IllegalStateException e) {
            if (s >= JOINING) {
                return; // join was interrupted before the JDK scope joined: not a misuse
            }
            throw new IllegalStateException("scope '" + name + "': the owner forked tasks but did not join before close", e);
        } finally {
            state = CLOSED;
            hooks.clear();
            cancelTimer(deadlineTimer);
            cancelTimer(stragglerTimer);
            if (parent != null) {
                parent.children.remove(this);
            }
            probe.scopeClosed(name);
        }
    }

    private static void cancelTimer(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    // ---- cancellation (any thread) -----------------------------------------------------------

    @Override
    public boolean cancel(CancelReason reason) {
        return cancel(reason, false);
    }

    private boolean cancel(CancelReason reason, boolean byPolicy) {
        Objects.requireNonNull(reason, "reason");
        if (state == CLOSED) {
            return false;
        }
        var c = new Cancellation(reason, byPolicy);
        if (!CANCELLATION.compareAndSet(this, (Cancellation) null, c)) {
            return false;
        }
        probe.scopeCancelled(name, reason);
        // Children first: a child's owner is one of our tasks, and once interrupted it closes the
        // child; cancelling the child before that gives its tasks the parent's reason.
        var childReason = CancelReason.parentCancelled(name, reason);
        for (ScopeImpl<?, ?> child : children) {
            child.cancel(childReason);
        }
        // Claim the hooks registered now (each will run, even if its registration is closed from
        // here on), then interrupt, then run them: a task that a hook wakes, by closing its socket
        // say, already sees its interrupt, so its exception reads as the cancellation it is.
        List<Hook> claimed = new ArrayList<>();
        for (Hook hook : hooks) {
            if (hook.claim()) {
                claimed.add(hook);
            }
        }
        for (TaskImpl<?> task : running) {
            Thread t = task.thread();
            if (t != Thread.currentThread()) {
                t.interrupt();
            }
        }
        claimed.forEach(Hook::run);
        if (unfinished.get() == 0) {
            reportCancelEnd(c);
        } else {
            stragglerTimer = Timers.schedule(this::reportStragglers, stragglerAfter.toNanos());
        }
        return true;
    }

    @Override
    public boolean isCancelled() {
        return cancellation != null;
    }

    @Override
    public Optional<CancelReason> cancelReason() {
        Cancellation c = cancellation;
        return c == null ? Optional.empty() : Optional.of(c.reason);
    }

    // ---- tasks (their own threads) -----------------------------------------------------------

    void taskStarted(TaskImpl<?> task) {
        running.add(task);
    }

    @SuppressWarnings("unchecked")
    void taskEnded(TaskImpl<?> task) {
        running.remove(task);
        probe.taskEnded(name, task.outcome());
        policy.onComplete((Task<? extends T>) task).ifPresent(reason -> cancel(reason, true));
        if (unfinished.decrementAndGet() == 0) {
            Cancellation c = cancellation;
            if (c != null) {
                reportCancelEnd(c);
            }
            // Only a waiting owner is unparked: an unpark of an owner that is not parked leaves a
            // permit that would cut short its next, unrelated park.
            if (ownerWaiting) {
                LockSupport.unpark(owner);
            }
        }
    }

    private void reportCancelEnd(Cancellation c) {
        if (!c.endReported.compareAndSet(false, true)) {
            return;
        }
        long nanos = System.nanoTime() - c.atNanos;
        probe.cancelCompleted(name, c.reason, nanos);
        var event = new ScopeCancelledEvent();
        if (event.shouldCommit()) {
            event.scope = name;
            event.reason = c.reason.kind().tag();
            event.rootReason = c.reason.root().kind().tag();
            event.message = c.reason.message();
            event.cancelToEnd = nanos;
            event.commit();
        }
    }

    private void reportStragglers() {
        Cancellation c = cancellation;
        for (TaskImpl<?> task : running) {
            Thread t = task.thread();
            if (task.stragglerReported || t == null || !t.isAlive()) {
                continue;
            }
            task.stragglerReported = true; // only the timer thread writes it
            probe.straggler(name);
            var stack = new Throwable("stack of straggler " + t.getName());
            stack.setStackTrace(t.getStackTrace());
            LOG.warn("task '{}' of scope '{}' is still running {} after the scope was cancelled ({}); "
                    + "it does not respond to interrupts, and the scope cannot close until it ends",
                    task.name(), name, stragglerAfter, c == null ? "?" : c.reason, stack);
        }
    }

    // ---- hooks -------------------------------------------------------------------------------

    private final class Hook implements Registration {
        private static final int PENDING = 0, CLAIMED = 1, DONE = 2;
        private final Runnable action;
        private final AtomicInteger state = new AtomicInteger(PENDING);

        Hook(Runnable action) {
            this.action = action;
        }

        /** The cancellation takes this hook: it will run, once. */
        boolean claim() {
            return state.compareAndSet(PENDING, CLAIMED);
        }

        void run() {
            hooks.remove(this);
            try {
                action.run();
            } catch (RuntimeException | Error e) {
                LOG.error("on-cancel hook of scope '{}' failed", name, e);
            } finally {
                state.set(DONE);
            }
        }

        @Override
        public void close() {
            if (state.compareAndSet(PENDING, DONE)) {
                hooks.remove(this);
            }
        }
    }

    @Override
    public Registration onCancel(Runnable action) {
        Objects.requireNonNull(action, "hook");
        if (state == CLOSED) {
            throw new IllegalStateException("scope '" + name + "' is closed: cannot register an on-cancel hook");
        }
        var hook = new Hook(action);
        hooks.add(hook);
        if (isCancelled() && hook.claim()) {
            hook.run(); // register, then look: as in cancel(), one of the two claims it
        }
        return hook;
    }

    // ---- context -----------------------------------------------------------------------------

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<Scope<?, ?>> parent() {
        return Optional.ofNullable(parent);
    }

    @Override
    public Optional<Instant> deadline() {
        return hasDeadline ? Optional.of(Instant.now().plusNanos(deadlineNanos - System.nanoTime())) : Optional.empty();
    }

    @Override
    public Optional<Duration> timeRemaining() {
        return hasDeadline ? Optional.of(Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()))) : Optional.empty();
    }

    @Override
    public String toString() {
        Cancellation c = cancellation;
        return "Scope[" + name + ", " + switch (state) {
            case OPEN -> "open";
            case JOINING -> "joining";
            case JOINED -> "joined";
            default -> "closed";
        } + (c == null ? "" : ", cancelled: " + c.reason) + ", running=" + running.size() + "]";
    }
}
