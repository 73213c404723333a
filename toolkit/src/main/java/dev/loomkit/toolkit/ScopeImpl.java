package dev.loomkit.toolkit;

import dev.loomkit.toolkit.host.HostedScopes;
import dev.loomkit.toolkit.internal.JfrWarmup;
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
import java.util.concurrent.StructureViolationException;
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
 *
 * <p><b>Pay for what is used.</b> Opening a scope allocates this object and nothing else. What only
 * some scopes need is made on first use:
 * <ul>
 *   <li>the JDK scope and the task bookkeeping ({@link Forks}), at the first fork (owner thread);</li>
 *   <li>the set of children, when the first child needs to be reached (any thread, by CAS);</li>
 *   <li>the hook queue, at the first {@link #onCancel} (any thread, by CAS);</li>
 *   <li>the deadline timer, once something must be woken when the deadline passes: a task or a
 *       hook ({@link #reachable()}).</li>
 * </ul>
 * Until then the two things that would otherwise arrive asynchronously are applied when someone
 * looks ({@link #settle()}): a passed deadline, and an ancestor's cancellation. Every read of the
 * cancellation state ({@code isCancelled}, {@code cancelReason}, {@code join}, {@code close}) settles
 * first, so an observer cannot tell a lazy scope from an eager one, except that a deadline is now
 * seen exactly when it passes instead of when a timer thread gets round to it.
 */
final class ScopeImpl<T, R> implements Scope<T, R> {
    private static final Logger LOG = LoggerFactory.getLogger(Scope.class);

    /** What the current thread does inside a scope: a task's body, or an owner's {@link Scope#call} body. */
    static final ScopedValue<Frame> CURRENT = ScopedValue.newInstance();
    /** What {@link #CURRENT} reads as where it is not bound (it takes no null): a frame never entered, so in no scope. */
    private static final Frame UNBOUND = new Frame.Owner();

    private static final ThreadFactory DEFAULT_THREADS = Thread.ofVirtual().factory();
    private static final int OPEN = 0, JOINING = 1, JOINED = 2, CLOSED = 3;
    private static final VarHandle CANCELLATION;

    static {
        JfrWarmup.start(); // the first cancellation must not pay for loading JFR's event classes
        rehearseCancellation();
        try {
            CANCELLATION = MethodHandles.lookup().findVarHandle(ScopeImpl.class, "cancellation", Cancellation.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The first cancellation: why, whether the scope's own policy asked for it, and when. */
    private record Cancellation(CancelReason reason, boolean byPolicy, long atNanos, AtomicBoolean endReported,
                                AtomicBoolean carriedOut) {
        Cancellation(CancelReason reason, boolean byPolicy) {
            this(reason, byPolicy, System.nanoTime(), new AtomicBoolean(), new AtomicBoolean());
        }
    }

    /**
     * What a scope that has forked needs: made by the owner at its first fork, then never replaced.
     * {@code running} is written by the tasks' threads and read by any canceller; {@code unfinished}
     * is counted up by the owner and down by the tasks.
     */
    private static final class Forks {
        final JdkScope jdk;
        final Set<TaskImpl<?>> running = ConcurrentHashMap.newKeySet();
        final AtomicInteger unfinished = new AtomicInteger();

        Forks(JdkScope jdk) {
            this.jdk = jdk;
        }
    }

    private static final VarHandle CHILDREN, HOOKS, REACHABLE, HOST_HOOK_RAN;

    static {
        try {
            var lookup = MethodHandles.lookup();
            CHILDREN = lookup.findVarHandle(ScopeImpl.class, "children", Set.class);
            HOOKS = lookup.findVarHandle(ScopeImpl.class, "hooks", ConcurrentLinkedQueue.class);
            REACHABLE = lookup.findVarHandle(ScopeImpl.class, "reachable", boolean.class);
            HOST_HOOK_RAN = lookup.findVarHandle(ScopeImpl.class, "hostHookRan", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        HostedScopes.install(new HostedScopes.Impl() {
            @Override
            public <V> V call(ScopeConfig config, Runnable onCancel, Scope.Body<Object, Void, V> body) throws Exception {
                return ScopeImpl.call(config, JoinPolicy.failFast(), Objects.requireNonNull(onCancel, "onCancel"), body);
            }
        });
    }

    private final String name;
    private final ScopeImpl<?, ?> parent;
    private final JoinPolicy<T, R> policy;
    private final Thread owner;
    private final ThreadFactory threads;
    private final Duration stragglerAfter;
    private final boolean hasDeadline;
    private final long deadlineNanos; // System.nanoTime() base; meaningful only if hasDeadline
    /** The effective deadline is this scope's own, not one inherited: this scope's timer keeps it. */
    private final boolean ownsDeadline;
    /** Hosted ({@link HostedScopes}): the host keeps the deadline and is told of the cancellation. */
    private final Runnable hostHook;
    private final ToolkitProbe probe;

    private volatile int state = OPEN;
    private volatile Cancellation cancellation;
    private volatile Forks forks;                          // owner writes once, any thread reads
    private volatile Set<ScopeImpl<?, ?>> children;         // made by CAS; children add and remove themselves
    private volatile ConcurrentLinkedQueue<Hook> hooks;     // made by CAS at the first hook
    private volatile ScheduledFuture<?> deadlineTimer;      // set once, by the thread that made this reachable
    private volatile boolean reachable;                     // set by CAS: registered with the parent, timer armed
    private volatile boolean hostHookRan;                   // set by CAS: the hosted hook runs once
    private volatile ScheduledFuture<?> stragglerTimer;
    private String nextThreadName; // owner-only: names the thread the JDK scope asks for in fork
    private boolean forked; // owner-only: fork was called, whether or not a thread started
    private Thread lastThread; // owner-only: the thread the factory made for the fork under way
    private TaskImpl<?> nextTask; // owner-only: the task of the fork under way
    private volatile StructureViolationException structureBroken; // a fork the JDK scope dropped
    /**
     * Owner-only: the scope the owner's frame points at when it may fork here: this scope for one
     * opened by {@link Scope#call}, the enclosing one for {@link Scope#open}. Pointing elsewhere
     * means a fork from inside the body of a nested call.
     */
    private ScopeImpl<?, ?> forkFrom;
    private volatile Throwable policyFailure; // the first exception a policy's onComplete threw
    private volatile boolean ownerWaiting; // the owner is parked in join

    private ScopeImpl(ScopeConfig config, JoinPolicy<T, R> policy, ScopeImpl<?, ?> parent, Runnable hostHook) {
        this.name = config.name();
        this.parent = parent;
        this.policy = Objects.requireNonNull(policy, "policy");
        this.owner = Thread.currentThread();
        this.threads = config.threadFactory() != null ? config.threadFactory()
                : parent != null ? parent.threads : DEFAULT_THREADS;
        this.stragglerAfter = config.stragglerAfter();
        this.hostHook = hostHook;
        long own = config.timeout() == null && config.deadline() == null ? Long.MIN_VALUE : ownDeadline(config, System.nanoTime());
        boolean ownSet = own != Long.MIN_VALUE;
        boolean parentSet = parent != null && parent.hasDeadline;
        this.hasDeadline = ownSet || parentSet;
        this.ownsDeadline = ownSet && (!parentSet || own - parent.deadlineNanos < 0);
        this.deadlineNanos = ownsDeadline ? own : parentSet ? parent.deadlineNanos : 0;
        this.probe = ToolkitProbe.current();
        probe.scopeOpened(name);
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

    private static final Duration CENTURY = Duration.ofDays(36_500);
    private static final Duration MINUS_CENTURY = CENTURY.negated();

    private static long saturatedNanos(Duration d) {
        // Capped at ~100 years either way, so that nanoTime arithmetic cannot overflow: a deadline of
        // Instant.MIN is simply long past, and one of Instant.MAX never comes.
        if (d.compareTo(CENTURY) > 0) {
            return CENTURY.toNanos();
        }
        return d.compareTo(MINUS_CENTURY) < 0 ? -CENTURY.toNanos() : d.toNanos();
    }

    static <T, R> Scope<T, R> open(ScopeConfig config, JoinPolicy<T, R> policy) {
        return open(config, policy, current(), null);
    }

    static <T, R, V> V call(ScopeConfig config, JoinPolicy<T, R> policy, Scope.Body<T, R, V> body) throws Exception {
        return call(config, policy, null, body);
    }

    private static <T, R, V> V call(ScopeConfig config, JoinPolicy<T, R> policy, Runnable hostHook,
                                    Scope.Body<T, R, V> body) throws Exception {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(config, "config");
        // One scoped-value lookup: a connection's thread calls this once per request, just after it
        // was mounted again, when the lookup misses the cache and searches the bindings.
        Frame bound = CURRENT.orElse(UNBOUND);
        ScopeImpl<?, ?> parent = bound.current();
        if (bound != UNBOUND && bound.thread() == Thread.currentThread()) {
            // This thread already runs under a frame of its own (a task's, or an owner's): point it
            // here for the duration. The JDK scope, if this scope forks, captures the same binding
            // that its forks run under.
            try (var scope = open(config, policy, parent, hostHook)) {
                scope.forkFrom = scope;
                bound.enter(scope);
                return body.run(scope);
            } finally {
                bound.enter(parent);
            }
        }
        var frame = new Frame.Owner();
        // Bound before the scope opens, so that the JDK scope captures this binding and forks from
        // the body (made under the same binding) pass its structure check.
        return ScopedValue.where(CURRENT, frame).call(() -> {
            try (var scope = open(config, policy, parent, hostHook)) {
                scope.forkFrom = scope;
                frame.enter(scope);
                return body.run(scope);
            }
        });
    }

    private static <T, R> ScopeImpl<T, R> open(ScopeConfig config, JoinPolicy<T, R> policy, ScopeImpl<?, ?> parent,
                                               Runnable hostHook) {
        Objects.requireNonNull(config, "config");
        var scope = new ScopeImpl<>(config, policy, parent, hostHook);
        scope.forkFrom = parent; // a call sets it to the scope itself once its frame points there
        // A parent already cancelled, or a deadline already passed: the scope opens cancelled. A
        // cancellation that comes later reaches it when it forks or hooks (then it registers with
        // its parent), or when anyone looks.
        scope.settle();
        return scope;
    }

    static ScopeImpl<?, ?> current() {
        return CURRENT.orElse(UNBOUND).current();
    }

    private Thread newThread(Runnable r) {
        TaskImpl<?> task = nextTask;
        // After the JDK's runnable: if it never ran the task, the JDK scope had been closed under
        // this one (its first fork came inside a scoped-value binding that has ended). The task
        // is then ended here, and join reports the broken structure instead of waiting forever.
        Thread t = threads.newThread(() -> {
            try {
                r.run();
            } finally {
                if (task.cancelBeforeStart()) {
                    structureBroken = new StructureViolationException("scope '" + name + "': task '" + task.name()
                            + "' never ran; the scope's first fork was made inside a ScopedValue binding that has ended "
                            + "(fork first where the scope was opened)");
                    taskEnded(task);
                }
            }
        });
        if (t != null) {
            t.setName(nextThreadName);
        }
        lastThread = t;
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
        forked = true;
        ScopeImpl<?, ?> from = current();
        if (from != forkFrom) {
            // What the JDK refused when each call bound a scoped value of its own: the fork would
            // outlive the nested scope's structure. Refused here, at the fork, as before.
            throw new StructureViolationException("scope '" + name + "': cannot fork '" + taskName + "' from inside the body of scope '"
                    + (from == null ? "?" : from.name) + "', which was opened after it");
        }
        Forks f = forks;
        if (f == null) {
            f = new Forks(new JdkScope(name, this::newThread));
            forks = f;
            makeReachable();
        }
        var task = new TaskImpl<U>(this, taskName, body);
        policy.onFork(task);
        probe.taskForked(name);
        f.unfinished.incrementAndGet();
        if (isCancelled()) {
            task.cancelBeforeStart();
            taskEnded(task);
            return task;
        }
        nextThreadName = name + "/" + taskName;
        nextTask = task;
        lastThread = null;
        try {
            f.jdk.fork(task);
        } catch (RuntimeException | Error e) {
            // No thread was started (the factory refused, or a structure violation): the task is over.
            if (task.cancelBeforeStart()) {
                taskEnded(task);
            }
            throw e;
        }
        Thread started = lastThread;
        Thread.State st = started == null ? null : started.getState();
        if ((st == null || st == Thread.State.NEW || st == Thread.State.TERMINATED) && task.cancelBeforeStart()) {
            // The JDK scope dropped the fork without a word: its container was closed under it,
            // which happens when its first fork came inside a scoped-value binding that has since
            // ended. Say so, rather than leave join waiting for a task that will never run.
            taskEnded(task);
            throw new StructureViolationException("scope '" + name + "': the fork of '" + taskName + "' started no thread; "
                    + "the scope's first fork was made inside a ScopedValue binding that has ended (fork first where the scope was opened)");
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
        Forks f = forks;
        if (f != null) {
            try {
                // Wait for every task to end, not only until the scope is cancelled (when the JDK's
                // join returns): the policy's result then covers all outcomes, e.g. every suppressed
                // failure.
                awaitTasksEnded(f);
                f.jdk.join();
            } catch (InterruptedException e) {
                state = JOINED;
                // An interrupt that is part of a cancellation (a parent cancelled, which interrupts
                // this owner as one of its tasks) is reported as that cancellation, with the
                // interrupt status kept for the code above. Only a bare interrupt is an
                // InterruptedException.
                Cancellation c = settle();
                if (c != null && !c.byPolicy) {
                    Thread.currentThread().interrupt();
                    throw ScopeCancelledException.of(name, c.reason);
                }
                cancel(CancelReason.ownerInterrupted(name));
                throw e;
            }
        }
        // Settled before the state moves on: tasks that ended at or after the deadline make a late
        // scope, whether or not a timer had fired yet.
        Cancellation c = settle();
        state = JOINED;
        StructureViolationException dropped = structureBroken;
        if (dropped != null) {
            throw dropped;
        }
        Throwable broken = policyFailure;
        if (broken != null) {
            throw new IllegalStateException("scope '" + name + "': its join policy failed in onComplete", broken);
        }
        if (c != null && !c.byPolicy) {
            throw ScopeCancelledException.of(name, c.reason);
        }
        return policy.result();
    }

    private void awaitTasksEnded(Forks f) throws InterruptedException {
        ownerWaiting = true;
        try {
            while (f.unfinished.get() > 0) {
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
        // Scopes this owner opened inside this one and left open (a bug): their tasks would
        // outlive the structure, and the JDK, closing their containers when this body's binding
        // ends, would wait for them without end. They are cancelled now, and the misuse reported.
        String abandonedChild = null;
        Set<ScopeImpl<?, ?>> kids = children;
        if (kids != null) {
            for (ScopeImpl<?, ?> child : kids) {
                if (child.owner == owner && child.state != CLOSED) {
                    abandonedChild = child.name;
                    child.cancel(CancelReason.abandoned(child.name));
                }
            }
        }
        RuntimeException own = null;
        try {
            closeOwn(s);
        } catch (RuntimeException e) {
            own = e;
        }
        if (abandonedChild != null) {
            var e = new IllegalStateException("scope '" + name + "' closed with scope '" + abandonedChild
                    + "', opened inside it, still open; it was cancelled. Close every scope before the one it was opened in");
            if (own != null) {
                e.addSuppressed(own);
            }
            throw e;
        }
        if (own != null) {
            throw own;
        }
    }

    private void closeOwn(int s) {
        Forks f = forks;
        if (s < JOINED) {
            settle(); // a deadline that passed, or a parent's cancellation, is counted as it would have been
            if (f != null && f.unfinished.get() > 0) {
                cancel(CancelReason.abandoned(name));
            }
        }
        try {
            if (f != null) {
                f.jdk.close();
            }
            if (s == OPEN && forked) {
                // Forks refused because the scope was cancelled started no thread, so the JDK
                // scope cannot tell; the misuse is the same.
                throw new IllegalStateException("the JDK scope saw no thread");
            }
        } catch (IllegalStateException e) {
            if (s >= JOINING) {
                return; // join was interrupted before the JDK scope joined: not a misuse
            }
            throw new IllegalStateException("scope '" + name + "': the owner forked tasks but did not join before close", e);
        } finally {
            // A cancellation that a look applied is carried out on the timer thread; if that has
            // not happened yet, it happens now, while the hooks are still there to run.
            Cancellation c = cancellation;
            if (c != null) {
                carryOut(c);
            }
            state = CLOSED;
            var h = hooks;
            // With a cancellation, its carry-out claims the hooks, and it may be under way on the
            // timer thread right now, past its once-only check but before its claims: clearing
            // here would lose a hook that must run. Only an uncancelled scope's hooks are dropped.
            if (h != null && cancellation == null) {
                h.clear();
            }
            cancelTimer(deadlineTimer);
            cancelTimer(stragglerTimer);
            if (reachable && parent != null) {
                parent.childSet().remove(this);
            }
            probe.scopeClosed(name);
        }
    }

    private static void cancelTimer(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    // ---- reaching this scope asynchronously (any thread) ---------------------------------------

    /**
     * Called once this scope has something a cancellation must reach at once (a task, a hook): from
     * now on its parent's cancellation is pushed to it, and its own deadline fires by timer. Each
     * ancestor on the way up is made reachable too, since the cancellation that must arrive here may
     * start anywhere above. Idempotent; any thread.
     */
    private void makeReachable() {
        if (reachable || !REACHABLE.compareAndSet(this, false, true)) {
            return;
        }
        if (parent != null) {
            parent.makeReachable();
            // Register, then look: either the parent's cancel() sees this child or settle() sees it.
            parent.childSet().add(this);
            if (state == CLOSED) {
                parent.childSet().remove(this); // closed while this was registering
            }
        }
        if (ownsDeadline && hostHook == null) {
            long delay = deadlineNanos - System.nanoTime();
            ScheduledFuture<?> timer = Timers.schedule(() -> cancel(CancelReason.deadline(name)), delay);
            deadlineTimer = timer;
            if (state == CLOSED) {
                timer.cancel(false); // closed while this was being scheduled
            }
        }
        settle();
    }

    @SuppressWarnings("unchecked")
    private Set<ScopeImpl<?, ?>> childSet() {
        Set<ScopeImpl<?, ?>> set = children;
        if (set == null) {
            Set<ScopeImpl<?, ?>> made = ConcurrentHashMap.newKeySet();
            set = CHILDREN.compareAndSet(this, (Set<ScopeImpl<?, ?>>) null, made) ? made : children;
        }
        return set;
    }

    /**
     * Applies what may not have reached this scope yet, and returns its cancellation: an ancestor's
     * cancellation (looked up the chain, which settles each ancestor in turn), then a passed
     * deadline. Any thread; a closed scope is left as it is.
     */
    private Cancellation settle() {
        Cancellation c = cancellation;
        if (c != null || state == CLOSED) {
            if (c != null && c.byPolicy && hostHook != null && !hostHookRan && hasDeadline
                    && System.nanoTime() - deadlineNanos >= 0 && state != CLOSED) {
                // A passed deadline wakes the owner of a hosted scope, whoever cancelled first.
                Timers.schedule(this::runHostHook, 0);
            }
            return c;
        }
        if (parent != null) {
            Cancellation pc = parent.settle();
            if (pc != null) {
                cancel(CancelReason.parentCancelled(parent.name, pc.reason), false, true);
                return cancellation;
            }
        }
        if (hasDeadline && System.nanoTime() - deadlineNanos >= 0) {
            cancel(CancelReason.deadline(name), false, true);
        }
        return cancellation;
    }

    // ---- cancellation (any thread) -----------------------------------------------------------

    @Override
    public boolean cancel(CancelReason reason) {
        return cancel(reason, false);
    }

    private boolean cancel(CancelReason reason, boolean byPolicy) {
        return cancel(reason, byPolicy, false);
    }

    /**
     * Records the first cancellation and carries it out: children, hooks, interrupts.
     *
     * @param deferred carry it out on the timer thread, not in this one: for a cancellation that a
     *                 mere look ({@link #settle()}) applied, so that a reader never runs other
     *                 people's hooks or interrupts while holding who knows what lock
     */
    private boolean cancel(CancelReason reason, boolean byPolicy, boolean deferred) {
        Objects.requireNonNull(reason, "reason");
        if (state == CLOSED) {
            return false;
        }
        var c = new Cancellation(reason, byPolicy);
        if (!CANCELLATION.compareAndSet(this, (Cancellation) null, c)) {
            if (!byPolicy && hostHook != null) {
                // The policy cancelled first, which does not wake the owner; this cancellation from
                // outside (the deadline, the client leaving) must.
                if (deferred) {
                    Timers.schedule(this::runHostHook, 0);
                } else {
                    runHostHook();
                }
            }
            return false;
        }
        probe.scopeCancelled(name, reason.kind().tag());
        if (deferred && (children != null || hooks != null || forks != null || hostHook != null)) {
            Timers.schedule(() -> carryOut(c), 0);
        } else {
            carryOut(c);
        }
        return true;
    }

    /** Cancels the children, runs the hooks, interrupts the tasks: once, in whichever thread comes first. */
    private void carryOut(Cancellation c) {
        if (!c.carriedOut.compareAndSet(false, true)) {
            return;
        }
        CancelReason reason = c.reason;
        boolean byPolicy = c.byPolicy;
        // Children first: a child's owner is one of our tasks, and once interrupted it closes the
        // child; cancelling the child before that gives its tasks the parent's reason. Children not
        // registered have nothing to wake and find out when they look.
        Set<ScopeImpl<?, ?>> kids = children;
        if (kids != null) {
            var childReason = CancelReason.parentCancelled(name, reason);
            for (ScopeImpl<?, ?> child : kids) {
                child.cancel(childReason);
            }
        }
        // Claim the hooks registered now (each will run, even if its registration is closed from
        // here on), then interrupt, then run them: a task that a hook wakes, by closing its socket
        // say, already sees its interrupt, so its exception reads as the cancellation it is.
        List<Hook> claimed = List.of();
        var h = hooks;
        if (h != null) {
            claimed = new ArrayList<>();
            for (Hook hook : h) {
                if (hook.claim()) {
                    claimed.add(hook);
                }
            }
        }
        Forks f = forks;
        if (f != null) {
            for (TaskImpl<?> task : f.running) {
                Thread t = task.thread();
                if (t != Thread.currentThread()) {
                    t.interrupt();
                }
            }
        }
        if (hostHook != null && !byPolicy) {
            // The host's hook wakes the owner. A cancellation by the scope's own policy (a failure
            // under fail-fast) finds the owner in join, or reaches it there: waking it would turn
            // the policy's result into an InterruptedException.
            runHostHook();
        }
        for (Hook hook : claimed) {
            hook.run();
        }
        if (f == null || f.unfinished.get() == 0) {
            reportCancelEnd(c);
        } else {
            stragglerTimer = Timers.schedule(new StragglerCheck(this), stragglerAfter.toNanos());
        }
    }

    private void runHostHook() {
        if (HOST_HOOK_RAN.compareAndSet(this, false, true)) {
            runHook(hostHook);
        }
    }

    private void runHook(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException | Error e) {
            LOG.error("on-cancel hook of scope '{}' failed", name, e);
        }
    }

    @Override
    public boolean isCancelled() {
        return settle() != null;
    }

    @Override
    public Optional<CancelReason> cancelReason() {
        Cancellation c = settle();
        return c == null ? Optional.empty() : Optional.of(c.reason);
    }

    // ---- tasks (their own threads) -----------------------------------------------------------

    void taskStarted(TaskImpl<?> task) {
        forks.running.add(task);
    }

    @SuppressWarnings("unchecked")
    void taskEnded(TaskImpl<?> task) {
        Forks f = forks;
        f.running.remove(task);
        probe.taskEnded(name, task.outcome());
        try {
            Optional<CancelReason> reason = policy.onComplete((Task<? extends T>) task);
            if (reason.isPresent()) {
                cancel(reason.get(), true);
            }
        } catch (RuntimeException | Error e) {
            // The policy broke: join reports that, and the siblings are cancelled so that it can.
            if (policyFailure == null) {
                policyFailure = e;
            }
            cancel(CancelReason.explicit("the join policy failed on task '" + task.name() + "': " + e), true);
        }
        if (f.unfinished.decrementAndGet() == 0) {
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
        probe.cancelCompleted(name, c.reason.kind().tag(), nanos);
        long cancelledAt = System.currentTimeMillis() - java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(nanos);
        if (JfrWarmup.isReady()) {
            commitCancelled(name, c.reason, nanos, cancelledAt);
        } else {
            // Early in a process: the task must not wait for JFR (a first deadline would be late
            // by the warm-up), so the event is committed once JFR is ready, by the warm-up thread;
            // its figures are kept, and the time of the cancellation with them.
            JfrWarmup.whenReady(new CommitCancelled(name, c.reason, nanos, cancelledAt));
        }
    }

    /**
     * Makes the value parts of a cancellation once, in the first scope's class initialisation, so
     * that the first deadline of a process does not load their classes and link their string
     * concatenations (some milliseconds in a fresh JVM) after it has passed. No scope, thread or
     * meter is touched: these are plain values, made and dropped.
     */
    private static void rehearseCancellation() {
        CancelReason deadline = CancelReason.deadline("rehearsal");
        Objects.requireNonNull(ScopeCancelledException.of("rehearsal", deadline).reason().kind().tag());
    }

    // The cancellation path spins no lambdas: in a fresh JVM each lambda's first use links its call
    // site, some milliseconds apiece, and the first deadline of a process would be late by them.

    /** Commits a {@link ScopeCancelledEvent} once JFR is ready. */
    private record CommitCancelled(String scope, CancelReason reason, long cancelToEnd, long cancelledAt) implements Runnable {
        @Override
        public void run() {
            commitCancelled(scope, reason, cancelToEnd, cancelledAt);
        }
    }

    /** Reports the tasks still running a while after a cancellation, on the timer thread. */
    private record StragglerCheck(ScopeImpl<?, ?> scope) implements Runnable {
        @Override
        public void run() {
            scope.reportStragglers();
        }
    }

    /** @param cancelledAt when it was cancelled (epoch ms) */
    private static void commitCancelled(String scope, CancelReason reason, long cancelToEnd, long cancelledAt) {
        var event = new ScopeCancelledEvent();
        if (event.shouldCommit()) {
            event.cancelledAt = cancelledAt;
            event.scope = scope;
            event.reason = reason.kind().tag();
            event.rootReason = reason.root().kind().tag();
            event.message = reason.message();
            event.cancelToEnd = cancelToEnd;
            event.commit();
        }
    }

    private void reportStragglers() {
        Cancellation c = cancellation;
        for (TaskImpl<?> task : forks.running) {
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
                runHook(action);
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

    @SuppressWarnings("unchecked")
    private ConcurrentLinkedQueue<Hook> hookQueue() {
        ConcurrentLinkedQueue<Hook> q = hooks;
        if (q == null) {
            var made = new ConcurrentLinkedQueue<Hook>();
            q = HOOKS.compareAndSet(this, (ConcurrentLinkedQueue<Hook>) null, made) ? made : hooks;
        }
        return q;
    }

    @Override
    public Registration onCancel(Runnable action) {
        Objects.requireNonNull(action, "hook");
        if (state == CLOSED) {
            throw new IllegalStateException("scope '" + name + "' is closed: cannot register an on-cancel hook");
        }
        var hook = new Hook(action);
        hookQueue().add(hook);
        makeReachable(); // a hook must run when the deadline passes or an ancestor is cancelled
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

    /** {@return whether the scope has forked and so holds a JDK scope} (tests) */
    boolean hasForked() {
        return forks != null;
    }

    /** {@return whether a deadline timer was armed for this scope} (tests) */
    boolean hasDeadlineTimer() {
        return deadlineTimer != null;
    }

    /** {@return whether the parent pushes its cancellation to this scope} (tests) */
    boolean isRegistered() {
        return reachable;
    }

    @Override
    public String toString() {
        Cancellation c = cancellation;
        return "Scope[" + name + ", " + switch (state) {
            case OPEN -> "open";
            case JOINING -> "joining";
            case JOINED -> "joined";
            default -> "closed";
        } + (c == null ? "" : ", cancelled: " + c.reason) + ", running=" + (forks == null ? 0 : forks.running.size()) + "]";
    }
}
